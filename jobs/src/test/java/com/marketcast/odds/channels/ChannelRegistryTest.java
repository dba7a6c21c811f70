package com.marketcast.odds.channels;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.odds.model.Command;
import com.marketcast.odds.model.CommandType;
import com.marketcast.odds.model.OddsFormat;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChannelRegistryTest {
    private static final Duration TTL = Duration.ofMinutes(10);
    private static final long TTL_MS = TTL.toMillis();

    private KeyedOneInputStreamOperatorTestHarness<String, Command, MarketWork> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        new ChannelRegistry(TTL), command -> command.channelId, Types.STRING);
        harness.setProcessingTime(1_000);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void subscribeThenBeginExpandsPerMarketAndLaterSubscriptionsStartAtOnce() throws Exception {
        send(open("c1", OddsFormat.FRACTIONAL, 500));
        send(command(CommandType.SUBSCRIBE, "c1", "m1", "m2"));
        send(command(CommandType.BEGIN_STREAM, "c1"));
        send(command(CommandType.SUBSCRIBE, "c1", "m3"));

        List<MarketWork> out = drain();
        assertThat(out)
                .extracting(w -> w.type + ":" + w.marketId + ":" + w.streaming)
                .containsExactly(
                        "SUBSCRIBE:m1:false",
                        "SUBSCRIBE:m2:false",
                        "BEGIN:m1:false",
                        "BEGIN:m2:false",
                        "SUBSCRIBE:m3:true");
        assertThat(out.get(0).oddsFormat).isEqualTo(OddsFormat.FRACTIONAL);
        assertThat(out.get(0).throttleMs).isEqualTo(500);
    }

    @Test
    void beginWithSubsetOnlyTouchesSubscribedMarketsAndCarriesSince() throws Exception {
        send(command(CommandType.SUBSCRIBE, "c1", "m1", "m2"));
        drain();
        Command begin = command(CommandType.BEGIN_STREAM, "c1", "m2", "unknown");
        begin.since = 123L;
        send(begin);

        List<MarketWork> out = drain();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).type).isEqualTo(WorkType.BEGIN);
        assertThat(out.get(0).marketId).isEqualTo("m2");
        assertThat(out.get(0).since).isEqualTo(123L);
    }

    @Test
    void duplicateSubscribeAndUnknownUnsubscribeEmitNothing() throws Exception {
        send(command(CommandType.SUBSCRIBE, "c1", "m1"));
        send(command(CommandType.SUBSCRIBE, "c1", "m1"));
        send(command(CommandType.UNSUBSCRIBE, "c1", "m9"));
        assertThat(drain()).extracting(w -> w.type).containsExactly(WorkType.SUBSCRIBE);
    }

    @Test
    void reopenWithAnotherViewUpdatesEverySubscribedMarket() throws Exception {
        send(open("c1", OddsFormat.DECIMAL, 0));
        send(command(CommandType.SUBSCRIBE, "c1", "m1", "m2"));
        drain();
        send(open("c1", OddsFormat.AMERICAN, 0));
        List<MarketWork> out = drain();
        assertThat(out)
                .extracting(w -> w.type + ":" + w.marketId + ":" + w.oddsFormat)
                .containsExactlyInAnyOrder("SUBSCRIBE:m1:AMERICAN", "SUBSCRIBE:m2:AMERICAN");
    }

    @Test
    void disconnectReleasesEveryMarketAndAllState() throws Exception {
        send(open("c1", OddsFormat.DECIMAL, 0));
        send(command(CommandType.SUBSCRIBE, "c1", "m1", "m2"));
        send(command(CommandType.UNSUBSCRIBE, "c1", "m1"));
        drain();
        assertThat(harness.numKeyedStateEntries()).isGreaterThan(0);

        send(command(CommandType.DISCONNECT, "c1"));

        assertThat(drain())
                .extracting(w -> w.type + ":" + w.marketId)
                .containsExactly("DISCONNECT:m2");
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void silentChannelExpiresAfterTtlAndReleasesEverything() throws Exception {
        send(command(CommandType.SUBSCRIBE, "c1", "m1", "m2"));
        drain();

        harness.setProcessingTime(1_000 + TTL_MS - 1);
        assertThat(drain()).isEmpty();
        harness.setProcessingTime(1_000 + TTL_MS);

        assertThat(drain())
                .extracting(w -> w.type + ":" + w.marketId)
                .containsExactlyInAnyOrder("EXPIRE:m1", "EXPIRE:m2");
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void heartbeatKeepsTheChannelAlive() throws Exception {
        send(command(CommandType.SUBSCRIBE, "c1", "m1"));
        harness.setProcessingTime(1_000 + TTL_MS / 2);
        send(command(CommandType.HEARTBEAT, "c1"));
        drain();

        harness.setProcessingTime(1_000 + TTL_MS + 1);
        assertThat(drain()).isEmpty();
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

        harness.setProcessingTime(1_000 + TTL_MS / 2 + TTL_MS);
        assertThat(drain()).extracting(w -> w.type).containsExactly(WorkType.EXPIRE);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void commandsForUnknownChannelsCreateNothing() throws Exception {
        send(command(CommandType.HEARTBEAT, "ghost"));
        send(command(CommandType.UNSUBSCRIBE, "ghost", "m1"));
        send(command(CommandType.DISCONNECT, "ghost"));
        assertThat(drain()).isEmpty();
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    private void send(Command command) throws Exception {
        harness.processElement(command, command.recordTime);
    }

    private List<MarketWork> drain() {
        List<MarketWork> out = harness.extractOutputValues();
        harness.getOutput().clear();
        return out;
    }

    static Command open(String channel, OddsFormat format, long throttleMs) {
        Command command = command(CommandType.OPEN, channel);
        command.oddsFormat = format;
        command.throttleMs = throttleMs;
        return command;
    }

    static Command command(CommandType type, String channel, String... markets) {
        Command command = new Command();
        command.type = type;
        command.channelId = channel;
        command.markets = markets.length == 0 ? null : markets;
        command.recordTime = 42;
        return command;
    }
}

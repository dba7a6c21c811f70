package com.marketcast.odds.channels;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.odds.Descriptors;
import com.marketcast.odds.model.Command;
import com.marketcast.odds.model.CommandType;
import com.marketcast.odds.model.MarketQuery;
import com.marketcast.odds.model.OddsFormat;
import com.marketcast.odds.serialization.ChannelIdSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
                        new ChannelRegistry(TTL),
                        command -> command.channelId,
                        ChannelIdSerializer.TYPE);
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

    // ---- query subscriptions ----

    @Test
    void querySubscribeBeginReopenAndUnsubscribeGoToTheQuerySideOutput() throws Exception {
        send(open("c1", OddsFormat.FRACTIONAL, 0));
        send(query("c1", "q1", football()));
        send(query("c1", "q1", football())); // the same query again: nothing to broadcast
        send(command(CommandType.SUBSCRIBE, "c1", "m1"));
        send(command(CommandType.BEGIN_STREAM, "c1"));
        send(query("c1", "q2", football()));
        send(open("c1", OddsFormat.AMERICAN, 0));
        send(unsubscribeQuery("c1", "q1"));
        send(unsubscribeQuery("c1", "q9")); // unknown: nothing

        assertThat(drainQueries())
                .extracting(q -> q.type + ":" + q.queryId + ":" + q.oddsFormat + ":" + q.streaming)
                .containsExactly(
                        "ADD:q1:FRACTIONAL:false",
                        "BEGIN:q1:null:false",
                        "ADD:q2:FRACTIONAL:true",
                        "ADD:q1:AMERICAN:true",
                        "ADD:q2:AMERICAN:true",
                        "REMOVE:q1:null:false");
        assertThat(drain())
                .extracting(w -> w.type + ":" + w.marketId)
                .containsExactly("SUBSCRIBE:m1", "BEGIN:m1", "SUBSCRIBE:m1");
    }

    @Test
    void unsubscribeOfAQueryCarriesTheReasonAndTheQuery() throws Exception {
        send(query("c1", "q1", football()));
        send(unsubscribeQuery("c1", "q1"));
        List<QueryCommand> out = drainQueries();
        assertThat(out.get(0).query.sport).isEqualTo("football");
        assertThat(out.get(1).type).isEqualTo(QueryCommand.Type.REMOVE);
        assertThat(out.get(1).reason).isEqualTo("UNSUBSCRIBED");
        assertThat(out.get(1).key()).isEqualTo("c1/q1");
    }

    @Test
    void aResyncOfOneMarketReachesTheReducerWhenTheChannelHasQueries() throws Exception {
        send(query("c1", "q1", football()));
        send(command(CommandType.BEGIN_STREAM, "c1"));
        drain();
        drainQueries();
        send(command(CommandType.BEGIN_STREAM, "c1", "m7")); // held by the query, not listed
        assertThat(drain()).extracting(w -> w.type + ":" + w.marketId).containsExactly("BEGIN:m7");
        assertThat(drainQueries()).isEmpty(); // a subset begins no query
    }

    @Test
    void disconnectOfAChannelWithQueriesRemovesThemSilentlyAndReleasesAllState() throws Exception {
        send(command(CommandType.SUBSCRIBE, "c1", "m1"));
        send(query("c1", "q1", football()));
        send(query("c1", "q2", football()));
        drain();
        drainQueries();

        send(command(CommandType.DISCONNECT, "c1"));

        assertThat(drain())
                .extracting(w -> w.type + ":" + w.marketId)
                .containsExactly("DISCONNECT:m1");
        assertThat(drainQueries())
                .extracting(q -> q.type + ":" + q.queryId + ":" + q.reason)
                .containsExactlyInAnyOrder("REMOVE:q1:null", "REMOVE:q2:null");
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void expiryOfAChannelWithQueriesRemovesThemAsExpiredAndReleasesAllState() throws Exception {
        send(query("c1", "q1", football()));
        drainQueries();

        harness.setProcessingTime(1_000 + TTL_MS);

        assertThat(drainQueries())
                .extracting(q -> q.type + ":" + q.queryId + ":" + q.reason + ":" + q.ts)
                .containsExactly("REMOVE:q1:EXPIRED:" + (1_000 + TTL_MS));
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

    private List<QueryCommand> drainQueries() {
        var records = harness.getSideOutput(Descriptors.QUERY_COMMANDS);
        if (records == null) {
            return List.of();
        }
        List<QueryCommand> out = new ArrayList<>();
        records.forEach(r -> out.add(r.getValue()));
        records.clear();
        return out;
    }

    private static MarketQuery football() {
        MarketQuery query = new MarketQuery();
        query.sport = "football";
        return query;
    }

    static Command query(String channel, String queryId, MarketQuery query) {
        Command command = command(CommandType.SUBSCRIBE, channel);
        command.queryId = queryId;
        command.query = query;
        return command;
    }

    static Command unsubscribeQuery(String channel, String queryId) {
        Command command = command(CommandType.UNSUBSCRIBE, channel);
        command.queryId = queryId;
        return command;
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

package com.marketcast.odds;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.odds.testing.Await;
import com.marketcast.odds.testing.ChannelCommands;
import com.marketcast.odds.testing.FeedScript;
import com.marketcast.odds.testing.HeldMarket;
import com.marketcast.odds.testing.KafkaClients;
import com.marketcast.odds.testing.MiniClusters;
import com.marketcast.odds.testing.ProtocolSubscriber;
import com.marketcast.odds.testing.ProtocolSubscriber.Received;
import com.marketcast.odds.testing.SharedServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upgrades and rescaling: the job is stopped with a savepoint while subscribers stream, and
 * restored from it at parallelism 1 → 2 → 4 → 1 (max parallelism fixed at 128, as in {@code
 * flink-conf/}), on a MiniCluster with RocksDB against a real Kafka broker and redis-server.
 *
 * <p>Across every restore, subscriptions by list and by query, throttled views, market state and
 * channel expiry timers survive: each market's first message after a restore is a snapshot in a new
 * epoch that continues the version chain held before the stop, and every subscriber applying the
 * PROTOCOL section 3 rules ends with exactly the feed's state. A channel whose lease ends while the
 * job is down expires when it comes back (its timer, set at parallelism 1, fires at parallelism 4):
 * it gets nothing but its {@code removed / EXPIRED} messages (each possibly after the restore's
 * snapshot), and nothing more afterwards.
 */
@ExtendWith(SharedServices.class)
class SavepointRescaleITCase {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Duration CHANNEL_TTL = Duration.ofSeconds(30);
    private static final int MAX_PARALLELISM = 128;

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.rocksDb(4);

    @TempDir Path savepoints;

    private KafkaClients kafka;
    private ProtocolSubscriber subscriber;
    private String updates;
    private String commands;
    private ChannelCommands channelCommands;
    private String deadLetters;
    private String groupId;

    @BeforeEach
    void prepare() {
        updates = SharedServices.unique("market-updates");
        commands = SharedServices.unique("stream-commands");
        deadLetters = SharedServices.unique("dead-letters");
        groupId = SharedServices.unique("odds");
        // more partitions than the highest parallelism: every source subtask reads
        SharedServices.kafka().createTopic(updates, 4);
        SharedServices.kafka().createTopic(commands, 4);
        SharedServices.kafka().createTopic(deadLetters, 1);
        kafka = new KafkaClients(SharedServices.kafka().bootstrapServers());
        channelCommands = new ChannelCommands(kafka, commands);
        subscriber =
                new ProtocolSubscriber(
                        "127.0.0.1", SharedServices.redis().port(), channelCommands::resync);
    }

    @AfterEach
    void close() throws Exception {
        subscriber.close();
        kafka.close();
    }

    @Test
    void subscriptionsTimersAndMarketStateSurviveRestoresAtParallelism1To2To4To1()
            throws Exception {
        FeedScript feed = new FeedScript(97);
        List<String> markets = List.of("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8");
        String listed = UUID.randomUUID().toString();
        String throttled = UUID.randomUUID().toString();
        String byQuery = UUID.randomUUID().toString();
        String idle = UUID.randomUUID().toString();
        Map<String, List<String>> channels = new LinkedHashMap<>();
        channels.put(listed, markets.subList(0, 6));
        channels.put(throttled, markets.subList(2, 8));
        channels.put(byQuery, List.of("s5"));
        List<String> idleMarkets = List.of("s1", "s2", "s7");

        // ---- run 1, parallelism 1: channels open and stream
        JobClient job = run(1, null);
        channelCommands.send(listed, "{\"type\":\"OPEN\",\"channelId\":\"%s\"}");
        channelCommands.send(
                throttled,
                "{\"type\":\"OPEN\",\"channelId\":\"%s\",\"oddsFormat\":\"FRACTIONAL\",\"throttleMs\":300}");
        channelCommands.subscribeAndBegin(listed, channels.get(listed));
        channelCommands.subscribeAndBegin(throttled, channels.get(throttled));
        channelCommands.send(
                byQuery,
                "{\"type\":\"SUBSCRIBE\",\"channelId\":\"%s\",\"queryId\":\"q\",\"query\":{\"eventId\":\"e-s5\"}}");
        channelCommands.send(byQuery, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}");
        // the idle channel sends nothing after this: its lease ends while the job is down
        long idleLastCommand = System.currentTimeMillis();
        channelCommands.subscribeAndBegin(idle, idleMarkets);
        produce(feed.updates(markets, 6));
        awaitHolding(channels, feed);
        awaitHolding(Map.of(idle, idleMarkets), feed);

        // ---- run 2, parallelism 2
        Map<String, Map<String, HeldMarket>> before = heldByChannel(channels);
        job = run(2, stop(job));
        heartbeat(channels);
        produce(feed.updates(markets, 6));
        awaitHolding(channels, feed);
        assertRestored(channels, before);
        assertThat(subscriber.received(idle))
                .as("the idle channel still lives in run 2")
                .extracting(r -> r.type)
                .doesNotContain("removed");

        // the others' leases must outlast the time the job is down
        Await.until(
                CHANNEL_TTL,
                "the idle channel to be idle for a third of its TTL",
                () -> System.currentTimeMillis() > idleLastCommand + CHANNEL_TTL.toMillis() / 3);
        heartbeat(channels);
        before = heldByChannel(channels);
        String savepoint = stop(job);
        int idleMessagesBeforeExpiry = subscriber.received(idle).size();
        // ---- the job is down until the idle channel's lease has ended
        Await.until(
                CHANNEL_TTL,
                "the idle channel's lease to end while the job is down",
                () -> System.currentTimeMillis() > idleLastCommand + CHANNEL_TTL.toMillis() + 500);

        // ---- run 3, parallelism 4: the idle channel's timer, set at parallelism 1, fires
        job = run(4, savepoint);
        heartbeat(channels);
        Await.until(
                WAIT,
                "the idle channel to expire",
                () ->
                        subscriber.held(idle).isEmpty()
                                && removedMarkets(idle).containsAll(idleMarkets),
                () -> subscriber.received(idle));
        List<Received> afterExpiry =
                subscriber
                        .received(idle)
                        .subList(idleMessagesBeforeExpiry, subscriber.received(idle).size());
        assertThat(afterExpiry)
                .allSatisfy(
                        r ->
                                assertThat(r.type.equals("snapshot") || "EXPIRED".equals(r.reason))
                                        .as("after the lease ended: %s", r)
                                        .isTrue());
        int idleMessages = subscriber.received(idle).size();
        produce(feed.updates(markets, 6));
        awaitHolding(channels, feed);
        assertRestored(channels, before);

        // ---- run 4, back to parallelism 1
        heartbeat(channels);
        before = heldByChannel(channels);
        job = run(1, stop(job));
        heartbeat(channels);
        produce(feed.updates(markets, 6));
        awaitHolding(channels, feed);
        assertRestored(channels, before);

        assertThat(subscriber.received(idle))
                .as("nothing for the expired channel after its removals")
                .hasSize(idleMessages);
        assertThat(subscriber.gaps()).as("gaps seen by the subscriber").isZero();
        job.cancel().get();
    }

    // ---------------------------------------------------------------- the job

    /** The job at {@code parallelism}, restored from {@code savepoint} unless it is null. */
    private JobClient run(int parallelism, String savepoint) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setMaxParallelism(MAX_PARALLELISM);
        OddsJob.define(
                env,
                OddsSettings.fromMap(
                        Map.of(
                                "bootstrap-servers",
                                SharedServices.kafka().bootstrapServers(),
                                "redis",
                                SharedServices.redis().uri(),
                                "parallelism",
                                String.valueOf(parallelism),
                                "checkpoint-interval",
                                "1s",
                                "channel-ttl",
                                CHANNEL_TTL.toSeconds() + "s",
                                "updates-topic",
                                updates,
                                "commands-topic",
                                commands,
                                "dead-letters-topic",
                                deadLetters,
                                "group-id",
                                groupId,
                                "no-catalog",
                                "true")));
        StreamGraph graph = env.getStreamGraph();
        if (savepoint != null) {
            // every operator's state must be restored: none may be dropped
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        }
        return env.executeAsync(graph);
    }

    /** Stop-with-savepoint (no drain: no end-of-input timers fire), as `flink stop` does. */
    private String stop(JobClient job) throws Exception {
        return job.stopWithSavepoint(
                        false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get();
    }

    // ---------------------------------------------------------------- assertions

    /**
     * Each market's first message after the restore is a snapshot in a newer epoch, at the version
     * held before the stop: the market's state and the subscription came through the savepoint.
     */
    private void assertRestored(
            Map<String, List<String>> channels, Map<String, Map<String, HeldMarket>> before) {
        channels.forEach(
                (channel, markets) -> {
                    for (String market : markets) {
                        HeldMarket held = before.get(channel).get(market);
                        Received first =
                                subscriber.received(channel).stream()
                                        .filter(r -> r.marketId.equals(market))
                                        .filter(r -> r.epoch > held.epoch)
                                        .findFirst()
                                        .orElseThrow(
                                                () ->
                                                        new AssertionError(
                                                                "no new epoch of "
                                                                        + market
                                                                        + " on "
                                                                        + channel));
                        assertThat(first.type)
                                .as("first of %s after restore", market)
                                .isEqualTo("snapshot");
                        // the version chain continues (a lost state would start again at 1);
                        // the snapshot may already carry the change that touched the market
                        assertThat(first.version)
                                .as("version of %s at the restore", market)
                                .isBetween(held.version, held.version + 1);
                    }
                });
    }

    private void awaitHolding(Map<String, List<String>> channels, FeedScript feed) {
        Map<String, HeldMarket> expected = feed.expected();
        channels.forEach(
                (channel, markets) ->
                        Await.until(
                                WAIT,
                                "channel " + channel + " to hold the feed's state of " + markets,
                                () -> {
                                    Map<String, HeldMarket> held = subscriber.held(channel);
                                    return held.keySet().equals(Set.copyOf(markets))
                                            && markets.stream()
                                                    .allMatch(
                                                            m ->
                                                                    expected.get(m)
                                                                            .sameContent(
                                                                                    held.get(m)));
                                },
                                () -> subscriber.held(channel)));
    }

    private Map<String, Map<String, HeldMarket>> heldByChannel(Map<String, List<String>> channels) {
        Map<String, Map<String, HeldMarket>> held = new HashMap<>();
        channels.keySet().forEach(c -> held.put(c, subscriber.held(c)));
        return held;
    }

    private List<String> removedMarkets(String channel) {
        return subscriber.received(channel).stream()
                .filter(r -> r.type.equals("removed"))
                .map(r -> r.marketId)
                .collect(Collectors.toList());
    }

    // ---------------------------------------------------------------- inputs

    private void heartbeat(Map<String, List<String>> channels) {
        channels.keySet().forEach(channelCommands::heartbeat);
    }

    private void produce(List<FeedScript.Record> records) {
        records.forEach(r -> kafka.send(updates, r.marketId, r.json));
    }
}

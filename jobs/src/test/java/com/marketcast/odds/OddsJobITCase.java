package com.marketcast.odds;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marketcast.odds.testing.Await;
import com.marketcast.odds.testing.FeedScript;
import com.marketcast.odds.testing.HeldMarket;
import com.marketcast.odds.testing.KafkaClients;
import com.marketcast.odds.testing.MiniClusters;
import com.marketcast.odds.testing.ProtocolSubscriber;
import com.marketcast.odds.testing.ProtocolSubscriber.Received;
import com.marketcast.odds.testing.SharedServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * The whole job on a MiniCluster (parallelism 2, RocksDB, checkpoints every 500 ms) against a real
 * Kafka broker and a real redis-server, observed by a subscriber that follows PROTOCOL section 3.
 */
@ExtendWith(SharedServices.class)
class OddsJobITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.rocksDbTwoSlots();

    private KafkaClients kafka;
    private ProtocolSubscriber subscriber;
    private JobClient job;
    private String updates;
    private String commands;
    private String deadLetters;
    private String groupId;

    @BeforeEach
    void startJob() throws Exception {
        updates = SharedServices.unique("market-updates");
        commands = SharedServices.unique("stream-commands");
        deadLetters = SharedServices.unique("dead-letters");
        groupId = SharedServices.unique("odds");
        SharedServices.kafka().createTopic(updates, 4);
        SharedServices.kafka().createTopic(commands, 2);
        SharedServices.kafka().createTopic(deadLetters, 1);
        kafka = new KafkaClients(SharedServices.kafka().bootstrapServers());
        subscriber =
                new ProtocolSubscriber("127.0.0.1", SharedServices.redis().port(), this::resync);

        OddsSettings settings =
                OddsSettings.fromMap(
                        Map.of(
                                "bootstrap-servers",
                                SharedServices.kafka().bootstrapServers(),
                                "redis",
                                SharedServices.redis().uri(),
                                "parallelism",
                                "2",
                                "checkpoint-interval",
                                "500ms",
                                "updates-topic",
                                updates,
                                "commands-topic",
                                commands,
                                "dead-letters-topic",
                                deadLetters,
                                "group-id",
                                groupId,
                                "no-catalog",
                                "true"));
        job = OddsJob.start(StreamExecutionEnvironment.getExecutionEnvironment(), settings);
    }

    @AfterEach
    void stopJob() throws Exception {
        if (job != null) {
            job.cancel().get();
        }
        subscriber.close();
        kafka.close();
    }

    @Test
    void streamsASnapshotThenGapFreeDeltasWhateverArrivesFirst() {
        FeedScript feed = new FeedScript(7);
        List<String> markets = markets("a", 6);
        String channel = UUID.randomUUID().toString();

        // markets a1..a3 have data before the channel subscribes; a4..a6 only after BEGIN (pending)
        produce(feed.updates(markets.subList(0, 3), 5));
        command(channel, "{\"type\":\"OPEN\",\"channelId\":\"%s\",\"oddsFormat\":\"FRACTIONAL\"}");
        subscribeAndBegin(channel, markets);
        produce(feed.updates(markets, 30));

        awaitHolding(channel, feed.expected());
        assertThat(subscriber.gaps()).isZero();
        for (String market : markets) {
            List<Received> chain = chainOf(channel, market);
            assertThat(chain.get(0).type).as("first message of %s", market).isEqualTo("snapshot");
            for (int i = 1; i < chain.size(); i++) {
                assertThat(chain.get(i).type).isEqualTo("delta");
                assertThat(chain.get(i).prev)
                        .as("chain of %s at %d", market, i)
                        .isEqualTo(chain.get(i - 1).version);
                assertThat(chain.get(i).epoch).isEqualTo(chain.get(0).epoch);
            }
            JsonNode mirror = mirror(market);
            assertThat(mirror.get("version").asLong())
                    .isEqualTo(subscriber.held(channel).get(market).version);
            assertThat(mirror.at("/selections/0/display").asText())
                    .contains("."); // mirror is DECIMAL
        }
        assertThat(subscriber.held(channel).get("a1").toString()).isNotEmpty();
    }

    @Test
    void sinceGivesCurrentMarkersAndUnsubscribeGivesRemoved() throws Exception {
        FeedScript feed = new FeedScript(11);
        produce(feed.updates(List.of("b1"), 3));
        Await.until(WAIT, "mirror of b1", () -> mirrorOrNull("b1") != null);
        long since = System.currentTimeMillis() + 1;

        String channel = UUID.randomUUID().toString();
        command(
                channel,
                "{\"type\":\"SUBSCRIBE\",\"channelId\":\"%s\",\"markets\":[\"b1\",\"b2\"]}");
        command(
                channel,
                "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\",\"since\":" + since + "}");
        produce(List.of(feed.next("b2")));
        Await.until(
                WAIT,
                "current for b1 and snapshot for b2",
                () -> chainOf(channel, "b1").size() == 1 && chainOf(channel, "b2").size() == 1,
                () -> subscriber.received(channel));
        assertThat(chainOf(channel, "b1").get(0).type).isEqualTo("current");
        assertThat(chainOf(channel, "b1").get(0).version)
                .isEqualTo(mirror("b1").get("version").asLong());
        assertThat(chainOf(channel, "b2").get(0).type).isEqualTo("snapshot");

        command(channel, "{\"type\":\"UNSUBSCRIBE\",\"channelId\":\"%s\",\"markets\":[\"b1\"]}");
        Await.until(
                WAIT,
                "removed for b1",
                () -> chainOf(channel, "b1").size() == 2,
                () -> subscriber.received(channel));
        assertThat(chainOf(channel, "b1").get(1).type).isEqualTo("removed");
        assertThat(chainOf(channel, "b1").get(1).reason).isEqualTo("UNSUBSCRIBED");

        command(channel, "{\"type\":\"DISCONNECT\",\"channelId\":\"%s\"}");
        // Commands are ordered per channel only, so a marker channel on b2 tells when the job has
        // moved on; the DISCONNECT may still race the first update after it, never the second.
        String probe = UUID.randomUUID().toString();
        command(probe, "{\"type\":\"SUBSCRIBE\",\"channelId\":\"%s\",\"markets\":[\"b2\"]}");
        command(probe, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}");
        Await.until(WAIT, "probe snapshot", () -> !chainOf(probe, "b2").isEmpty());
        produce(List.of(feed.next("b2")));
        Await.until(
                WAIT,
                "probe delta",
                () -> chainOf(probe, "b2").size() == 2,
                () -> subscriber.received(probe));
        int afterDisconnect = chainOf(channel, "b2").size();
        produce(List.of(feed.next("b2")));
        Await.until(
                WAIT,
                "second probe delta",
                () -> chainOf(probe, "b2").size() == 3,
                () -> subscriber.received(probe));
        assertThat(afterDisconnect).isLessThanOrEqualTo(2);
        assertThat(chainOf(channel, "b2"))
                .hasSize(afterDisconnect); // nothing once DISCONNECT is applied
    }

    /** Without a catalog only the feed's event id is known, so an eventId query is what matches. */
    @Test
    void aQuerySubscriptionJoinsTheMarketsOfItsEventWithSnapshots() {
        FeedScript feed = new FeedScript(13);
        String channel = UUID.randomUUID().toString();
        command(
                channel,
                "{\"type\":\"SUBSCRIBE\",\"channelId\":\"%s\",\"queryId\":\"q1\","
                        + "\"query\":{\"eventId\":\"e-q1\"}}");
        command(channel, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}");
        List<String> markets = markets("q", 3);
        for (int round = 0; round < 5; round++) {
            for (String market : markets) {
                FeedScript.Record record = feed.next(market);
                // the script gives every market its own event: put all three in event e-q1
                kafka.send(
                        updates,
                        market,
                        record.json.replace(
                                "\"eventId\":\"e-" + market + "\"", "\"eventId\":\"e-q1\""));
            }
        }
        produce(feed.updates(List.of("other1"), 3)); // another event: never joins

        awaitHolding(
                channel,
                feed.expected().entrySet().stream()
                        .filter(e -> markets.contains(e.getKey()))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        for (String market : markets) {
            assertThat(chainOf(channel, market).get(0).type).isEqualTo("snapshot");
        }
        assertThat(chainOf(channel, "other1")).isEmpty();
        assertThat(subscriber.gaps()).isZero();
    }

    @Test
    void recoversFromATaskManagerFailureAndSubscribersEndWithTheExactState(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        FeedScript feed = new FeedScript(23);
        List<String> markets = markets("c", 8);
        String channel = UUID.randomUUID().toString();
        command(channel, "{\"type\":\"OPEN\",\"channelId\":\"%s\",\"oddsFormat\":\"AMERICAN\"}");
        subscribeAndBegin(channel, markets);
        produce(feed.updates(markets, 20));
        awaitHolding(channel, feed.expected());
        Await.until(
                WAIT,
                "a completed checkpoint (committed offsets)",
                () -> !kafka.committedOffsets(groupId).isEmpty());
        long epochBefore = subscriber.held(channel).get("c1").epoch;

        // updates the last checkpoint did not cover: replayed after the restore
        produce(feed.updates(markets, 10));
        cluster.terminateTaskManager(0).get();
        cluster.startTaskManager();
        produce(feed.updates(markets, 20));

        awaitHolding(channel, feed.expected());
        Map<String, HeldMarket> held = subscriber.held(channel);
        assertThat(held.values()).allSatisfy(m -> assertThat(m.epoch).isGreaterThan(epochBefore));
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void survivesARedisOutageAndResyncedSubscribersEndWithTheExactState() {
        FeedScript feed = new FeedScript(31);
        List<String> markets = markets("r", 6);
        String channel = UUID.randomUUID().toString();
        subscriber.onReconnect(
                () -> command(channel, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}"));
        subscribeAndBegin(channel, markets);
        produce(feed.updates(markets, 10));
        awaitHolding(channel, feed.expected());

        SharedServices.redis().stop();
        produce(feed.updates(markets, 10)); // published into the outage: the sink retries
        SharedServices.redis().restart();
        Await.until(WAIT, "the subscriber to reconnect", () -> subscriber.connections() >= 2);
        produce(feed.updates(markets, 10));

        awaitHolding(channel, feed.expected());
        assertThat(mirror("r1").get("version").asLong())
                .isEqualTo(subscriber.held(channel).get("r1").version);
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicAndTheJobKeepsRunning() throws Exception {
        FeedScript feed = new FeedScript(5);
        String channel = UUID.randomUUID().toString();
        command(channel, "{\"type\":\"SUBSCRIBE\",\"channelId\":\"%s\",\"markets\":[\"d1\"]}");
        command(channel, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}");
        produce(feed.updates(List.of("d1"), 2));

        List<String> badUpdates =
                List.of(
                        "{not json",
                        "{\"marketId\":\"d1\",\"seq\":\"three\"}",
                        "{\"marketId\":\"d1\",\"seq\":9,\"selections\":[{\"id\":\"home\",\"price\":1.0}]}",
                        "{\"marketId\":\"other\",\"seq\":9}",
                        "{\"marketId\":\"d1\",\"seq\":9,\"status\":\"PAUSED\"}");
        for (String bad : badUpdates) {
            kafka.send(updates, "d1", bad);
        }
        kafka.send(commands, "x", "{\"type\":\"FLY\",\"channelId\":\"x\"}");
        kafka.send(
                commands, "y", "{\"type\":\"OPEN\",\"channelId\":\"y\",\"oddsFormat\":\"ROMAN\"}");
        produce(feed.updates(List.of("d1"), 2));

        List<ConsumerRecord<String, String>> dead = kafka.read(deadLetters, 7, WAIT);
        assertThat(dead).hasSize(7);
        List<JsonNode> letters = new ArrayList<>();
        for (ConsumerRecord<String, String> record : dead) {
            letters.add(JSON.readTree(record.value()));
        }
        assertThat(letters)
                .allSatisfy(
                        letter -> {
                            assertThat(letter.get("reason").asText()).isNotBlank();
                            assertThat(letter.get("offset").isIntegralNumber()).isTrue();
                            assertThat(letter.get("partition").isIntegralNumber()).isTrue();
                        });
        assertThat(letters.stream().map(l -> l.get("payload").asText()))
                .containsAll(badUpdates)
                .contains("{\"type\":\"FLY\",\"channelId\":\"x\"}");
        assertThat(letters.stream().filter(l -> l.get("source").asText().equals(updates)))
                .hasSize(5);
        assertThat(letters.stream().filter(l -> l.get("source").asText().equals(commands)))
                .hasSize(2);

        awaitHolding(channel, feed.expected());
        // one epoch throughout: the job never restarted
        assertThat(subscriber.received(channel))
                .extracting(r -> r.epoch)
                .containsOnly(subscriber.received(channel).get(0).epoch);
        assertThat(subscriber.received(channel)).extracting(r -> r.type).doesNotContain("removed");
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    }

    // ---------------------------------------------------------------- helpers

    private void resync(String channel, String market) {
        command(
                channel,
                "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\",\"markets\":[\""
                        + market
                        + "\"]}");
    }

    private void subscribeAndBegin(String channel, List<String> markets) {
        command(
                channel,
                "{\"type\":\"SUBSCRIBE\",\"channelId\":\"%s\",\"markets\":"
                        + JSON.valueToTree(markets)
                        + "}");
        command(channel, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}");
    }

    private void command(String channel, String template) {
        kafka.send(commands, channel, String.format(template, channel));
    }

    private void produce(List<FeedScript.Record> records) {
        records.forEach(r -> kafka.send(updates, r.marketId, r.json));
    }

    private void awaitHolding(String channel, Map<String, HeldMarket> expected) {
        Await.until(
                WAIT,
                "the subscriber to hold " + expected,
                () -> {
                    Map<String, HeldMarket> held = subscriber.held(channel);
                    return held.keySet().equals(expected.keySet())
                            && expected.entrySet().stream()
                                    .allMatch(e -> e.getValue().sameContent(held.get(e.getKey())));
                },
                () -> subscriber.held(channel));
    }

    private List<Received> chainOf(String channel, String market) {
        return subscriber.received(channel).stream()
                .filter(r -> r.marketId.equals(market))
                .collect(Collectors.toList());
    }

    private static List<String> markets(String prefix, int count) {
        return IntStream.rangeClosed(1, count)
                .mapToObj(i -> prefix + i)
                .collect(Collectors.toList());
    }

    private static JsonNode mirrorOrNull(String market) {
        try (Jedis jedis = new Jedis("127.0.0.1", SharedServices.redis().port())) {
            String value = jedis.get("market:" + market);
            return value == null ? null : JSON.readTree(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode mirror(String market) {
        JsonNode node = mirrorOrNull(market);
        assertThat(node).as("market:%s", market).isNotNull();
        return node;
    }
}

package com.marketcast.odds;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.embedded.EmbeddedPostgres;
import com.marketcast.odds.testing.Await;
import com.marketcast.odds.testing.FeedScript;
import com.marketcast.odds.testing.HeldMarket;
import com.marketcast.odds.testing.KafkaClients;
import com.marketcast.odds.testing.MiniClusters;
import com.marketcast.odds.testing.ProtocolSubscriber;
import com.marketcast.odds.testing.ProtocolSubscriber.Received;
import com.marketcast.odds.testing.SharedServices;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job with its catalog source: a private PostgreSQL with logical replication (the schema of
 * {@code sql/catalog/schema.sql}), the job on a MiniCluster (parallelism 2, RocksDB, checkpoints
 * every 500 ms) reading it through Flink CDC, real Kafka and Redis, and a subscriber that follows
 * PROTOCOL section 3.
 *
 * <p>The database holds the sample catalog of {@code sql/catalog/sample-data.sql}; each test adds
 * its own rows (ids and competition prefixed with a name unique to the test) and runs its own job
 * with its own replication slot, dropped afterwards.
 */
@ExtendWith(SharedServices.class)
class CatalogITCase {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String THREE_WAY =
            "[{\"id\":\"home\",\"name\":\"Arsenal\"},{\"id\":\"draw\",\"name\":\"Draw\"},"
                    + "{\"id\":\"away\",\"name\":\"Chelsea\"}]";

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.rocksDbTwoSlots();

    private static EmbeddedPostgres postgres;

    private KafkaClients kafka;
    private ProtocolSubscriber subscriber;
    private JobClient job;
    private String p;
    private String slot;
    private String updates;
    private String commands;
    private String groupId;

    @BeforeAll
    static void startPostgres() {
        postgres = EmbeddedPostgres.start();
        postgres.runScript(Path.of("../sql/catalog/schema.sql"));
        postgres.runScript(Path.of("../sql/catalog/sample-data.sql"));
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void prepare() {
        p = SharedServices.unique("cat");
        slot = "it_" + p.replace('-', '_');
        updates = SharedServices.unique("market-updates");
        commands = SharedServices.unique("stream-commands");
        groupId = SharedServices.unique("odds");
        SharedServices.kafka().createTopic(updates, 4);
        SharedServices.kafka().createTopic(commands, 2);
        SharedServices.kafka().createTopic(SharedServices.unique("dead-letters"), 1);
        kafka = new KafkaClients(SharedServices.kafka().bootstrapServers());
        subscriber =
                new ProtocolSubscriber("127.0.0.1", SharedServices.redis().port(), this::resync);
    }

    @AfterEach
    void stopJob() throws Exception {
        if (job != null) {
            job.cancel().get();
            Await.until(WAIT, "the job to end", this::jobEnded);
        }
        subscriber.close();
        kafka.close();
        // a slot outlives its job: drop it, as the local stack does on exit
        postgres.dropReplicationSlot(slot);
    }

    @Test
    void theSampleCatalogEnrichesMarketsAndAnswersQueries() {
        Set<String> inPlayTennis =
                Set.copyOf(
                        queryStrings(
                                "SELECT market_id FROM markets JOIN events USING (event_id)"
                                        + " WHERE sport = 'tennis' AND in_play"));
        assertThat(inPlayTennis).hasSizeGreaterThan(5);
        long started = System.nanoTime();
        startJob();
        String list = UUID.randomUUID().toString();
        subscribeAndBegin(list, List.of("m-1001"));
        String query = UUID.randomUUID().toString();
        subscribeQuery(query, "live-tennis", "{\"sport\":\"tennis\",\"inPlay\":true}");
        command(query, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}");

        awaitHeld(query, "every in-play tennis market", held -> held.keySet().equals(inPlayTennis));
        awaitHeld(list, "m-1001 enriched", held -> held.containsKey("m-1001"));
        System.out.printf(
                "sample catalog (%s markets): the query channel held its %d markets %d ms after"
                        + " submit%n",
                queryStrings("SELECT count(*) FROM markets").get(0),
                inPlayTennis.size(),
                Duration.ofNanos(System.nanoTime() - started).toMillis());
        Received snapshot = first(list, "m-1001");
        assertThat(snapshot.type).isEqualTo("snapshot");
        assertThat(snapshot.message.at("/market/name").asText()).isEqualTo("Match Odds");
        assertThat(snapshot.message.at("/market/type").asText()).isEqualTo("MATCH_ODDS");
        assertThat(snapshot.message.at("/market/event/name").asText())
                .isEqualTo("Arsenal v Aston Villa");
        assertThat(snapshot.message.at("/market/event/sport").asText()).isEqualTo("football");
        assertThat(snapshot.message.at("/market/event/competition").asText())
                .isEqualTo("Premier League");
        assertThat(snapshot.message.at("/market/selections/0/name").asText()).isEqualTo("Arsenal");
        assertThat(snapshot.message.at("/market/selections/0/price").isNull()).isTrue();
    }

    @Test
    void catalogChangesReachSubscribersAsDeltasWithTheNewFields() throws Exception {
        String event = p + "-e1";
        String m1 = p + "-m1";
        String m2 = p + "-m2";
        insertEvent(event, "Arsenal v Chelsea", "football", p, "now() + interval '2 hours'");
        insertMarket(m1, event, "Match Odds", "MATCH_ODDS", THREE_WAY);
        insertMarket(m2, event, "Half Time Result", "HALF_TIME", THREE_WAY);
        startJob();
        FeedScript feed = FeedScript.pricesOnly(3);
        String channel = UUID.randomUUID().toString();
        subscribeAndBegin(channel, List.of(m1, m2));
        produce(feed.updates(List.of(m1, m2), 5), event);

        awaitHeld(
                channel,
                "both markets enriched and priced",
                held ->
                        held.size() == 2
                                && "Match Odds".equals(name(held, m1))
                                && "Arsenal v Chelsea".equals(eventName(held, m2))
                                && feed.expected().get(m1).prices.equals(held.get(m1).prices)
                                && feed.expected().get(m2).prices.equals(held.get(m2).prices));

        // a market renamed: a delta carrying only the name, once per change; timed for the docs
        List<Long> latencies = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            String name = "Match Odds " + i;
            long committed = System.currentTimeMillis();
            catalog("UPDATE markets SET name = '%s' WHERE market_id = '%s'", name, m1);
            awaitHeld(channel, "name " + name, held -> name.equals(name(held, m1)));
            Received delta = last(channel, m1);
            assertThat(delta.type).isEqualTo("delta");
            assertThat(delta.message.get("changes").get("name").asText()).isEqualTo(name);
            assertThat(delta.message.get("changes").has("selections")).isFalse();
            latencies.add(delta.receivedAt - committed);
        }
        Collections.sort(latencies);
        System.out.printf(
                "catalog UPDATE -> subscriber (ms, %d changes): median %d, min %d, max %d%n",
                latencies.size(),
                latencies.get(latencies.size() / 2),
                latencies.get(0),
                latencies.get(latencies.size() - 1));

        // an event renamed and its kick-off moved: every market of the event gets a delta
        long versionM2 = last(channel, m2).version;
        catalog(
                "UPDATE events SET name = 'Arsenal v Chelsea FC', start_time = start_time +"
                        + " interval '30 minutes' WHERE event_id = '%s'",
                event);
        awaitHeld(
                channel,
                "the event renamed on both markets",
                held ->
                        "Arsenal v Chelsea FC".equals(eventName(held, m1))
                                && "Arsenal v Chelsea FC".equals(eventName(held, m2)));
        Received eventDelta = last(channel, m2);
        assertThat(eventDelta.type).isEqualTo("delta");
        assertThat(eventDelta.prev).isEqualTo(versionM2);
        assertThat(eventDelta.message.at("/changes/event/name").asText())
                .isEqualTo("Arsenal v Chelsea FC");
        assertThat(eventDelta.message.at("/changes/event/startTime").asLong())
                .isEqualTo(startTimeOf(event));

        // a trader suspends: the feed's OPEN does not reopen it, the trader's OPEN does
        catalog("UPDATE markets SET status = 'SUSPENDED' WHERE market_id = '%s'", m1);
        awaitHeld(channel, "m1 suspended", held -> "SUSPENDED".equals(held.get(m1).status));
        produce(List.of(withStatus(feed.next(m1), "OPEN")), event);
        awaitHeld(
                channel,
                "the feed's prices while suspended",
                held -> feed.expected().get(m1).prices.equals(held.get(m1).prices));
        assertThat(subscriber.held(channel).get(m1).status).isEqualTo("SUSPENDED");
        catalog("UPDATE markets SET status = 'OPEN' WHERE market_id = '%s'", m1);
        awaitHeld(channel, "m1 reopened", held -> "OPEN".equals(held.get(m1).status));

        // closed in the catalog: removed / CLOSED
        catalog("UPDATE markets SET status = 'CLOSED' WHERE market_id = '%s'", m2);
        awaitHeld(channel, "m2 removed", held -> !held.containsKey(m2));
        assertThat(last(channel, m2).reason).isEqualTo("CLOSED");
        assertThat(subscriber.gaps()).isZero();
        // closed-market-ttl later its state and its mirror are released
        Await.until(
                WAIT, "the mirror of closed m2 to go", () -> !mirrors().contains("market:" + m2));
        assertThat(mirrors()).contains("market:" + m1);
    }

    @Test
    void aQueryJoinsMarketsAsTheyComeToMatchAndLosesThoseThatStop() {
        String e1 = p + "-e1";
        String e2 = p + "-e2";
        insertEvent(e1, "Lazio v Roma", "football", p, "now() + interval '3 hours'");
        insertMarket(p + "-m1", e1, "Match Odds", "MATCH_ODDS", THREE_WAY);
        startJob();
        String channel = UUID.randomUUID().toString();
        subscribeQuery(channel, "all", "{\"sport\":\"football\",\"competition\":\"" + p + "\"}");
        command(channel, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}");
        awaitHeld(channel, "m1 from the snapshot", held -> held.containsKey(p + "-m1"));

        // markets and events added after the subscription join it, each with a snapshot
        insertMarket(p + "-m2", e1, "Half Time Result", "HALF_TIME", THREE_WAY);
        insertEvent(e2, "Inter v Milan", "football", p, "now() + interval '1 day'");
        insertMarket(p + "-m3", e2, "Match Odds", "MATCH_ODDS", THREE_WAY);
        awaitHeld(
                channel,
                "m2 and m3 to join",
                held -> held.keySet().equals(Set.of(p + "-m1", p + "-m2", p + "-m3")));
        assertThat(first(channel, p + "-m2").type).isEqualTo("snapshot");
        assertThat(first(channel, p + "-m3").type).isEqualTo("snapshot");
        assertThat(subscriber.held(channel).get(p + "-m3").eventName).isEqualTo("Inter v Milan");

        // the event moves to another competition: its markets stop matching and leave
        catalog("UPDATE events SET competition = 'Coppa Italia' WHERE event_id = '%s'", e1);
        awaitHeld(channel, "m1 and m2 to leave", held -> held.keySet().equals(Set.of(p + "-m3")));
        assertThat(last(channel, p + "-m1").reason).isEqualTo("QUERY_MISMATCH");
        assertThat(last(channel, p + "-m2").reason).isEqualTo("QUERY_MISMATCH");

        // a closed market leaves as CLOSED
        catalog("UPDATE markets SET status = 'CLOSED' WHERE market_id = '%s'", p + "-m3");
        awaitHeld(channel, "m3 to leave", held -> held.isEmpty());
        assertThat(last(channel, p + "-m3").reason).isEqualTo("CLOSED");
        assertThat(subscriber.gaps()).isZero();
    }

    @Test
    void aStartsWithinQueryJoinsAtItsBoundaryAndLeavesWhenTheEventStarts() {
        startJob();
        String channel = UUID.randomUUID().toString();
        subscribeQuery(
                channel, "soon", "{\"competition\":\"" + p + "\",\"startsWithinMinutes\":60}");
        command(channel, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}");
        String event = p + "-e1";
        String market = p + "-m1";
        // starts in 60 minutes and 4 seconds: outside the window for 4 seconds, then inside
        insertEvent(
                event,
                "Celtic v Rangers",
                "football",
                p,
                "now() + interval '60 minutes 4 seconds'");
        insertMarket(market, event, "Match Odds", "MATCH_ODDS", THREE_WAY);
        long boundary = startTimeOf(event) - Duration.ofMinutes(60).toMillis();

        awaitHeld(channel, "the market to join at its boundary", held -> held.containsKey(market));
        assertThat(first(channel, market).type).isEqualTo("snapshot");
        assertThat(first(channel, market).receivedAt).isGreaterThanOrEqualTo(boundary);

        // kick-off brought forward to 3 seconds from now: it leaves once the event has started
        catalog(
                "UPDATE events SET start_time = now() + interval '3 seconds' WHERE event_id ="
                        + " '%s'",
                event);
        long start = startTimeOf(event);
        awaitHeld(channel, "the market to leave when started", held -> held.isEmpty());
        Received removed = last(channel, market);
        assertThat(removed.reason).isEqualTo("QUERY_MISMATCH");
        assertThat(removed.receivedAt).isGreaterThan(start);
    }

    @Test
    void changesMadeWhileTheReplicationConnectionIsCutStillArrive() throws Exception {
        String event = p + "-e1";
        String m1 = p + "-m1";
        String m2 = p + "-m2";
        insertEvent(event, "Ajax v PSV", "football", p, "now() + interval '5 hours'");
        insertMarket(m1, event, "Match Odds", "MATCH_ODDS", THREE_WAY);
        startJob();
        String channel = UUID.randomUUID().toString();
        subscriber.onReconnect(
                () -> command(channel, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}"));
        subscribeAndBegin(channel, List.of(m1, m2)); // m2 does not exist yet: pending
        awaitHeld(channel, "m1 enriched", held -> "Ajax v PSV".equals(eventName(held, m1)));
        Await.until(WAIT, "a streaming replication connection", () -> walSenders() > 0);

        assertThat(postgres.terminateWalSenders()).isPositive();
        catalog("UPDATE events SET name = 'Ajax v PSV Eindhoven' WHERE event_id = '%s'", event);
        catalog("UPDATE markets SET status = 'SUSPENDED' WHERE market_id = '%s'", m1);
        insertMarket(m2, event, "Half Time Result", "HALF_TIME", THREE_WAY);

        awaitHeld(
                channel,
                "every change made during the cut",
                held ->
                        held.containsKey(m2)
                                && "Ajax v PSV Eindhoven".equals(eventName(held, m1))
                                && "Ajax v PSV Eindhoven".equals(eventName(held, m2))
                                && "SUSPENDED".equals(held.get(m1).status)
                                && "Half Time Result".equals(name(held, m2)));
        Await.until(WAIT, "the replication connection back", () -> walSenders() > 0);
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    }

    /**
     * The slot pins WAL from its confirmed position on: heartbeats and checkpoints must move that
     * position on while other tables of the database are written and the catalog is idle.
     */
    @Test
    void anIdleCatalogDoesNotPinTheWalOfOtherTables() {
        startJob();
        // the walsender connects before it creates the slot: wait for the slot itself
        Await.until(
                WAIT,
                "the job's replication slot",
                () -> postgres.replicationSlotLagBytes(slot).isPresent());
        String table = "other_" + p.replace('-', '_');
        catalog("CREATE TABLE %s (id int, filler text)", table);
        catalog(
                "INSERT INTO %s SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g",
                table);
        long written = postgres.replicationSlotLagBytes(slot).orElseThrow();
        assertThat(written).as("WAL written past the slot").isGreaterThan(1_000_000);
        long start = System.nanoTime();
        Await.until(
                WAIT,
                "the slot to confirm the WAL of the other table",
                () -> postgres.replicationSlotLagBytes(slot).orElse(Long.MAX_VALUE) < 64 * 1024,
                () -> postgres.replicationSlotLagBytes(slot));
        System.out.printf(
                "idle catalog: slot lag %d bytes after other writes, under 64 KiB after %d ms%n",
                written, Duration.ofNanos(System.nanoTime() - start).toMillis());
        catalog("DROP TABLE %s", table);
    }

    @Test
    void aRestoreKeepsQuerySubscriptions(@InjectMiniCluster MiniCluster cluster) throws Exception {
        String event = p + "-e1";
        insertEvent(event, "Porto v Benfica", "football", p, "now() + interval '4 hours'");
        insertMarket(p + "-m1", event, "Match Odds", "MATCH_ODDS", THREE_WAY);
        startJob();
        String channel = UUID.randomUUID().toString();
        subscribeQuery(channel, "q", "{\"competition\":\"" + p + "\"}");
        command(channel, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}");
        FeedScript feed = FeedScript.pricesOnly(9);
        produce(feed.updates(List.of(p + "-m1"), 3), event);
        awaitHeld(
                channel,
                "m1 priced",
                held ->
                        held.containsKey(p + "-m1")
                                && feed.expected()
                                        .get(p + "-m1")
                                        .prices
                                        .equals(held.get(p + "-m1").prices));
        Await.until(
                WAIT,
                "a completed checkpoint (committed offsets)",
                () -> !kafka.committedOffsets(groupId).isEmpty());
        long epochBefore = subscriber.held(channel).get(p + "-m1").epoch;

        cluster.terminateTaskManager(0).get();
        cluster.startTaskManager();
        insertMarket(p + "-m2", event, "Half Time Result", "HALF_TIME", THREE_WAY);

        awaitHeld(
                channel,
                "m2 to join after the restore",
                held -> held.containsKey(p + "-m2") && held.get(p + "-m2").epoch > epochBefore);
        // m1 is quiet: its first message after the restore (a snapshot in the new epoch) comes
        // with its next change
        produce(feed.updates(List.of(p + "-m1"), 2), event);
        awaitHeld(
                channel,
                "m1 in the new epoch with the feed's prices",
                held ->
                        held.get(p + "-m1").epoch > epochBefore
                                && feed.expected()
                                        .get(p + "-m1")
                                        .prices
                                        .equals(held.get(p + "-m1").prices));
        assertThat(subscriber.gaps()).isZero();
    }

    // ---------------------------------------------------------------- helpers

    private boolean jobEnded() {
        try {
            return job.getJobStatus().get().isGloballyTerminalState();
        } catch (Exception gone) {
            return true;
        }
    }

    private void startJob() {
        OddsSettings settings =
                OddsSettings.fromMap(
                        Map.ofEntries(
                                Map.entry(
                                        "bootstrap-servers",
                                        SharedServices.kafka().bootstrapServers()),
                                Map.entry("redis", SharedServices.redis().uri()),
                                Map.entry("parallelism", "2"),
                                Map.entry("checkpoint-interval", "500ms"),
                                Map.entry("updates-topic", updates),
                                Map.entry("commands-topic", commands),
                                Map.entry("dead-letters-topic", SharedServices.unique("dl")),
                                Map.entry("group-id", groupId),
                                Map.entry("catalog-url", postgres.jdbcUrl()),
                                Map.entry("catalog-user", postgres.user()),
                                Map.entry("catalog-password", postgres.password()),
                                Map.entry("catalog-slot", slot),
                                Map.entry("closed-market-ttl", "2s")));
        try {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            // as flink-conf/config.yaml sets it: the latency measured here is the deployed one
            env.setBufferTimeout(5);
            job = OddsJob.start(env, settings);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void insertEvent(String id, String name, String sport, String competition, String at) {
        catalog(
                "INSERT INTO events (event_id, name, sport, competition, start_time) VALUES"
                        + " ('%s', '%s', '%s', '%s', %s)",
                id, name, sport, competition, at);
    }

    private void insertMarket(
            String id, String event, String name, String type, String selections) {
        catalog(
                "INSERT INTO markets (market_id, event_id, name, type, selections) VALUES"
                        + " ('%s', '%s', '%s', '%s', '%s')",
                id, event, name, type, selections);
    }

    private static void catalog(String template, Object... args) {
        postgres.execute(String.format(template, args));
    }

    private static long startTimeOf(String event) {
        return queryLong(
                "SELECT floor(extract(epoch FROM start_time) * 1000)::bigint FROM events WHERE"
                        + " event_id = '"
                        + event
                        + "'");
    }

    private static List<String> queryStrings(String sql) {
        List<String> values = new ArrayList<>();
        try (Connection connection = postgres.connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return values;
    }

    private static int walSenders() {
        return (int)
                queryLong("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'");
    }

    private static long queryLong(String sql) {
        try (Connection connection = postgres.connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void subscribeAndBegin(String channel, List<String> markets) {
        command(
                channel,
                "{\"type\":\"SUBSCRIBE\",\"channelId\":\"%s\",\"markets\":["
                        + markets.stream().map(m -> '"' + m + '"').collect(Collectors.joining(","))
                        + "]}");
        command(channel, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}");
    }

    private void subscribeQuery(String channel, String queryId, String query) {
        command(
                channel,
                "{\"type\":\"SUBSCRIBE\",\"channelId\":\"%s\",\"queryId\":\""
                        + queryId
                        + "\",\"query\":"
                        + query
                        + "}");
    }

    private void resync(String channel, String market) {
        command(
                channel,
                "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\",\"markets\":[\""
                        + market
                        + "\"]}");
    }

    private void command(String channel, String template) {
        kafka.send(commands, channel, String.format(template, channel));
    }

    /** The feed's records with the event of the catalog (the script names its own events). */
    private void produce(List<FeedScript.Record> records, String event) {
        for (FeedScript.Record record : records) {
            kafka.send(
                    updates,
                    record.marketId,
                    record.json.replace(
                            "\"eventId\":\"e-" + record.marketId + "\"",
                            "\"eventId\":\"" + event + "\""));
        }
    }

    private static FeedScript.Record withStatus(FeedScript.Record record, String status) {
        return new FeedScript.Record(
                record.marketId,
                record.json.replace(
                        ",\"selections\"", ",\"status\":\"" + status + "\",\"selections\""));
    }

    private void awaitHeld(String channel, String what, Predicate<Map<String, HeldMarket>> ok) {
        Await.until(
                WAIT,
                what,
                () -> ok.test(subscriber.held(channel)),
                () ->
                        subscriber.held(channel)
                                + " after "
                                + subscriber.received(channel)
                                + "; mirrors "
                                + mirrors());
    }

    private Set<String> mirrors() {
        try (redis.clients.jedis.Jedis jedis =
                new redis.clients.jedis.Jedis("127.0.0.1", SharedServices.redis().port())) {
            return jedis.keys("market:" + p + "-*");
        }
    }

    private Received first(String channel, String market) {
        return chainOf(channel, market).get(0);
    }

    private Received last(String channel, String market) {
        List<Received> chain = chainOf(channel, market);
        return chain.get(chain.size() - 1);
    }

    private List<Received> chainOf(String channel, String market) {
        return subscriber.received(channel).stream()
                .filter(r -> r.marketId.equals(market))
                .collect(Collectors.toList());
    }

    private static String name(Map<String, HeldMarket> held, String market) {
        HeldMarket m = held.get(market);
        return m == null ? null : m.name;
    }

    private static String eventName(Map<String, HeldMarket> held, String market) {
        HeldMarket m = held.get(market);
        return m == null ? null : m.eventName;
    }
}

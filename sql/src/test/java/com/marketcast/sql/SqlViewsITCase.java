package com.marketcast.sql;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.embedded.EmbeddedKafka;
import com.marketcast.embedded.EmbeddedPostgres;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every view of {@code sql/views} run as {@code bin/sql} runs it ({@link SqlViewRunner#start}:
 * {@code tables.sql}, the deployment, the view), on a MiniCluster with parallelism 2, against a
 * real Kafka broker and a real PostgreSQL with logical replication, with seeded input and the
 * expected result table asserted. Each test has its own topics, its own catalog database and its
 * own replication slots, so tests do not see each other's data.
 */
class SqlViewsITCase {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Path SQL_DIR = Path.of(".");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /** 2026-01-01T12:00:00Z: windowed views see fixed minutes. */
    private static final long T0 = Instant.parse("2026-01-01T12:00:00Z").toEpochMilli();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .setConfiguration(new Configuration())
                            .build());

    private static EmbeddedKafka kafka;
    private static EmbeddedPostgres postgres;
    private static KafkaProducer<String, String> producer;

    private Deployment deployment;
    private ChangelogCollector collector;

    @BeforeAll
    static void startServices() {
        kafka = EmbeddedKafka.start();
        postgres = EmbeddedPostgres.start();
        producer =
                new KafkaProducer<>(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                kafka.bootstrapServers(),
                                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                                true),
                        new StringSerializer(),
                        new StringSerializer());
    }

    @AfterAll
    static void stopServices() {
        producer.close();
        postgres.close();
        kafka.close();
    }

    /** Topics, a catalog database (schema.sql and a small catalog) and slots of this test. */
    @BeforeEach
    void deployment() throws Exception {
        String name = "sql" + SEQUENCE.incrementAndGet();
        for (String topic : List.of("updates", "commands", "letters")) {
            kafka.createTopic(name + "-" + topic, 1);
        }
        postgres.execute("CREATE DATABASE " + name);
        String catalogUrl = "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/" + name;
        deployment =
                Deployment.of(
                        Map.of(
                                "bootstrap-servers",
                                kafka.bootstrapServers(),
                                "updates-topic",
                                name + "-updates",
                                "commands-topic",
                                name + "-commands",
                                "dead-letters-topic",
                                name + "-letters",
                                "catalog-url",
                                catalogUrl,
                                "catalog-user",
                                postgres.user(),
                                "catalog-password",
                                postgres.password(),
                                "catalog-slot",
                                name));
        catalog(
                java.nio.file.Files.readString(SQL_DIR.resolve("catalog/schema.sql")),
                "INSERT INTO events VALUES"
                        + " ('e-1', 'Arsenal v Chelsea', 'football', 'Premier League',"
                        + "  '2026-01-01 15:00:00+00', false),"
                        + " ('e-2', 'Sinner v Alcaraz', 'tennis', 'ATP Paris',"
                        + "  '2026-01-01 11:00:00+00', true)",
                "INSERT INTO markets VALUES"
                        + " ('m-1', 'e-1', 'Match Odds', 'MATCH_ODDS', 'OPEN', '[]'),"
                        + " ('m-2', 'e-1', 'Over/Under 2.5 Goals', 'OVER_UNDER', 'SUSPENDED', '[]'),"
                        + " ('m-3', 'e-2', 'Match Winner', 'MATCH_WINNER', 'OPEN', '[]'),"
                        + " ('m-4', 'e-2', 'First Set Winner', 'SET_WINNER', 'CLOSED', '[]')");
    }

    @AfterEach
    void stopView() throws Exception {
        if (collector != null) {
            collector.close();
        }
        ReplicationSlots.drop(deployment);
        assertThat(postgres.replicationSlots())
                .noneMatch(slot -> slot.startsWith(deployment.slotPrefix()));
    }

    @Test
    void mostActiveMarketsRanksTheBusiestMarketsOfEachMinute() throws Exception {
        for (String market : List.of("m-1", "m-1", "m-3", "m-1", "m-6", "m-2", "m-3", "m-5")) {
            update(market, T0 + 1_000, "OPEN", "home", 2.0);
        }
        send(deployment.updatesTopic(), "m-4", "not json {", null);
        update("m-4", T0 + 30_000, null, "home", 2.0);
        update("m-2", T0 + 61_000, null, "home", 2.0);
        update("m-2", T0 + 62_000, null, "home", 2.0);
        // moves the watermark (newest ts - 5 s) past the end of the second minute
        update("m-9", T0 + 130_000, null, "home", 2.0);

        List<Row> table = awaitTable("most-active-markets", 6);

        assertThat(table)
                .containsExactlyInAnyOrder(
                        Row.of(minute(0), minute(1), "m-1", 3L, 1L),
                        Row.of(minute(0), minute(1), "m-3", 2L, 2L),
                        Row.of(minute(0), minute(1), "m-2", 1L, 3L),
                        Row.of(minute(0), minute(1), "m-4", 1L, 4L),
                        Row.of(minute(0), minute(1), "m-5", 1L, 5L),
                        Row.of(minute(1), minute(2), "m-2", 2L, 1L));
    }

    @Test
    void sharpPriceMovesFindsAShorteningRunOfSeveralUpdatesWithinFiveMinutes() throws Exception {
        // m-1 home: 2.00 -> 1.95 -> 1.90 -> 1.78 in 90 s, 11 % shorter over 4 updates; away
        // lengthens
        prices("m-1", T0, "home", 2.00, "away", 3.0);
        prices("m-1", T0 + 30_000, "home", 1.95, "away", 3.1);
        prices("m-1", T0 + 60_000, "home", 1.90, "away", 3.2);
        prices("m-1", T0 + 90_000, "home", 1.78, "away", 3.4);
        // m-2: 3.00 -> 2.50 at once: sharp, but not over several updates
        prices("m-2", T0, "home", 3.00);
        prices("m-2", T0 + 10_000, "home", 2.50);
        // m-3: 2.00 -> 1.78 takes 6 minutes, longer than the pattern's 5
        prices("m-3", T0, "home", 2.00);
        prices("m-3", T0 + 120_000, "home", 1.90);
        prices("m-3", T0 + 240_000, "home", 1.85);
        prices("m-3", T0 + 360_000, "home", 1.78);
        // m-4: a lengthening (1.90 -> 1.95) breaks the run
        prices("m-4", T0, "home", 2.00);
        prices("m-4", T0 + 10_000, "home", 1.90);
        prices("m-4", T0 + 20_000, "home", 1.95);
        prices("m-4", T0 + 30_000, "home", 1.75);
        // moves the watermark past every update above
        prices("m-9", T0 + 600_000, "home", 2.0);

        List<Row> table = awaitTable("sharp-price-moves", 1);

        assertThat(table)
                .containsExactly(
                        Row.of(
                                "m-1",
                                "home",
                                Instant.ofEpochMilli(T0),
                                Instant.ofEpochMilli(T0 + 90_000),
                                2.00,
                                1.78,
                                new BigDecimal("11.0"),
                                4L));
        // every update above is behind the watermark now: no second match is coming
        assertThat(collector.table()).hasSize(1);
    }

    @Test
    void deadLettersPerMinuteCountsEachSourceAndReason() throws Exception {
        // record times of minutes that just passed: older ones would fall to Kafka's retention
        long t0 = (System.currentTimeMillis() / 60_000 - 10) * 60_000;
        letter(t0 + 1_000, "market-updates", "seq must be a number");
        letter(t0 + 2_000, "market-updates", "seq must be a number");
        letter(t0 + 20_000, "market-updates", "price must be greater than 1.0");
        letter(t0 + 30_000, "stream-commands", "unknown command type");
        letter(t0 + 70_000, "market-updates", "seq must be a number");
        // moves the watermark (newest record time - 5 s) past the end of the second minute
        letter(t0 + 130_000, "catalog.markets", "unknown status");

        List<Row> table = awaitTable("dead-letters-per-minute", 4);

        assertThat(table)
                .containsExactlyInAnyOrder(
                        Row.of(
                                at(t0),
                                at(t0 + 60_000),
                                "market-updates",
                                "seq must be a number",
                                2L),
                        Row.of(
                                at(t0),
                                at(t0 + 60_000),
                                "market-updates",
                                "price must be greater than 1.0",
                                1L),
                        Row.of(
                                at(t0),
                                at(t0 + 60_000),
                                "stream-commands",
                                "unknown command type",
                                1L),
                        Row.of(
                                at(t0 + 60_000),
                                at(t0 + 120_000),
                                "market-updates",
                                "seq must be a number",
                                1L));
    }

    @Test
    void subscriptionsFollowSubscribeUnsubscribeAndDisconnect() throws Exception {
        command("ch-a", "{\"type\":\"OPEN\",\"channelId\":\"ch-a\"}");
        subscribe("SUBSCRIBE", "ch-a", "m-1", "m-2");
        subscribe("SUBSCRIBE", "ch-b", "m-1", "m-3");
        subscribe("UNSUBSCRIBE", "ch-b", "m-3");
        subscribe("SUBSCRIBE", "ch-c", "m-2");
        command("ch-c", "{\"type\":\"DISCONNECT\",\"channelId\":\"ch-c\"}");
        subscribe("SUBSCRIBE", "ch-d", "m-1");
        command("ch-d", "{\"type\":\"DISCONNECT\",\"channelId\":\"ch-d\"}");
        subscribe("SUBSCRIBE", "ch-d", "m-3"); // the same channel id, opened again
        subscribe("SUBSCRIBE", "ch-e", "m-9"); // a market the catalog does not know
        command(
                "ch-e",
                "{\"type\":\"SUBSCRIBE\",\"channelId\":\"ch-e\",\"queryId\":\"q\","
                        + "\"query\":{\"sport\":\"tennis\"}}");
        subscribe("SUBSCRIBE", "ch-f", "m-4"); // closed in the catalog
        command("ch-a", "{\"type\":\"HEARTBEAT\",\"channelId\":\"ch-a\"}");
        start("subscriptions");

        List<Row> expected =
                List.of(
                        Row.of("football", "m-1", 2L, 2L),
                        Row.of("football", "m-2", 1L, 1L),
                        Row.of("football", "(all)", 2L, 3L),
                        Row.of("tennis", "m-3", 1L, 1L),
                        Row.of("tennis", "(all)", 1L, 1L),
                        Row.of("(not in catalog)", "m-9", 1L, 1L),
                        Row.of("(not in catalog)", "(all)", 1L, 1L));
        collector.awaitTable(TIMEOUT, "the subscriptions " + expected, sameRows(expected));

        command("ch-a", "{\"type\":\"DISCONNECT\",\"channelId\":\"ch-a\"}");

        List<Row> afterDisconnect =
                List.of(
                        Row.of("football", "m-1", 1L, 1L),
                        Row.of("football", "(all)", 1L, 1L),
                        Row.of("tennis", "m-3", 1L, 1L),
                        Row.of("tennis", "(all)", 1L, 1L),
                        Row.of("(not in catalog)", "m-9", 1L, 1L),
                        Row.of("(not in catalog)", "(all)", 1L, 1L));
        collector.awaitTable(
                TIMEOUT, "the subscriptions after ch-a disconnected", sameRows(afterDisconnect));
    }

    @Test
    void suspendedMarketsTakeTheStricterStatusOfFeedAndCatalog() throws Exception {
        status("m-1", 1, "OPEN");
        status("m-1", 2, "SUSPENDED");
        status("m-1", 3, null); // no status: keeps SUSPENDED
        status("m-3", 5, "SUSPENDED");
        status("m-3", 4, "OPEN"); // stale seq: ignored
        status("m-4", 1, "SUSPENDED"); // closed in the catalog: CLOSED wins
        status("m-2", 1, "SUSPENDED"); // suspended in the catalog too
        status("m-7", 1, "SUSPENDED"); // not in the catalog
        start("suspended-markets");

        List<Row> expected =
                List.of(
                        Row.of("m-1", "Match Odds", "Arsenal v Chelsea", "football", "feed"),
                        Row.of(
                                "m-2",
                                "Over/Under 2.5 Goals",
                                "Arsenal v Chelsea",
                                "football",
                                "feed and catalog"),
                        Row.of("m-3", "Match Winner", "Sinner v Alcaraz", "tennis", "feed"),
                        Row.of("m-7", null, null, null, "feed"));
        collector.awaitTable(TIMEOUT, "the suspended markets " + expected, sameRows(expected));

        // a trader reopens m-2 (the feed still suspends it) and adds m-5 suspended; the feed
        // reopens m-1
        catalog(
                "UPDATE markets SET status = 'OPEN' WHERE market_id = 'm-2'",
                "INSERT INTO markets VALUES ('m-5', 'e-2', 'Total Games', 'TOTAL', 'SUSPENDED',"
                        + " '[]')");
        status("m-1", 4, "OPEN");

        List<Row> changed =
                List.of(
                        Row.of(
                                "m-2",
                                "Over/Under 2.5 Goals",
                                "Arsenal v Chelsea",
                                "football",
                                "feed"),
                        Row.of("m-3", "Match Winner", "Sinner v Alcaraz", "tennis", "feed"),
                        Row.of("m-5", "Total Games", "Sinner v Alcaraz", "tennis", "catalog"),
                        Row.of("m-7", null, null, null, "feed"));
        collector.awaitTable(TIMEOUT, "the suspended markets " + changed, sameRows(changed));
    }

    @Test
    void enrichedUpdatesShowTheCatalogAsOfEachUpdate() throws Exception {
        long before = System.currentTimeMillis() - 600_000;
        start("enriched-updates");
        // a change of each catalog table after its snapshot lets the joins pass (tables.sql); a
        // live catalog changes every few seconds: so does this one until the first rows show
        ScheduledExecutorService liveCatalog = Executors.newSingleThreadScheduledExecutor();
        liveCatalog.scheduleWithFixedDelay(
                () -> {
                    try {
                        catalog(
                                "UPDATE events SET in_play = in_play WHERE event_id = 'e-2'",
                                "UPDATE markets SET type = type WHERE market_id = 'm-4'");
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                },
                0,
                500,
                TimeUnit.MILLISECONDS);
        // prices only once both catalog tables are read to the end of their snapshots (each slot
        // confirms a position taken now, at a checkpoint in the stream phase): earlier, a catalog
        // source still snapshotting on a loaded machine can go idle and let a price join nothing
        String now = currentWalLsn();
        awaitSlotConfirms(deployment.slotName("events"), now);
        awaitSlotConfirms(deployment.slotName("markets"), now);
        prices("m-1", before, "home", 1.85, "away", 4.2);
        prices("m-8", before + 1_000, "home", 2.5); // not in the catalog

        List<Row> expected =
                List.of(
                        enriched(before, "Arsenal v Chelsea", "m-1", "home", 1.85, 1),
                        enriched(before, "Arsenal v Chelsea", "m-1", "away", 4.2, 1),
                        Row.of(
                                Instant.ofEpochMilli(before + 1_000),
                                null,
                                null,
                                null,
                                "m-8",
                                null,
                                "home",
                                2.5,
                                2L));
        // the first prices are emitted once the feed's watermark passes them
        prices("m-3", before + 60_000, "home", 1.5);
        try {
            collector.awaitTable(TIMEOUT, "the first enriched prices", sameRows(expected));
        } finally {
            liveCatalog.shutdownNow();
        }

        // the event is renamed now: updates after the rename carry the new name
        catalog("UPDATE events SET name = 'Arsenal v Chelsea (moved)' WHERE event_id = 'e-1'");
        // a change counts from its commit time once it reached Flink (tables.sql): wait until the
        // view has read it (its slot confirms it at the next checkpoint) before the feed moves on
        awaitSlotConfirms(deployment.slotName("events"), currentWalLsn());
        long after = System.currentTimeMillis() + 30_000;
        prices("m-1", after, "home", 1.80);
        prices("m-9", after + 60_000, "home", 3.0); // moves the watermark past `after`

        Row renamed = enriched(after, "Arsenal v Chelsea (moved)", "m-1", "home", 1.80, 4);
        collector.awaitTable(TIMEOUT, "the price after the rename", rows -> rows.contains(renamed));
        assertThat(collector.table()).containsAll(expected);
    }

    private List<Row> awaitTable(String view, int rows) throws Exception {
        start(view);
        return collector.awaitTable(TIMEOUT, rows + " rows of " + view, t -> t.size() >= rows);
    }

    private void start(String view) throws Exception {
        SqlViewRunner runner = new SqlViewRunner(SQL_DIR, deployment);
        StreamTableEnvironment env =
                StreamTableEnvironment.create(StreamExecutionEnvironment.getExecutionEnvironment());
        TableResult result = runner.start(env, runner.view(view));
        collector = new ChangelogCollector(result);
    }

    /** Window bounds are TIMESTAMP(3) in the session time zone, UTC (tables.sql). */
    private static LocalDateTime minute(int n) {
        return at(T0 + n * 60_000L);
    }

    private static LocalDateTime at(long epochMillis) {
        return LocalDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    /** The rows of enriched-updates.sql for a price of market m-1 (event e-1). */
    private static Row enriched(
            long ts, String event, String market, String selection, double price, long seq) {
        return Row.of(
                Instant.ofEpochMilli(ts),
                "football",
                "Premier League",
                event,
                market,
                "Match Odds",
                selection,
                price,
                seq);
    }

    /** Whether a table holds exactly these rows, in any order. */
    private static Predicate<List<Row>> sameRows(List<Row> expected) {
        return rows -> rows.size() == expected.size() && rows.containsAll(expected);
    }

    private long seq = 0;

    /** An update of one selection's price, with the next seq. */
    private void update(String market, long ts, String status, String selection, double price)
            throws Exception {
        updateJson(market, ++seq, ts, status, "[" + price(selection, price) + "]");
    }

    /** An update of one or two selections' prices (selection, price, ...), with the next seq. */
    private void prices(String market, long ts, Object... selectionPrices) throws Exception {
        List<String> selections = new ArrayList<>();
        for (int i = 0; i < selectionPrices.length; i += 2) {
            selections.add(price((String) selectionPrices[i], (Double) selectionPrices[i + 1]));
        }
        updateJson(market, ++seq, ts, null, "[" + String.join(",", selections) + "]");
    }

    /** A status update without prices, with the given seq. */
    private void status(String market, long seq, String status) throws Exception {
        updateJson(market, seq, T0 + seq, status, null);
    }

    private static String price(String selection, double price) {
        return "{\"id\":\"" + selection + "\",\"price\":" + price + "}";
    }

    private void updateJson(String market, long seq, long ts, String status, String selections)
            throws Exception {
        String json =
                "{\"marketId\":\""
                        + market
                        + "\",\"seq\":"
                        + seq
                        + ",\"ts\":"
                        + ts
                        + (status == null ? "" : ",\"status\":\"" + status + "\"")
                        + (selections == null ? "" : ",\"selections\":" + selections)
                        + "}";
        send(deployment.updatesTopic(), market, json, null);
    }

    private void command(String channel, String json) throws Exception {
        send(deployment.commandsTopic(), channel, json, null);
    }

    /** SUBSCRIBE or UNSUBSCRIBE of a market list. */
    private void subscribe(String type, String channel, String... markets) throws Exception {
        command(
                channel,
                "{\"type\":\""
                        + type
                        + "\",\"channelId\":\""
                        + channel
                        + "\",\"markets\":[\""
                        + String.join("\",\"", markets)
                        + "\"]}");
    }

    /** A dead letter as the job writes it, with that Kafka record time. */
    private void letter(long recordTime, String source, String reason) throws Exception {
        String json =
                "{\"source\":\""
                        + source
                        + "\",\"partition\":0,\"offset\":1,\"reason\":\""
                        + reason
                        + "\",\"payload\":\"{}\"}";
        send(deployment.deadLettersTopic(), null, json, recordTime);
    }

    private static void send(String topic, String key, String value, Long timestamp)
            throws ExecutionException, InterruptedException {
        producer.send(new ProducerRecord<>(topic, null, timestamp, key, value)).get();
    }

    private String currentWalLsn() throws SQLException {
        try (Connection connection = catalogConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rows.next();
            return rows.getString(1);
        }
    }

    private void awaitSlotConfirms(String slot, String lsn) throws SQLException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (Connection connection = catalogConnection();
                PreparedStatement confirmed =
                        connection.prepareStatement(
                                "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots"
                                        + " WHERE slot_name = ?")) {
            confirmed.setString(1, lsn);
            confirmed.setString(2, slot);
            while (true) {
                try (ResultSet rows = confirmed.executeQuery()) {
                    if (rows.next() && rows.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("slot " + slot + " did not confirm " + lsn);
                }
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
        }
    }

    private Connection catalogConnection() throws SQLException {
        return DriverManager.getConnection(
                deployment.catalogJdbcUrl(), postgres.user(), postgres.password());
    }

    private void catalog(String... statements) throws SQLException {
        try (Connection connection = catalogConnection();
                Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }
}

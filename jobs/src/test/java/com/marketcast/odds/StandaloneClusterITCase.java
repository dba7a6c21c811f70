package com.marketcast.odds;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.embedded.EmbeddedPostgres;
import com.marketcast.odds.testing.Await;
import com.marketcast.odds.testing.ChannelCommands;
import com.marketcast.odds.testing.FeedScript;
import com.marketcast.odds.testing.HeldMarket;
import com.marketcast.odds.testing.KafkaClients;
import com.marketcast.odds.testing.ProtocolSubscriber;
import com.marketcast.odds.testing.ProtocolSubscriber.Received;
import com.marketcast.odds.testing.SharedServices;
import com.marketcast.standalone.StandaloneFlinkCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The job jar of the build ({@code marketcast-jobs-<version>-job.jar}) on a real Flink standalone
 * session cluster: a JobManager and a TaskManager as separate JVMs from the Flink 1.20 jars,
 * configured from {@code flink-conf/}, the jar submitted with Flink's own client ({@code flink
 * run}), against a real Kafka broker, redis-server and PostgreSQL catalog. A subscriber following
 * PROTOCOL section 3 receives enriched snapshots and deltas; the job is stopped with a savepoint
 * and resumed from it at another parallelism, as an upgrade would be, after which a catalog change
 * still reaches the subscriber through logical replication; the job's metrics reach Prometheus.
 *
 * <p>Runs after {@code package} (failsafe), because it needs the job jar.
 */
@ExtendWith(SharedServices.class)
class StandaloneClusterITCase {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String SLOT = "marketcast_standalone_it";

    private static EmbeddedPostgres postgres;
    private static StandaloneFlinkCluster cluster;
    private static Path workDir;

    @BeforeAll
    static void startCluster() throws Exception {
        postgres = EmbeddedPostgres.start();
        postgres.runScript(Path.of("../sql/catalog/schema.sql"));
        postgres.runScript(Path.of("../sql/catalog/sample-data.sql"));
        workDir = Files.createTempDirectory(Path.of("target"), "standalone-cluster-");
        // the sizes of flink-conf/ are for a machine of its own; tests share one
        cluster =
                StandaloneFlinkCluster.start(
                        Path.of("../flink-conf"),
                        workDir.toAbsolutePath(),
                        1,
                        Map.of(
                                "jobmanager.memory.process.size",
                                "768m",
                                "taskmanager.memory.process.size",
                                "1280m",
                                "env.java.opts.taskmanager",
                                "-Xlog:gc:file=" + workDir.toAbsolutePath().resolve("tm-gc.log")));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        if (postgres != null) {
            postgres.dropReplicationSlot(SLOT);
            postgres.close();
        }
    }

    @Test
    void theJobJarStreamsEndToEndAndResumesFromASavepointAtAnotherParallelism() throws Exception {
        Path jobJar = Path.of(System.getProperty("marketcast.job-jar"));
        assertThat(jobJar).as("the job jar of `mvn package`").exists();
        String updates = SharedServices.unique("market-updates");
        String commands = SharedServices.unique("stream-commands");
        String deadLetters = SharedServices.unique("dead-letters");
        SharedServices.kafka().createTopic(updates, 4);
        SharedServices.kafka().createTopic(commands, 2);
        SharedServices.kafka().createTopic(deadLetters, 1);
        List<String> jobArgs =
                List.of(
                        "--bootstrap-servers", SharedServices.kafka().bootstrapServers(),
                        "--redis", SharedServices.redis().uri(),
                        "--catalog-url", postgres.jdbcUrl(),
                        "--catalog-user", postgres.user(),
                        "--catalog-password", postgres.password(),
                        "--catalog-slot", SLOT,
                        "--checkpoint-interval", "1s",
                        "--updates-topic", updates,
                        "--commands-topic", commands,
                        "--dead-letters-topic", deadLetters,
                        "--group-id", SharedServices.unique("odds"));
        Map<String, String> names = openMarketNames(3);
        List<String> markets = new ArrayList<>(names.keySet());
        FeedScript feed = FeedScript.pricesOnly(41);
        String channel = UUID.randomUUID().toString();

        try (KafkaClients kafka = new KafkaClients(SharedServices.kafka().bootstrapServers())) {
            ChannelCommands channelCommands = new ChannelCommands(kafka, commands);
            ProtocolSubscriber subscriber =
                    new ProtocolSubscriber(
                            "127.0.0.1", SharedServices.redis().port(), channelCommands::resync);
            String job = cluster.submit(jobJar, List.of("--parallelism", "2"), jobArgs);
            awaitRunning(job);
            // the TaskManager's own JVM options reach it, as with Flink's scripts: its GC log
            assertThat(workDir.resolve("tm-gc.log")).content().contains("Using G1");

            channelCommands.subscribeAndBegin(channel, markets);
            feed.updates(markets, 10).forEach(r -> kafka.send(updates, r.marketId, r.json));
            // a repeated seq: stale, dropped and counted
            kafka.send(
                    updates, markets.get(0), "{\"marketId\":\"" + markets.get(0) + "\",\"seq\":1}");
            awaitHolding(subscriber, channel, feed.expected(), names);
            for (String market : markets) {
                List<Received> chain = chainOf(subscriber, channel, market);
                assertThat(chain.get(0).type).isEqualTo("snapshot");
                assertThat(chain.subList(1, chain.size()))
                        .extracting(r -> r.type)
                        .containsOnly("delta");
            }
            // The first updates may all reach the reducer before the channel's BEGIN_STREAM does
            // (another topic, through the registry); these reach a streaming channel, so the
            // reducer's per-update histograms below have samples.
            feed.updates(markets, 1).forEach(r -> kafka.send(updates, r.marketId, r.json));
            awaitHolding(subscriber, channel, feed.expected(), names);
            long epochBefore = subscriber.held(channel).get(markets.get(0)).epoch;
            long versionBefore = subscriber.held(channel).get(markets.get(0)).version;

            // the job's own metrics, served by the TaskManager's Prometheus reporter
            Await.until(
                    WAIT,
                    "the job's metrics on the Prometheus endpoints",
                    () -> {
                        String metrics = cluster.scrapePrometheus();
                        return metricSum(metrics, "updatesIn") >= 31
                                && metricSum(metrics, "staleUpdatesDropped") >= 1
                                && metricSum(metrics, "updatesApplied") > 0
                                && metricSum(metrics, "subscribersPerMarket_count") > 0
                                && metricSum(metrics, "endToEndLatencyMillis_count") > 0
                                && metricSum(metrics, "snapshotsOut") >= 3
                                && metricSum(metrics, "deltasOut") > 0
                                && metricSum(metrics, "flushLatencyMicros_count") > 0;
                    },
                    () ->
                            cluster.scrapePrometheus()
                                    .lines()
                                    .filter(
                                            l ->
                                                    l.startsWith("# port")
                                                            || l.startsWith(
                                                                    "flink_taskmanager_job_task_operator_"))
                                    .map(l -> l.replaceAll("\\{.*}", ""))
                                    .collect(Collectors.joining("\n")));

            // an upgrade: stop with a savepoint, resume from it (here at parallelism 1)
            String savepoint = cluster.stopWithSavepoint(job, workDir.resolve("savepoints"));
            Await.until(
                    WAIT,
                    "the stopped job to finish",
                    () -> "FINISHED".equals(cluster.jobState(job)));
            String resumed =
                    cluster.submit(
                            jobJar,
                            List.of("--fromSavepoint", savepoint, "--parallelism", "1"),
                            jobArgs);
            awaitRunning(resumed);
            feed.updates(markets, 5).forEach(r -> kafka.send(updates, r.marketId, r.json));

            awaitHolding(subscriber, channel, feed.expected(), names);
            Received firstAfter =
                    chainOf(subscriber, channel, markets.get(0)).stream()
                            .filter(r -> r.epoch > epochBefore)
                            .findFirst()
                            .orElseThrow();
            assertThat(firstAfter.type).as("first message after the restore").isEqualTo("snapshot");
            // the version chain continues (the snapshot may carry the change that touched it)
            assertThat(firstAfter.version)
                    .as("the market's state, version included, came through the savepoint")
                    .isBetween(versionBefore, versionBefore + 1);

            // a trader renames a market: the change comes through logical replication, read by
            // the restored CDC source from where the savepoint left it
            String renamed = markets.get(1);
            postgres.execute(
                    "UPDATE markets SET name = 'Renamed on the cluster' WHERE market_id = '"
                            + renamed
                            + "'");
            names.put(renamed, "Renamed on the cluster");
            awaitHolding(subscriber, channel, feed.expected(), names);

            assertThat(subscriber.gaps()).isZero();
            assertThat(cluster.jobState(resumed)).isEqualTo("RUNNING");
            cluster.cancel(resumed);
            subscriber.close();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void awaitRunning(String job) {
        Await.until(
                WAIT,
                "job " + job + " and all its tasks to run",
                () -> cluster.allTasksRunning(job),
                () -> cluster.get("/jobs/" + job).path("vertices").toString());
    }

    private static void awaitHolding(
            ProtocolSubscriber subscriber,
            String channel,
            Map<String, HeldMarket> expected,
            Map<String, String> names) {
        Await.until(
                WAIT,
                "the subscriber to hold " + expected + " with the catalog's names",
                () -> {
                    Map<String, HeldMarket> held = subscriber.held(channel);
                    return held.keySet().equals(expected.keySet())
                            && expected.entrySet().stream()
                                    .allMatch(
                                            e ->
                                                    e.getValue().sameContent(held.get(e.getKey()))
                                                            && names.get(e.getKey())
                                                                    .equals(
                                                                            held.get(e.getKey())
                                                                                    .name));
                },
                () -> subscriber.held(channel));
    }

    private static List<Received> chainOf(
            ProtocolSubscriber subscriber, String channel, String market) {
        return subscriber.received(channel).stream()
                .filter(r -> r.marketId.equals(market))
                .collect(Collectors.toList());
    }

    /** The sum over every series of one operator metric in Prometheus text format. */
    private static double metricSum(String prometheusText, String metric) {
        return prometheusText
                .lines()
                .filter(l -> l.startsWith("flink_taskmanager_job_task_operator_" + metric + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Open markets of the sample catalog, by id, with their names. */
    private static Map<String, String> openMarketNames(int count) {
        Map<String, String> names = new LinkedHashMap<>();
        try (Connection connection = postgres.connect();
                Statement statement = connection.createStatement();
                ResultSet rows =
                        statement.executeQuery(
                                "SELECT market_id, name FROM markets WHERE status = 'OPEN'"
                                        + " ORDER BY market_id LIMIT "
                                        + count)) {
            while (rows.next()) {
                names.put(rows.getString(1), rows.getString(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }
}

package com.marketcast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's harness end to end at a tiny size ({@code --smoke}): every part runs and measures
 * something. No speed is asserted: CI machines are shared and noisy.
 */
class OddsBenchmarkSmokeTest {

    @Test
    void theSmokeRunMeasuresTheJobAndTheBaseline() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        OddsBenchmark.Report report;
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            report = new OddsBenchmark(BenchmarkOptions.parse(new String[] {"--smoke"}), out).run();
        }

        Measurement b1 = report.baseline().get(0);
        assertThat(b1.messagesPerSec()).isPositive();
        assertThat(b1.fanOut()).isGreaterThan(1);

        OddsBenchmark.ScenarioResult rocksdb = report.scenarios().get("rocksdb");
        Measurement job = rocksdb.byRate().get(0).get(0);
        assertThat(job.updatesPerSec()).isPositive();
        assertThat(job.messagesPerSec()).isPositive();
        assertThat(job.latencyMicros().getTotalCount()).isPositive();
        assertThat(job.percentileMs(99)).isGreaterThanOrEqualTo(job.percentileMs(50));
        // the JVM's collections while the rate was measured (none is possible in a short interval)
        assertThat(job.gcPauses().longestMs()).isGreaterThanOrEqualTo(job.gcPauses().medianMs());

        // latency again at half the rate held; a CI machine too loaded to hold it skips that
        if (rocksdb.sustainedRate() > 0) {
            Measurement atHalf = rocksdb.atShare().get(0).get(0);
            assertThat(atHalf.targetRate()).isEqualTo(rocksdb.sustainedRate() / 2);
            assertThat(atHalf.latencyMicros().getTotalCount()).isPositive();
        } else {
            assertThat(rocksdb.atShare()).isEmpty();
        }

        Measurement b3 = report.scenarios().get("b3").byRate().get(0).get(0);
        assertThat(b3.messagesPerSec()).isPositive();
        assertThat(b3.latencyMicros().getTotalCount()).isPositive();
        Measurement b3OnFlink = report.scenarios().get("b3-on-flink").byRate().get(0).get(0);
        assertThat(b3OnFlink.messagesPerSec()).isPositive();
        assertThat(b3OnFlink.latencyMicros().getTotalCount()).isPositive();

        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("B1: jedis pipelined PUBLISH")
                .contains("B3, hand-written reducer")
                .contains("B3 on Flink")
                .contains("x B3")
                .contains("Job, rocksdb")
                .contains("highest sustained")
                .contains("p99 in checkpoints")
                .contains("GC pauses");
    }

    @Test
    void theStateSmokeRunMeasuresCheckpointsMemoryAndRecovery() throws Exception {
        BenchmarkOptions options =
                BenchmarkOptions.parse(
                        new String[] {
                            "--smoke", "--state-sizes", "2000", "--state-backends", "rocksdb"
                        });
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<StateBenchmark.Result> results;
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            results = new StateBenchmark(options, out).run();
        }

        StateBenchmark.Result rocksdb = results.get(0);
        assertThat(rocksdb.subscriptions()).isEqualTo(2000);
        assertThat(rocksdb.full().stateBytes()).isGreaterThan(rocksdb.marketsOnly().stateBytes());
        assertThat(rocksdb.stateBytesPerSubscription()).isPositive();
        // the heap's live objects by class, before and after the subscriptions: every class seen
        assertThat(rocksdb.heapGrowthByClass())
                .anyMatch(r -> r.className().equals("java.lang.String"));
        // the reducer's market -> channel entries, read from the checkpoint's SST files; a key
        // rewritten since its last compaction counts once per version
        assertThat(rocksdb.rocksDbStates().get("subscribers").entries())
                .isGreaterThanOrEqualTo(2000);
        assertThat(rocksdb.periodic()).isNotEmpty();
        // every checkpoint names each task's longest pauses by operator
        assertThat(rocksdb.periodic().get(0).longestPauseByOperator().keySet())
                .anyMatch(operator -> operator.startsWith("market-reducer"));
        assertThat(rocksdb.betweenCheckpoints().getTotalCount()).isPositive();
        // the restored job answered: messages of a newer epoch arrived after the kill
        assertThat(rocksdb.firstOutputSeconds()).isPositive();
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("State, rocksdb: 2,000 subscriptions")
                .contains("per subscription:")
                .contains("JVM heap grown per subscription, by class")
                .contains("RocksDB states in that checkpoint")
                .contains("TaskManager killed")
                .contains("back at its level before the failure");
    }

    @Test
    void onAStandaloneClusterTheTaskManagerIsWatchedInItsOwnJvm() throws Exception {
        JobUnderTest.Scenario scenario =
                new JobUnderTest.Scenario(
                        "rocksdb",
                        "rocksdb",
                        false,
                        Duration.ofSeconds(1),
                        JobUnderTest.Reducer.ODDS_JOB,
                        null,
                        null,
                        Map.of(),
                        Map.of(),
                        true);
        try (JobUnderTest stack =
                JobUnderTest.ready(scenario, new Workload(500, 200, 4, 42), 2, false)) {
            Measurement job =
                    stack.measure(300, Duration.ofSeconds(1), Duration.ofSeconds(4), 10, 0);

            assertThat(job.messagesPerSec()).isPositive();
            assertThat(job.latencyMicros().getTotalCount()).isPositive();
            // the TaskManager's own collections and threads, over JMX
            assertThat(job.taskManagerGcPauses()).isNotNull();
            assertThat(job.cpuCores()).containsKey("taskmanager gc+jit+rocksdb native");
            assertThat(job.cpuCores().get("reducer+sink (task)")).isPositive();
            // checkpoints every second, read from the JobManager's REST API
            assertThat(job.longestCheckpointPauseByOperator().keySet())
                    .anyMatch(operator -> operator.startsWith("market-reducer"));
            JobUnderTest.Checkpoint last = stack.checkpoints().get(stack.checkpoints().size() - 1);
            assertThat(last.stateBytes()).isPositive();
            assertThat(last.stateBytesByOperator().keySet())
                    .anyMatch(operator -> operator.startsWith("market-reducer"));
            assertThat(last.externalPath()).startsWith("file:");
        }
    }

    @Test
    void badOptionsNameTheOption() {
        assertThat(
                        org.assertj.core.api.Assertions.catchThrowable(
                                () -> BenchmarkOptions.parse(new String[] {"--rates", "fast"})))
                .hasMessageContaining("Option 'rates'");
        assertThat(
                        org.assertj.core.api.Assertions.catchThrowable(
                                () ->
                                        BenchmarkOptions.parse(
                                                new String[] {"--scenarios", "turbo"})))
                .hasMessageContaining("Option 'scenarios'");
        assertThat(
                        org.assertj.core.api.Assertions.catchThrowable(
                                () -> BenchmarkOptions.parse(new String[] {"--flink", "no-value"})))
                .hasMessageContaining("Option 'flink'");
        assertThat(
                        org.assertj.core.api.Assertions.catchThrowable(
                                () -> BenchmarkOptions.parse(new String[] {"--cluster", "k8s"})))
                .hasMessageContaining("Option 'cluster'")
                .hasMessageContaining("mini or standalone");
        assertThat(
                        org.assertj.core.api.Assertions.catchThrowable(
                                () ->
                                        BenchmarkOptions.parse(
                                                new String[] {
                                                    "--cluster", "standalone",
                                                    "--state-sizes", "2000"
                                                })))
                .hasMessageContaining("Option 'cluster'")
                .hasMessageContaining("MiniCluster only");
    }

    @Test
    void flinkAndJobOptionsAccumulateInOrder() {
        BenchmarkOptions options =
                BenchmarkOptions.parse(
                        new String[] {
                            "--flink", "state.backend.rocksdb.writebuffer.size=8mb",
                            "--job", "hot-markets=0",
                            "--flink", "execution.checkpointing.interval = 5s"
                        });
        assertThat(options.flink)
                .containsExactly(
                        Map.entry("state.backend.rocksdb.writebuffer.size", "8mb"),
                        Map.entry("execution.checkpointing.interval", "5s"));
        assertThat(options.job).containsExactly(Map.entry("hot-markets", "0"));
        assertThat(
                        org.assertj.core.api.Assertions.catchThrowable(
                                () -> BenchmarkOptions.parse(new String[] {"--job", "=1"})))
                .hasMessageContaining("Option 'job'")
                .hasMessageContaining("a job option");
    }

    @Test
    void theWorkloadHasTheAskedMeanFanOutAndASkewedHottestMarket() {
        Workload workload = new Workload(10_000, 10_000, 8, 1);
        assertThat(workload.subscriptions()).isEqualTo(80_000);
        assertThat(workload.hottestWatchers()).isGreaterThan(1_000);
        // independent rankings of activity and popularity: the effective fan-out stays near 8
        assertThat(workload.expectedFanOut()).isBetween(2.0, 40.0);
        assertThat(new String(workload.update(7), StandardCharsets.UTF_8))
                .startsWith("{\"marketId\":\"m-100007\"")
                .contains("\"seq\":1");
    }
}

package com.marketcast.bench;

import com.marketcast.odds.OddsOptions;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * The end-to-end benchmark (README, BENCHMARKS.md): for each scenario of the job (RocksDB, heap
 * state, RocksDB without checkpoints, RocksDB with the changelog) and of the hand-written reducer
 * B3 (on plain threads, or between the job's source and sink on Flink) a fresh stack, the
 * workload's channels subscribed, then each input rate for the repetitions; beside them in the same
 * run the baseline B1, a plain jedis PUBLISH loop with the same fan-out to the same kind of
 * subscribers. Prints a table per scenario (median and min–max of the repetitions) and the ratios.
 */
public final class OddsBenchmark {
    private final BenchmarkOptions options;
    private final PrintStream out;

    /** What a run found, for the smoke test and for the ratios. */
    record Report(Map<String, ScenarioResult> scenarios, List<Measurement> baseline) {}

    /**
     * A scenario's repetitions per swept rate, the highest rate it sustained (0: none), and its
     * repetitions at each latency share of that rate.
     */
    record ScenarioResult(
            List<List<Measurement>> byRate,
            double sustainedRate,
            List<List<Measurement>> atShare) {}

    OddsBenchmark(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        BenchmarkOptions options;
        try {
            options = BenchmarkOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        int status = 0;
        try {
            if (options.stateSizes.isEmpty()) {
                new OddsBenchmark(options, System.out).run();
            } else {
                new StateBenchmark(options, System.out).run();
            }
        } catch (Throwable e) {
            e.printStackTrace();
            status = 1;
        }
        // MiniCluster, broker and client threads would keep the JVM up, also after a failure
        System.exit(status);
    }

    Report run() throws Exception {
        Workload workload = workload();
        out.printf(
                Locale.ROOT,
                "marketcast benchmark %s: %,d markets, %,d channels, %,d subscriptions (mean"
                        + " fan-out %.1f, hottest market %,d channels), expected %.1f channel"
                        + " messages per update; %s settling per scenario, %s warm-up and %s"
                        + " measured per rate, %d repetitions; %.0f subscriptions churned per"
                        + " second; %s%n",
                LocalDate.now(),
                workload.markets,
                workload.channels,
                workload.subscriptions(),
                (double) workload.subscriptions() / workload.markets,
                workload.hottestWatchers(),
                workload.expectedFanOut(),
                options.settle,
                options.warmUp,
                options.measure,
                options.repetitions,
                options.churn,
                options.catalog
                        ? String.format(
                                Locale.ROOT,
                                "the job reads the catalog by CDC, %.0f catalog changes per second",
                                options.catalogChurn)
                        : "no catalog");

        List<Measurement> baseline = new ArrayList<>();
        if (options.baseline) {
            baseline = baseline();
        }
        Map<String, ScenarioResult> results = new LinkedHashMap<>();
        for (String name : options.scenarios) {
            results.put(name, scenario(scenarioOf(name)));
        }
        printRatios(results, baseline);
        return new Report(results, baseline);
    }

    private Workload workload() {
        return new Workload(options.markets, options.channels, options.fanOut, options.seed);
    }

    private List<Measurement> baseline() throws Exception {
        out.println();
        out.println("B1: jedis pipelined PUBLISH, 2 threads, same fan-out, no Kafka, no Flink");
        List<Measurement> runs = new ArrayList<>();
        try (PublishCeiling b1 =
                new PublishCeiling(
                        options.markets,
                        options.channels,
                        options.fanOut,
                        options.seed,
                        options.shards)) {
            for (int r = 0; r < options.repetitions; r++) {
                runs.add(b1.measure(options.warmUp, options.measure));
            }
        }
        out.printf(
                Locale.ROOT,
                "  updates/s %s | messages/s %s | fan-out %s | p50 %s ms | p99 %s ms%n",
                stat(runs, Measurement::updatesPerSec, "%,.0f"),
                stat(runs, Measurement::messagesPerSec, "%,.0f"),
                stat(runs, Measurement::fanOut, "%.1f"),
                stat(runs, m -> m.percentileMs(50), "%.2f"),
                stat(runs, m -> m.percentileMs(99), "%.2f"));
        out.println("  CPU " + CpuUsage.describe(medianCpu(runs)));
        out.println("  " + gcPauses(runs, Measurement::gcPauses));
        return runs;
    }

    private JobUnderTest.Scenario scenarioOf(String name) {
        Duration checkpoints = Duration.ofSeconds(10);
        return switch (name) {
            case "rocksdb" -> job(name, "rocksdb", false, checkpoints);
            case "rocksdb-changelog" -> job(name, "rocksdb", true, checkpoints);
            case "heap" -> job(name, "hashmap", false, checkpoints);
            case "rocksdb-no-checkpoints" -> job(name, "rocksdb", false, null);
            case "b3" -> scenario(name, null, false, null, JobUnderTest.Reducer.HAND_WRITTEN);
            case "b3-on-flink" ->
                    scenario(name, null, false, null, JobUnderTest.Reducer.HAND_WRITTEN_ON_FLINK);
            default -> throw new IllegalArgumentException("unknown scenario " + name);
        };
    }

    private JobUnderTest.Scenario job(
            String name, String stateBackend, boolean changelog, Duration checkpoints) {
        return scenario(name, stateBackend, changelog, checkpoints, JobUnderTest.Reducer.ODDS_JOB);
    }

    private JobUnderTest.Scenario scenario(
            String name,
            String stateBackend,
            boolean changelog,
            Duration checkpoints,
            JobUnderTest.Reducer reducer) {
        Map<String, String> job = new LinkedHashMap<>();
        if (changelog) {
            // as flink-conf/config.yaml advises with the changelog: write every change at once
            job.put(OddsOptions.HOT_MARKET_WRITE_DELAY.key(), "0");
        }
        job.putAll(options.job);
        return new JobUnderTest.Scenario(
                name,
                stateBackend,
                changelog,
                checkpoints,
                reducer,
                options.bufferTimeout,
                options.redisFlushInterval,
                options.flink,
                job,
                options.standalone);
    }

    /**
     * ", on a standalone cluster, buffer timeout 1 ms, Redis flush 1 ms, Flink {...}, job {...}"
     * where the scenario sets them.
     */
    private static String latencySettings(JobUnderTest.Scenario scenario) {
        return (scenario.standalone()
                        ? ", on a standalone cluster (the TaskManager in a JVM of its own)"
                        : "")
                + (scenario.bufferTimeout() == null
                        ? ""
                        : ", buffer timeout " + scenario.bufferTimeout().toMillis() + " ms")
                + (scenario.redisFlushInterval() == null
                        ? ""
                        : ", Redis flush " + scenario.redisFlushInterval().toMillis() + " ms")
                + (scenario.flink().isEmpty() ? "" : ", Flink " + scenario.flink())
                + (scenario.job().isEmpty() ? "" : ", job " + scenario.job());
    }

    /** The sweep over the rates, then the latency at shares of the highest rate sustained. */
    private ScenarioResult scenario(JobUnderTest.Scenario scenario) throws Exception {
        out.println();
        if (scenario.reducer() == JobUnderTest.Reducer.HAND_WRITTEN) {
            out.println(
                    "B3, hand-written reducer: Kafka consumer, in-memory maps, jedis pipeline,"
                            + " offsets committed after the flush; 2 threads, no fault tolerance");
        } else if (scenario.reducer() == JobUnderTest.Reducer.HAND_WRITTEN_ON_FLINK) {
            out.printf(
                    "B3 on Flink: the job's Kafka source, keyBy(market), B3's in-memory reducer,"
                            + " the job's Redis sink; parallelism 2, no state, no checkpoints%s%n",
                    latencySettings(scenario));
        } else {
            out.printf(
                    "Job, %s: state %s%s, checkpoints %s, parallelism 2%s%n",
                    scenario.name(),
                    scenario.stateBackend(),
                    scenario.changelog() ? " with the changelog" : "",
                    scenario.checkpointInterval() == null
                            ? "off"
                            : "every " + scenario.checkpointInterval().toSeconds() + " s",
                    latencySettings(scenario));
        }
        long setUp = System.nanoTime();
        try (JobUnderTest job =
                JobUnderTest.ready(scenario, workload(), options.shards, options.catalog)) {
            out.printf(
                    Locale.ROOT,
                    "  set up in %.1f s (every channel subscribed, every market started);"
                            + " records %.0f bytes%n",
                    (System.nanoTime() - setUp) / 1e9,
                    job.meanRecordBytes());
            double lowest = options.rates.get(0); // sorted
            job.run(lowest, options.settle, churn(scenario), options.catalogChurn);
            out.printf(
                    Locale.ROOT,
                    "  settled: %s at %,.0f updates/s, not measured (JIT compilation, compaction)%n",
                    options.settle,
                    lowest);
            out.println(
                    "  rate in | updates/s in | messages/s out | fan-out | p50 ms | p99 ms |"
                            + " p99.9 ms | max ms | p99 in checkpoints ms | sustained");
            List<List<Measurement>> byRate = new ArrayList<>();
            for (double rate : options.rates) {
                List<Measurement> runs = measure(job, scenario, rate, "");
                byRate.add(runs);
                if (!heldMostly(runs)) {
                    out.println("  (higher rates skipped: this one was not sustained)");
                    break;
                }
            }
            double sustainedRate = sustainedRate(byRate, options.rates);
            List<List<Measurement>> atShare = new ArrayList<>();
            if (!options.latencyAt.isEmpty() && sustainedRate > 0) {
                // the backlog of a rate that was not held drains first
                job.run(lowest, options.settle, churn(scenario), options.catalogChurn);
                out.printf(
                        Locale.ROOT,
                        "  latency at shares of the highest rate sustained, %,.0f updates/s"
                                + " (after %s more at %,.0f updates/s):%n",
                        sustainedRate,
                        options.settle,
                        lowest);
                for (double percent : options.latencyAt) {
                    atShare.add(
                            measure(
                                    job,
                                    scenario,
                                    sustainedRate * percent / 100,
                                    String.format(Locale.ROOT, " (%.0f %%)", percent)));
                }
            }
            return new ScenarioResult(byRate, sustainedRate, atShare);
        }
    }

    /** The repetitions at one rate, printed as a row of the scenario's table. */
    private List<Measurement> measure(
            JobUnderTest job, JobUnderTest.Scenario scenario, double rate, String label)
            throws Exception {
        List<Measurement> runs = new ArrayList<>();
        for (int r = 0; r < options.repetitions; r++) {
            runs.add(
                    job.measure(
                            rate,
                            options.warmUp,
                            options.measure,
                            churn(scenario),
                            options.catalogChurn));
        }
        out.printf(
                Locale.ROOT,
                "  %,7.0f%s | %s | %s | %s | %s | %s | %s | %s | %s | %d of %d%n",
                rate,
                label,
                stat(runs, Measurement::updatesPerSec, "%,.0f"),
                stat(runs, Measurement::messagesPerSec, "%,.0f"),
                stat(runs, Measurement::fanOut, "%.1f"),
                stat(runs, m -> m.percentileMs(50), "%.1f"),
                stat(runs, m -> m.percentileMs(99), "%.1f"),
                stat(runs, m -> m.percentileMs(99.9), "%.1f"),
                stat(runs, Measurement::maxMs, "%.0f"),
                duringCheckpoints(runs),
                runs.stream().filter(Measurement::sustained).count(),
                runs.size());
        out.println("          CPU " + CpuUsage.describe(medianCpu(runs)));
        out.println("          " + gcPauses(runs, Measurement::gcPauses));
        if (runs.get(0).taskManagerGcPauses() != null) {
            out.println(
                    "          TaskManager " + gcPauses(runs, Measurement::taskManagerGcPauses));
        }
        return runs;
    }

    /**
     * The garbage collections that stopped a JVM while the rate was measured: the benchmark's (and
     * with it the broker, the subscribers and, on the MiniCluster, the job), or a standalone
     * TaskManager's. The floor under the latency percentiles.
     */
    private static String gcPauses(
            List<Measurement> runs, Function<Measurement, GcPauses.Summary> jvm) {
        return String.format(
                Locale.ROOT,
                "GC pauses %s, median %s ms, longest %s ms, %s %% of the time",
                stat(runs, m -> jvm.apply(m).count(), "%.0f"),
                stat(runs, m -> jvm.apply(m).medianMs(), "%.0f"),
                stat(runs, m -> jvm.apply(m).longestMs(), "%.0f"),
                stat(runs, m -> 100 * jvm.apply(m).shareOfTime(), "%.1f"));
    }

    /** Subscription churn is the job's: the hand-written reducer's subscriptions are fixed. */
    private double churn(JobUnderTest.Scenario scenario) {
        return scenario.handWritten() ? 0 : options.churn;
    }

    /**
     * p99 of the messages received while checkpoints ran, all repetitions pooled, and per operator
     * the longest synchronous phase of a checkpoint (the time a subtask processed nothing), longest
     * first, then the longest barrier alignments (the time a subtask blocked the inputs whose
     * barrier had come), where there were any, and the longest delays from the trigger to a
     * subtask's first barrier.
     */
    private static String duringCheckpoints(List<Measurement> runs) {
        Histogram pooled = new Histogram(Timeline.MAX_LATENCY_MICROS, 3);
        runs.forEach(m -> pooled.add(m.duringCheckpointsMicros()));
        Map<String, JobUnderTest.Pause> longest = new HashMap<>();
        runs.forEach(
                m ->
                        m.longestCheckpointPauseByOperator()
                                .forEach((op, p) -> longest.merge(op, p, JobUnderTest.Pause::max)));
        String sync = longestFirst(longest, JobUnderTest.Pause::syncMs);
        String alignment = longestFirst(longest, JobUnderTest.Pause::alignmentMs);
        String barrierDelay = longestFirst(longest, JobUnderTest.Pause::barrierDelayMs);
        return pooled.getTotalCount() == 0
                ? "-"
                : String.format(
                        Locale.ROOT,
                        "%.1f (%,d msgs; sync phase ms: %s%s%s)",
                        pooled.getValueAtPercentile(99) / 1000.0,
                        pooled.getTotalCount(),
                        sync,
                        alignment.isEmpty() ? "" : "; alignment ms: " + alignment,
                        barrierDelay.isEmpty() ? "" : "; first barrier after ms: " + barrierDelay);
    }

    /** "operator ms, ..." for the operators whose pause of this kind was not 0, longest first. */
    private static String longestFirst(
            Map<String, JobUnderTest.Pause> pauses, ToLongFunction<JobUnderTest.Pause> kind) {
        return pauses.entrySet().stream()
                .filter(e -> kind.applyAsLong(e.getValue()) > 0)
                .sorted(
                        Comparator.comparingLong(
                                        (Map.Entry<String, JobUnderTest.Pause> e) ->
                                                kind.applyAsLong(e.getValue()))
                                .reversed())
                .map(e -> e.getKey() + " " + kind.applyAsLong(e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** The highest rate sustained in most of its repetitions; 0 if none. */
    static double sustainedRate(List<List<Measurement>> byRate, List<Double> rates) {
        double best = 0;
        for (int i = 0; i < byRate.size(); i++) {
            if (heldMostly(byRate.get(i))) {
                best = Math.max(best, rates.get(i));
            }
        }
        return best;
    }

    private static boolean heldMostly(List<Measurement> runs) {
        return runs.stream().filter(Measurement::sustained).count() * 2 > runs.size();
    }

    /** The highest rate sustained in most repetitions: its median messages/s out. */
    static double sustainedMessagesPerSec(List<List<Measurement>> byRate) {
        double best = 0;
        for (List<Measurement> runs : byRate) {
            if (heldMostly(runs)) {
                best = Math.max(best, median(runs, Measurement::messagesPerSec));
            }
        }
        return best;
    }

    private void printRatios(Map<String, ScenarioResult> results, List<Measurement> baseline) {
        out.println();
        double b1 = baseline.isEmpty() ? Double.NaN : median(baseline, Measurement::messagesPerSec);
        double b3 =
                results.containsKey("b3")
                        ? sustainedMessagesPerSec(results.get("b3").byRate())
                        : Double.NaN;
        for (Map.Entry<String, ScenarioResult> e : results.entrySet()) {
            double sustained = sustainedMessagesPerSec(e.getValue().byRate());
            out.printf(
                    Locale.ROOT,
                    "%s: highest sustained %,.0f messages/s out (%,.0f updates/s in) = %.2f x B1%s%n",
                    e.getKey(),
                    sustained,
                    e.getValue().sustainedRate(),
                    sustained / b1,
                    Double.isNaN(b3) || e.getKey().equals("b3")
                            ? ""
                            : String.format(Locale.ROOT, " = %.2f x B3", sustained / b3));
            List<List<Measurement>> atShare = e.getValue().atShare();
            for (int i = 0; i < atShare.size(); i++) {
                List<Measurement> runs = atShare.get(i);
                out.printf(
                        Locale.ROOT,
                        "  at %.0f %%: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, p99 in checkpoints"
                                + " %s ms%n",
                        options.latencyAt.get(i),
                        median(runs, m -> m.percentileMs(50)),
                        median(runs, m -> m.percentileMs(99)),
                        median(runs, m -> m.percentileMs(99.9)),
                        duringCheckpoints(runs));
            }
        }
        if (results.containsKey("heap") && results.containsKey("rocksdb")) {
            out.printf(
                    Locale.ROOT,
                    "heap / rocksdb (highest sustained messages/s): %.2f%n",
                    sustainedMessagesPerSec(results.get("heap").byRate())
                            / sustainedMessagesPerSec(results.get("rocksdb").byRate()));
        }
    }

    /** Per component, the median of the repetitions' cores. */
    static Map<String, Double> medianCpu(List<Measurement> runs) {
        Map<String, Double> medians = new LinkedHashMap<>();
        for (String component : runs.get(0).cpuCores().keySet()) {
            medians.put(component, median(runs, m -> m.cpuCores().getOrDefault(component, 0.0)));
        }
        return medians;
    }

    static double median(List<Measurement> runs, ToDoubleFunction<Measurement> metric) {
        double[] values = runs.stream().mapToDouble(metric).sorted().toArray();
        return values.length == 0 ? Double.NaN : values[values.length / 2];
    }

    /** "median (min–max)", or just the value for one repetition. */
    private static String stat(
            List<Measurement> runs, ToDoubleFunction<Measurement> metric, String format) {
        double[] values = runs.stream().mapToDouble(metric).sorted().toArray();
        String median = String.format(Locale.ROOT, format, values[values.length / 2]);
        if (values.length == 1) {
            return median;
        }
        return median
                + " ("
                + String.format(Locale.ROOT, format, values[0])
                + "–"
                + String.format(Locale.ROOT, format, values[values.length - 1])
                + ")";
    }
}

package com.marketcast.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongPredicate;
import org.HdrHistogram.Histogram;
import org.apache.flink.core.execution.CheckpointType;

/**
 * The state side of the benchmark ({@code bin/bench --state-sizes ...}): for each state backend and
 * number of (market, channel) subscriptions, on a fresh stack,
 *
 * <ol>
 *   <li>every market started, then a full checkpoint and the heap: the baseline without
 *       subscriptions;
 *   <li>every channel subscribed and started, then again a full checkpoint and the heap: the
 *       difference divided by the subscriptions is the state and the heap one subscription costs,
 *       and the heap's live objects by class ({@link HeapHistogram}) say what that heap is made of;
 *       on RocksDB, that checkpoint's SST files say which state holds those bytes ({@link
 *       SstTables});
 *   <li>the feed at a fixed rate with subscription churn, a checkpoint every 10 s: the checkpoints'
 *       duration and size, and the latency of the messages received while a checkpoint ran against
 *       the rest;
 *   <li>the TaskManager killed and a fresh one started: the time to the restored job's first output
 *       (the first message of a newer epoch), until latency is back under target, and until it is
 *       back at its level before the failure.
 * </ol>
 */
final class StateBenchmark {
    /** PROTOCOL-independent targets of the benchmark issue, at half the sustained maximum. */
    static final double P99_TARGET_MS = 15;

    private static final Duration CHECKPOINT_EVERY = Duration.ofSeconds(10);
    private static final Duration STEADY_STATE = Duration.ofSeconds(10);
    private static final Duration SET_UP_TIMEOUT = Duration.ofMinutes(20);
    private static final int HEAP_CLASSES_SHOWN = 16;
    private static final double HEAP_CLASS_SHOWN_BYTES = 0.5;

    /** What one (backend, size) run found. */
    record Result(
            String backend,
            long subscriptions,
            double setUpSeconds,
            JobUnderTest.Checkpoint marketsOnly,
            JobUnderTest.Checkpoint full,
            double stateBytesPerSubscription,
            double heapBytesPerSubscription,
            List<HeapHistogram.Row> heapGrowthByClass,
            Map<String, SstTables.Table> rocksDbStates,
            List<JobUnderTest.Checkpoint> periodic,
            Histogram duringCheckpoints,
            Histogram betweenCheckpoints,
            double firstOutputSeconds,
            double backUnderTargetSeconds,
            double backToLevelSeconds) {}

    private final BenchmarkOptions options;
    private final PrintStream out;

    StateBenchmark(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    List<Result> run() throws Exception {
        List<Result> results = new ArrayList<>();
        for (long size : options.stateSizes) {
            for (String backend : options.stateBackends) {
                results.add(run(backend, size));
            }
        }
        return results;
    }

    private Result run(String backend, long size) throws Exception {
        int markets = (int) Math.max(1, Math.round(size / options.fanOut));
        Workload workload = new Workload(markets, markets, options.fanOut, options.seed);
        out.println();
        out.printf(
                Locale.ROOT,
                "State, %s: %,d subscriptions (%,d markets, %,d channels, hottest market %,d"
                        + " channels), parallelism 2, checkpoints every %d s at %,.0f updates/s,"
                        + " %,.0f subscriptions churned/s, %s%n",
                backend,
                workload.subscriptions(),
                workload.markets,
                workload.channels,
                workload.hottestWatchers(),
                checkpointEvery().toSeconds(),
                options.stateRate,
                options.churn,
                options.catalog
                        ? String.format(
                                Locale.ROOT,
                                "the catalog by CDC with %.0f changes/s",
                                options.catalogChurn)
                        : "no catalog");
        JobUnderTest.Scenario scenario =
                new JobUnderTest.Scenario(
                        "state-" + backend,
                        backend,
                        false,
                        null, // checkpoints are triggered here, at known times
                        JobUnderTest.Reducer.ODDS_JOB,
                        options.bufferTimeout,
                        options.redisFlushInterval,
                        options.flink,
                        options.job,
                        false); // triggers and fails on the MiniCluster's own API
        try (JobUnderTest stack =
                new JobUnderTest(scenario, workload, options.shards, options.catalog)) {
            long start = System.nanoTime();
            stack.startEveryMarket(SET_UP_TIMEOUT);
            JobUnderTest.Checkpoint marketsOnly = stack.fullCheckpoint();
            long heapMarkets = JobUnderTest.heapAfterGc();
            HeapHistogram marketsHeap = HeapHistogram.take();
            out.printf(
                    Locale.ROOT,
                    "  %,d markets started in %.1f s; full checkpoint %s%n",
                    workload.markets,
                    seconds(start),
                    describe(marketsOnly));

            long subscribing = System.nanoTime();
            stack.commands().subscribeAll();
            stack.subscribers().awaitSnapshots(workload.subscriptions(), SET_UP_TIMEOUT);
            double setUp = seconds(subscribing);
            JobUnderTest.Checkpoint full = stack.fullCheckpoint();
            long heapAll = JobUnderTest.heapAfterGc();
            List<HeapHistogram.Row> heapGrowth = HeapHistogram.take().grownSince(marketsHeap);
            double stateEach =
                    (double) (full.stateBytes() - marketsOnly.stateBytes())
                            / workload.subscriptions();
            double heapEach = (double) (heapAll - heapMarkets) / workload.subscriptions();
            out.printf(
                    Locale.ROOT,
                    "  %,d subscriptions set up in %.1f s (%,.0f/s); full checkpoint %s%n",
                    workload.subscriptions(),
                    setUp,
                    workload.subscriptions() / setUp,
                    describe(full));
            out.printf(
                    Locale.ROOT,
                    "  per subscription: %.1f bytes of checkpointed state, %.1f bytes of JVM heap%n",
                    stateEach,
                    heapEach);
            printHeapGrowth(heapGrowth, workload.subscriptions());
            Map<String, SstTables.Table> rocksDbStates = Map.of();
            if (backend.equals("rocksdb") && !stack.changelog()) {
                rocksDbStates = SstTables.of(full.externalPath());
                printTables(rocksDbStates, workload.subscriptions());
            }

            Periodic periodic = checkpointsUnderLoad(stack);
            out.printf(
                    Locale.ROOT,
                    "  %d checkpoints under load: duration %s ms, size %s, full state %s%n",
                    periodic.checkpoints.size(),
                    stat(periodic.checkpoints, c -> c.durationMs(), "%,.0f"),
                    stat(periodic.checkpoints, c -> c.checkpointedBytes() / 1e6, "%.2f MB"),
                    stat(periodic.checkpoints, c -> c.stateBytes() / 1e6, "%.1f MB"));
            out.printf(
                    Locale.ROOT,
                    "  latency while a checkpoint ran: %s; between checkpoints: %s%n",
                    percentiles(periodic.during),
                    percentiles(periodic.between));

            double[] recovery = recovery(stack);
            return new Result(
                    backend,
                    workload.subscriptions(),
                    setUp,
                    marketsOnly,
                    full,
                    stateEach,
                    heapEach,
                    heapGrowth,
                    rocksDbStates,
                    periodic.checkpoints,
                    periodic.during,
                    periodic.between,
                    recovery[0],
                    recovery[1],
                    recovery[2]);
        }
    }

    private record Periodic(
            List<JobUnderTest.Checkpoint> checkpoints, Histogram during, Histogram between) {}

    /** The feed and churn for the measured time, a checkpoint of the configured type every 10 s. */
    private Periodic checkpointsUnderLoad(JobUnderTest stack) throws Exception {
        stack.subscribers().startTimeline();
        List<JobUnderTest.Checkpoint> taken = new ArrayList<>();
        try (Load load = new Load(stack, options)) {
            long end = System.nanoTime() + options.stateMeasure.toNanos();
            while (System.nanoTime() + checkpointEvery().toNanos() <= end) {
                TimeUnit.NANOSECONDS.sleep(checkpointEvery().toNanos());
                taken.add(stack.checkpoint(CheckpointType.CONFIGURED));
            }
        }
        Timeline timeline = stack.subscribers().takeTimeline();
        List<long[]> running = new ArrayList<>();
        for (JobUnderTest.Checkpoint c : taken) {
            running.add(c.interval());
        }
        return new Periodic(taken, timeline.inside(running, true), timeline.inside(running, false));
    }

    /**
     * Kills the TaskManager under load; returns the seconds from the kill to the restored job's
     * first output, to the first second from which p99 stays under target for 5 s, and to the first
     * 5 s whose p99 is back at its level of the 10 s before the failure (NaN: not within the
     * measured time). The last says when the job has recovered where the target is out of reach
     * even without a failure.
     */
    private double[] recovery(JobUnderTest stack) throws Exception {
        SubscriberPool subscribers = stack.subscribers();
        subscribers.startTimeline();
        try (Load load = new Load(stack, options)) {
            Duration steady = min(STEADY_STATE, options.stateMeasure);
            TimeUnit.NANOSECONDS.sleep(steady.toNanos()); // the state before the failure
            stack.checkpoint(CheckpointType.CONFIGURED); // what a periodic checkpoint would hold
            long epoch = subscribers.newestEpoch();
            long killedAt = System.currentTimeMillis();
            stack.failTaskManager();
            long deadline = System.nanoTime() + options.stateMeasure.toNanos();
            while (subscribers.firstMessageAfterEpoch(epoch) < 0 && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(20);
            }
            long first = subscribers.firstMessageAfterEpoch(epoch);
            TimeUnit.NANOSECONDS.sleep(Math.max(0, deadline - System.nanoTime()));
            Timeline timeline = subscribers.takeTimeline();
            Histogram before = timeline.between(killedAt - steady.toMillis(), killedAt);
            double levelMs = p99Ms(before);
            long end = killedAt + options.stateMeasure.toMillis();
            double firstSeconds = first < 0 ? Double.NaN : (first - killedAt) / 1e3;
            double backSeconds =
                    firstWindow(first, end, killedAt, from -> holds(timeline, from, from + 5_000));
            double levelSeconds =
                    before.getTotalCount() == 0
                            ? Double.NaN // no level to come back to
                            : firstWindow(
                                    first,
                                    end,
                                    killedAt,
                                    from -> p99Ms(timeline.between(from, from + 5_000)) <= levelMs);
            out.printf(
                    Locale.ROOT,
                    "  TaskManager killed: the restored job's first output after %.1f s, p99 back"
                            + " under %.0f ms (5 s in a row) after %.1f s, back at its level"
                            + " before the failure (%.1f ms over 5 s) after %.1f s; before the"
                            + " failure %s%n",
                    firstSeconds,
                    P99_TARGET_MS,
                    backSeconds,
                    levelMs,
                    levelSeconds,
                    percentiles(before));
            return new double[] {firstSeconds, backSeconds, levelSeconds};
        }
    }

    /**
     * Seconds from the kill to the first 5 s window, starting at the first output and moving by a
     * second, that {@code holds}; NaN if none ends inside the measured time.
     */
    private static double firstWindow(long first, long end, long killedAt, LongPredicate holds) {
        if (first < 0) {
            return Double.NaN;
        }
        for (long from = first; from + 5_000 <= end; from += 1_000) {
            if (holds.test(from)) {
                return (from - killedAt) / 1e3;
            }
        }
        return Double.NaN;
    }

    private static double p99Ms(Histogram h) {
        return h.getTotalCount() == 0 ? Double.POSITIVE_INFINITY : h.getValueAtPercentile(99) / 1e3;
    }

    /** Every 10 s, or twice in a shorter measurement. */
    private Duration checkpointEvery() {
        return min(CHECKPOINT_EVERY, options.stateMeasure.dividedBy(2));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Every second of [from, to) has messages and a p99 under target. */
    private static boolean holds(Timeline timeline, long from, long to) {
        for (long s = from; s < to; s += 1_000) {
            if (p99Ms(timeline.between(s, s + 1_000)) > P99_TARGET_MS) {
                return false;
            }
        }
        return true;
    }

    /** The feed at the state rate, and the churn, on their own threads while it is open. */
    private static final class Load implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread feeding;
        private final JobUnderTest stack;

        Load(JobUnderTest stack, BenchmarkOptions options) {
            this.stack = stack;
            stack.startChurn(options.churn, options.catalogChurn, options.seed);
            feeding =
                    new Thread(
                            () -> {
                                while (running.get()) {
                                    stack.feed().run(options.stateRate, Duration.ofSeconds(1));
                                }
                            },
                            "bench-feed-driver");
            feeding.setDaemon(true);
            feeding.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            feeding.join(10_000);
            stack.stopChurn();
        }
    }

    /**
     * Per RocksDB state of the checkpoint: entries, bytes per entry as written and as stored, and
     * what the state stores per subscription.
     */
    private void printTables(Map<String, SstTables.Table> tables, long subscriptions) {
        out.println(
                "  RocksDB states in that checkpoint (bytes per entry: key incl. RocksDB's 8-byte"
                        + " sequence + value as written -> stored; stored per subscription):");
        for (SstTables.Table t : tables.values()) {
            if (t.entries() == 0) {
                continue;
            }
            out.printf(
                    Locale.ROOT,
                    "    %-40s %,10d entries, %5.1f + %5.1f B -> %5.1f B; %5.1f B per subscription%n",
                    t.state(),
                    t.entries(),
                    (double) t.keyBytes() / t.entries(),
                    (double) t.valueBytes() / t.entries(),
                    (double) t.storedBytes() / t.entries(),
                    (double) t.storedBytes() / subscriptions);
        }
    }

    /**
     * The classes whose live objects grew most while the subscriptions were set up: on the heap
     * backend, what one subscription's heap is made of (the job's objects and Flink's state maps,
     * with the benchmark's own share, which the RocksDB run shows near zero).
     */
    private void printHeapGrowth(List<HeapHistogram.Row> grown, long subscriptions) {
        out.println("  JVM heap grown per subscription, by class (instances, bytes):");
        grown.stream()
                .filter(r -> (double) r.bytes() / subscriptions >= HEAP_CLASS_SHOWN_BYTES)
                .limit(HEAP_CLASSES_SHOWN)
                .forEach(
                        r ->
                                out.printf(
                                        Locale.ROOT,
                                        "    %-70s %5.2f  %6.1f B%n",
                                        r.className(),
                                        (double) r.instances() / subscriptions,
                                        (double) r.bytes() / subscriptions));
    }

    private static String describe(JobUnderTest.Checkpoint c) {
        StringBuilder operators = new StringBuilder();
        c.stateBytesByOperator()
                .forEach(
                        (name, bytes) -> {
                            if (bytes > 0) {
                                operators
                                        .append(operators.length() == 0 ? "" : ", ")
                                        .append(shortName(name))
                                        .append(' ')
                                        .append(String.format(Locale.ROOT, "%.2f MB", bytes / 1e6));
                            }
                        });
        return String.format(
                Locale.ROOT,
                "%.2f MB in %,d ms (%s)",
                c.stateBytes() / 1e6,
                c.durationMs(),
                operators);
    }

    private static String shortName(String vertex) {
        for (String op :
                List.of(
                        com.marketcast.odds.Descriptors.MARKET_REDUCER,
                        com.marketcast.odds.Descriptors.CHANNEL_REGISTRY,
                        com.marketcast.odds.Descriptors.UPDATES_SOURCE,
                        com.marketcast.odds.Descriptors.COMMANDS_SOURCE)) {
            if (vertex.contains(op)) {
                return op;
            }
        }
        return vertex;
    }

    static String percentiles(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "no messages";
        }
        return String.format(
                Locale.ROOT,
                "p50 %.1f / p99 %.1f / p99.9 %.1f / max %.0f ms (%,d messages)",
                h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3,
                h.getMaxValue() / 1e3,
                h.getTotalCount());
    }

    private static String stat(
            List<JobUnderTest.Checkpoint> checkpoints,
            java.util.function.ToDoubleFunction<JobUnderTest.Checkpoint> metric,
            String format) {
        double[] values = checkpoints.stream().mapToDouble(metric).sorted().toArray();
        if (values.length == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, format, values[values.length / 2])
                + " ("
                + String.format(Locale.ROOT, format, values[0])
                + "–"
                + String.format(Locale.ROOT, format, values[values.length - 1])
                + ")";
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}

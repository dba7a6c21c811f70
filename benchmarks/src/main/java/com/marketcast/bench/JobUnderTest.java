package com.marketcast.bench;

import com.marketcast.embedded.EmbeddedKafka;
import com.marketcast.embedded.RedisServer;
import com.marketcast.embedded.TempDirs;
import com.marketcast.odds.OddsJob;
import com.marketcast.odds.OddsSettings;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.apache.flink.api.common.JobID;
import org.apache.flink.changelog.fs.FsStateChangelogOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.TaskStateStats;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import redis.clients.jedis.Jedis;

/**
 * The system under test, fresh per scenario: an in-process Kafka broker (the data topic stamps
 * records with their append time, the {@code ts} latency is measured from), a private redis-server,
 * the odds job on a MiniCluster (one TaskManager with two slots; or on a standalone cluster, {@link
 * StandaloneJob}) configured by {@code flink-conf/config.yaml} with the scenario's state backend
 * and checkpoint interval, and the subscribers. {@link #ready} also subscribes the workload's
 * channels and starts every market before anything is measured; the state benchmark takes those
 * steps one by one.
 */
final class JobUnderTest implements AutoCloseable {
    /** What runs between the feed and the subscribers. */
    enum Reducer {
        /** The odds job. */
        ODDS_JOB,
        /** Baseline B3 on plain threads ({@link HandWrittenReducer}). */
        HAND_WRITTEN,
        /**
         * B3's reducer between the job's Kafka source and Redis sink ({@link HandWrittenOnFlink}).
         */
        HAND_WRITTEN_ON_FLINK
    }

    /**
     * A configuration of the job: its state backend, whether Flink's changelog state backend wraps
     * it, and the checkpoint interval (null: off); or, by {@code reducer}, one of the B3 variants
     * in place of the job. {@code flink} holds further Flink options ({@code --flink key=value}),
     * applied before the scenario's own settings, which win where both set one (the state backend,
     * the checkpoint directory, the buffer timeout). One the scenario leaves alone applies as
     * given: {@code state.changelog.enabled=true} puts the changelog under any job scenario. {@code
     * job} holds further job options ({@code --job key=value}, e.g. {@code hot-markets=0}), applied
     * over the benchmark's own. With {@code standalone}, the job runs on a standalone cluster, its
     * TaskManager in a JVM of its own ({@link StandaloneJob}), instead of the MiniCluster in the
     * benchmark's JVM.
     */
    record Scenario(
            String name,
            String stateBackend,
            boolean changelog,
            Duration checkpointInterval,
            Reducer reducer,
            Duration bufferTimeout,
            Duration redisFlushInterval,
            Map<String, String> flink,
            Map<String, String> job,
            boolean standalone) {

        /** A B3 variant: its subscriptions come from the workload, not from commands. */
        boolean handWritten() {
            return reducer != Reducer.ODDS_JOB;
        }
    }

    /**
     * A completed checkpoint: its type, duration, full and incremental size, per operator, the
     * longest pauses of any subtask per operator, and where it lies.
     */
    record Checkpoint(
            long id,
            String type,
            long triggeredAt,
            long durationMs,
            long stateBytes,
            long checkpointedBytes,
            Map<String, Long> stateBytesByOperator,
            Map<String, Pause> longestPauseByOperator,
            String externalPath) {

        /** When it ran, as a {@link Timeline} interval: {@code [trigger, completion]}. */
        long[] interval() {
            return new long[] {triggeredAt, triggeredAt + durationMs + 1};
        }
    }

    /**
     * The longest times a subtask of an operator processed nothing for a checkpoint: its
     * synchronous phase, and its barrier alignment (blocking the inputs whose barrier came first
     * until the last one's came; 0 where the operator has one input or checkpoints are unaligned).
     * Beside them the longest time from the trigger to the first barrier's arrival, which shows
     * along which path barriers come late.
     */
    record Pause(long syncMs, long alignmentMs, long barrierDelayMs) {
        static Pause max(Pause a, Pause b) {
            return new Pause(
                    Math.max(a.syncMs, b.syncMs),
                    Math.max(a.alignmentMs, b.alignmentMs),
                    Math.max(a.barrierDelayMs, b.barrierDelayMs));
        }
    }

    private static final int PARALLELISM = 2;
    private static final int UPDATE_PARTITIONS = 4;

    private final Path runDir;
    private final Workload workload;
    private final int shards;
    private final EmbeddedKafka kafka;
    private final RedisServer redis;
    private final long redisPid;
    private final MiniCluster cluster;
    private final JobID job;
    private final StandaloneJob standalone;
    private final CpuUsage.Jvm taskManager;

    /**
     * Whether Flink's changelog state backend wraps the job's (from its effective configuration).
     */
    private final boolean changelog;

    private final Map<JobVertexID, String> operators = new HashMap<>();
    private final HandWrittenReducer handWritten;
    private final SubscriberPool subscribers;
    private final FeedDriver feed;
    private final CommandDriver commands;
    private final BenchCatalog catalog;

    /**
     * The stack with the job (or B3) running, nothing subscribed and no market started yet; with
     * {@code withCatalog}, the job reads the workload's catalog from a private PostgreSQL by CDC.
     */
    JobUnderTest(Scenario scenario, Workload workload, int shards, boolean withCatalog)
            throws Exception {
        this.workload = workload;
        this.shards = shards;
        runDir = Files.createTempDirectory("marketcast-bench-");
        kafka = EmbeddedKafka.start();
        kafka.createTopic(
                "market-updates",
                UPDATE_PARTITIONS,
                Map.of("message.timestamp.type", "LogAppendTime"));
        kafka.createTopic("stream-commands", 2);
        kafka.createTopic("dead-letters", 1);
        redis = RedisServer.start();
        redisPid = CpuUsage.redisPid(redis.uri());
        subscribers = new SubscriberPool(redis.uri(), shards);

        Map<String, String> options = new HashMap<>();
        options.put("bootstrap-servers", kafka.bootstrapServers());
        options.put("redis", redis.uri());
        options.put("parallelism", Integer.toString(PARALLELISM));
        // "off": a checkpoint never comes due during a run (they can still be triggered). Flink
        // starts the first one after a random delay of up to the interval: 1 h fired within a
        // run's minutes now and then, a year does not
        options.put(
                "checkpoint-interval",
                scenario.checkpointInterval() == null
                        ? "365d"
                        : scenario.checkpointInterval().toMillis() + "ms");
        catalog = withCatalog && !scenario.handWritten() ? new BenchCatalog(workload) : null;
        if (catalog != null) {
            options.putAll(catalog.jobOptions());
        } else {
            options.put("no-catalog", "true");
        }
        if (scenario.redisFlushInterval() != null) {
            options.put("redis-flush-interval", scenario.redisFlushInterval().toMillis() + "ms");
        }
        options.putAll(scenario.job());
        OddsSettings settings = OddsSettings.fromMap(options);
        if (scenario.reducer() == Reducer.HAND_WRITTEN) {
            cluster = null;
            job = null;
            standalone = null;
            taskManager = null;
            changelog = false;
            handWritten =
                    new HandWrittenReducer(
                            kafka.bootstrapServers(),
                            settings.updatesTopic(),
                            UPDATE_PARTITIONS,
                            redis.uri(),
                            workload,
                            shards);
        } else {
            Configuration conf = flinkConfiguration(scenario);
            changelog = conf.get(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG);
            Consumer<StreamExecutionEnvironment> define =
                    env -> {
                        if (scenario.reducer() == Reducer.ODDS_JOB) {
                            OddsJob.define(env, settings);
                        } else {
                            HandWrittenOnFlink.define(
                                    env,
                                    settings,
                                    HandWrittenMarkets.subscribers(workload, shards));
                        }
                    };
            if (scenario.standalone()) {
                if (flinkConfDir() == null) {
                    throw new IllegalStateException(
                            "a standalone cluster is configured from flink-conf/, found neither in "
                                    + Path.of("").toAbsolutePath()
                                    + " nor in its parent");
                }
                cluster = null;
                job = null;
                standalone =
                        StandaloneJob.start(
                                flinkConfDir(),
                                runDir.resolve("flink"),
                                clusterOptions(scenario, conf),
                                conf,
                                define);
                taskManager = CpuUsage.Jvm.taskManager(standalone.taskManager());
            } else {
                standalone = null;
                taskManager = null;
                cluster =
                        new MiniCluster(
                                new MiniClusterConfiguration.Builder()
                                        .setConfiguration(conf)
                                        .setNumTaskManagers(1)
                                        .setNumSlotsPerTaskManager(PARALLELISM)
                                        .build());
                cluster.start();
                StreamExecutionEnvironment env =
                        StreamExecutionEnvironment.getExecutionEnvironment(conf);
                define.accept(env);
                JobGraph graph = env.getStreamGraph().getJobGraph();
                graph.getVertices().forEach(v -> operators.put(v.getID(), v.getName()));
                job = cluster.submitJob(graph).get().getJobID();
            }
            handWritten = null;
        }
        feed = new FeedDriver(kafka.bootstrapServers(), settings.updatesTopic(), workload);
        commands =
                new CommandDriver(
                        kafka.bootstrapServers(), settings.commandsTopic(), workload, shards);
    }

    /** The stack with every channel subscribed and every market started (every snapshot in). */
    static JobUnderTest ready(Scenario scenario, Workload workload, int shards, boolean withCatalog)
            throws Exception {
        JobUnderTest stack = new JobUnderTest(scenario, workload, shards, withCatalog);
        try {
            if (!scenario.handWritten()) {
                stack.commands.subscribeAll();
            }
            stack.feed.warmUp();
            stack.subscribers.awaitSnapshots(workload.subscriptions(), Duration.ofMinutes(10));
            return stack;
        } catch (Exception | Error e) {
            stack.close();
            throw e;
        }
    }

    /**
     * Runs at {@code rate} for the warm-up, then measures for {@code duration}, with {@code churn}
     * subscriptions and {@code catalogChurn} catalog changes a second.
     */
    Measurement measure(
            double rate, Duration warmUp, Duration duration, double churn, double catalogChurn)
            throws Exception {
        startChurn(churn, catalogChurn, Double.doubleToLongBits(rate));
        try {
            feed.run(rate, warmUp);
            subscribers.takeLatencies();
            subscribers.startTimeline();
            long messagesBefore = subscribers.messages();
            CpuUsage cpuBefore = cpuSample();
            long startMillis = System.currentTimeMillis();
            long start = System.nanoTime();
            long sent;
            GcPauses.Summary gcPauses;
            GcPauses.Summary taskManagerGcPauses = null;
            try (GcPauses gc = GcPauses.record();
                    GcPauses tmGc =
                            standalone == null ? null : GcPauses.record(standalone.taskManager())) {
                sent = feed.run(rate, duration);
                gcPauses = gc.summary();
                if (tmGc != null) {
                    taskManagerGcPauses = tmGc.summary();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Double> cpu = cpuSample().coresSince(cpuBefore);
            long messages = subscribers.messages() - messagesBefore;
            Histogram latencies = subscribers.takeLatencies();
            Timeline timeline = subscribers.takeTimeline();
            List<long[]> running = new ArrayList<>();
            Map<String, Pause> longestPauses = new TreeMap<>();
            for (Checkpoint c : checkpointsRunning(startMillis, System.currentTimeMillis())) {
                running.add(c.interval());
                c.longestPauseByOperator()
                        .forEach((op, p) -> longestPauses.merge(op, p, Pause::max));
            }
            return new Measurement(
                    rate,
                    sent / seconds,
                    messages / seconds,
                    latencies,
                    timeline.inside(running, true),
                    longestPauses,
                    subscribers.dropped(),
                    cpu,
                    gcPauses,
                    taskManagerGcPauses);
        } finally {
            stopChurn();
        }
    }

    /** Runs at {@code rate} for {@code duration} with churn, measuring nothing. */
    void run(double rate, Duration duration, double churn, double catalogChurn)
            throws InterruptedException {
        startChurn(churn, catalogChurn, Double.doubleToLongBits(rate) + 1);
        try {
            feed.run(rate, duration);
        } finally {
            stopChurn();
        }
    }

    /** The CPU used so far, with a standalone TaskManager's. */
    private CpuUsage cpuSample() {
        return taskManager == null
                ? CpuUsage.sample(redisPid)
                : CpuUsage.sample(redisPid, taskManager);
    }

    /** The completed checkpoints that ran between the two times. */
    private List<Checkpoint> checkpointsRunning(long fromMillis, long toMillis) throws Exception {
        List<Checkpoint> running = new ArrayList<>();
        if (cluster != null || standalone != null) {
            for (Checkpoint c : checkpoints()) {
                if (c.triggeredAt() + c.durationMs() >= fromMillis && c.triggeredAt() < toMillis) {
                    running.add(c);
                }
            }
        }
        return running;
    }

    /** Subscription churn on the command topic and, with a catalog, catalog changes. */
    void startChurn(double churn, double catalogChurn, long seed) {
        commands.startChurn(churn, seed);
        if (catalog != null) {
            catalog.startChurn(catalogChurn, seed + 1);
        }
    }

    void stopChurn() throws InterruptedException {
        commands.stopChurn();
        if (catalog != null) {
            catalog.stopChurn();
        }
    }

    double meanRecordBytes() {
        return feed.meanRecordBytes();
    }

    Workload workload() {
        return workload;
    }

    FeedDriver feed() {
        return feed;
    }

    CommandDriver commands() {
        return commands;
    }

    SubscriberPool subscribers() {
        return subscribers;
    }

    /** One update of every market; returns once the job has written every market's mirror. */
    void startEveryMarket(Duration timeout) throws InterruptedException {
        feed.warmUp();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
            while (jedis.dbSize() < workload.markets) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "only "
                                    + jedis.dbSize()
                                    + " of "
                                    + workload.markets
                                    + " markets mirrored within "
                                    + timeout);
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    /** Whether Flink's changelog state backend wraps the job's. */
    boolean changelog() {
        return changelog;
    }

    /**
     * A full checkpoint, or under Flink's changelog state backend a regular one: that backend
     * cannot take a full snapshot (asking for one fails the tasks), and its regular checkpoint
     * still reports the whole state's size.
     */
    Checkpoint fullCheckpoint() throws Exception {
        return checkpoint(changelog ? CheckpointType.CONFIGURED : CheckpointType.FULL);
    }

    /** Triggers a checkpoint of {@code type} and returns its statistics once it completed. */
    Checkpoint checkpoint(CheckpointType type) throws Exception {
        long id = miniCluster().triggerCheckpoint(job, type).get();
        // the statistics tracker learns of the completion a moment after the trigger's future
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            for (Checkpoint c : checkpoints()) {
                if (c.id() == id) {
                    return c;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no statistics of checkpoint " + id);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** Every completed checkpoint the job's statistics still hold, oldest first. */
    List<Checkpoint> checkpoints() throws Exception {
        if (standalone != null) {
            return standalone.checkpoints();
        }
        List<Checkpoint> done = new ArrayList<>();
        for (AbstractCheckpointStats stats :
                cluster.getExecutionGraph(job)
                        .get()
                        .getCheckpointStatsSnapshot()
                        .getHistory()
                        .getCheckpoints()) {
            if (stats.getStatus() != CheckpointStatsStatus.COMPLETED) {
                continue;
            }
            Map<String, Long> byOperator = new TreeMap<>();
            Map<String, Pause> longestPauses = new TreeMap<>();
            for (TaskStateStats task : stats.getAllTaskStateStats()) {
                String operator = operators.get(task.getJobVertexId());
                byOperator.put(operator, task.getStateSize());
                longestPauses.put(
                        operator,
                        new Pause(
                                task.getSummaryStats()
                                        .getSyncCheckpointDurationStats()
                                        .getMaximum(),
                                task.getSummaryStats().getAlignmentDurationStats().getMaximum(),
                                task.getSummaryStats()
                                        .getCheckpointStartDelayStats()
                                        .getMaximum()));
            }
            done.add(
                    new Checkpoint(
                            stats.getCheckpointId(),
                            stats.getProperties().isSavepoint()
                                    ? "savepoint"
                                    : stats.getProperties().getCheckpointType().getName(),
                            stats.getTriggerTimestamp(),
                            stats.getEndToEndDuration(),
                            stats.getStateSize(),
                            stats.getCheckpointedSize(),
                            byOperator,
                            longestPauses,
                            ((CompletedCheckpointStats) stats).getExternalPath()));
        }
        done.sort(java.util.Comparator.comparingLong(Checkpoint::id));
        return done;
    }

    /**
     * Kills the TaskManager (every task of the job fails with it) and starts a fresh one, as a
     * supervisor (Kubernetes, YARN) would: the job restores from its latest checkpoint.
     */
    void failTaskManager() throws Exception {
        miniCluster().terminateTaskManager(0).get();
        cluster.startTaskManager();
    }

    /** The MiniCluster the job runs on; the state benchmark triggers and fails only there. */
    private MiniCluster miniCluster() {
        if (cluster == null) {
            throw new IllegalStateException("the job does not run on the MiniCluster here");
        }
        return cluster;
    }

    /** Heap in use after a full collection, in bytes. */
    static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** flink-conf/ from the project's root or a module's directory; null where there is none. */
    private static Path flinkConfDir() {
        return List.of(Path.of("flink-conf"), Path.of("..", "flink-conf")).stream()
                .filter(d -> Files.isRegularFile(d.resolve("config.yaml")))
                .findFirst()
                .orElse(null);
    }

    /**
     * The standalone cluster's options over flink-conf/config.yaml's: the scenario's, as the
     * MiniCluster gets them, on a TaskManager of two slots. The TaskManager keeps flink-conf's
     * memory sizes.
     */
    private static Map<String, String> clusterOptions(Scenario scenario, Configuration conf) {
        Map<String, String> options = new HashMap<>(scenario.flink());
        options.put(TaskManagerOptions.NUM_TASK_SLOTS.key(), Integer.toString(PARALLELISM));
        options.put(
                StateBackendOptions.STATE_BACKEND.key(),
                conf.get(StateBackendOptions.STATE_BACKEND));
        options.put(
                ExecutionOptions.BUFFER_TIMEOUT.key(),
                conf.get(ExecutionOptions.BUFFER_TIMEOUT).toMillis() + "ms");
        if (scenario.changelog()) {
            options.put(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG.key(), "true");
            options.put(StateChangelogOptions.STATE_CHANGE_LOG_STORAGE.key(), "filesystem");
            options.put(
                    FsStateChangelogOptions.BASE_PATH.key(),
                    conf.get(FsStateChangelogOptions.BASE_PATH));
        }
        return options;
    }

    private Configuration flinkConfiguration(Scenario scenario) {
        Path confDir = flinkConfDir();
        Configuration conf =
                confDir == null
                        ? new Configuration()
                        : GlobalConfiguration.loadConfiguration(confDir.toString());
        conf.removeConfig(TaskManagerOptions.TOTAL_PROCESS_MEMORY);
        conf.removeConfig(JobManagerOptions.TOTAL_PROCESS_MEMORY);
        conf.addAll(Configuration.fromMap(scenario.flink()));
        if (scenario.stateBackend() != null) {
            conf.set(StateBackendOptions.STATE_BACKEND, scenario.stateBackend());
        }
        if (scenario.handWritten()) {
            conf.removeConfig(CheckpointingOptions.CHECKPOINTING_INTERVAL); // B3 has none either
        }
        conf.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                runDir.resolve("checkpoints").toUri().toString());
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, PARALLELISM);
        // A MiniCluster without a process size gives RocksDB 128 MB of managed memory in all (64 MB
        // per slot, shared by every stateful operator of the slot): memtables then flush so often
        // that compaction takes a core at a million subscriptions. flink-conf's 2,048 MB
        // TaskManager gives it about this much.
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("512m"));
        conf.set(RestOptions.BIND_PORT, "0");
        if (scenario.bufferTimeout() != null) {
            conf.set(ExecutionOptions.BUFFER_TIMEOUT, scenario.bufferTimeout());
        }
        if (scenario.changelog()) {
            // a checkpoint uploads the state changes logged since the last one; RocksDB's own
            // snapshot (a memtable flush in the task thread) only comes with each materialization
            conf.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, true);
            conf.set(StateChangelogOptions.STATE_CHANGE_LOG_STORAGE, "filesystem");
            conf.set(
                    FsStateChangelogOptions.BASE_PATH,
                    runDir.resolve("changelog").toUri().toString());
        }
        return conf;
    }

    @Override
    public void close() throws Exception {
        try {
            if (cluster != null) {
                cluster.close();
            } else if (standalone != null) {
                standalone.close();
            } else if (handWritten != null) {
                handWritten.close();
            }
        } finally {
            if (catalog != null) {
                catalog.close();
            }
            commands.close();
            feed.close();
            subscribers.close();
            redis.close();
            kafka.close();
            TempDirs.deleteRecursively(runDir);
        }
    }
}

package com.marketcast.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.TimeUtils;

/** The benchmark's command line; every option has a default, a bad value names its option. */
final class BenchmarkOptions {
    static final List<String> SCENARIOS =
            List.of(
                    "b3",
                    "b3-on-flink",
                    "rocksdb",
                    "heap",
                    "rocksdb-no-checkpoints",
                    "rocksdb-changelog");

    /**
     * The scenarios the targets name; {@code b3-on-flink} and {@code rocksdb-changelog} run
     * when asked for.
     */
    static final List<String> DEFAULT_SCENARIOS =
            List.of("b3", "rocksdb", "heap", "rocksdb-no-checkpoints");

    int markets = 20_000;
    int channels = 20_000;
    double fanOut = 8;
    List<Double> rates = List.of(5_000.0, 10_000.0, 15_000.0, 20_000.0, 30_000.0, 40_000.0);
    Duration warmUp = Duration.ofSeconds(5);

    /**
     * Once per scenario, after set-up, the lowest rate for this long, not measured: on two cores
     * the JIT compiler still takes 0.4 of a core for over a minute after the stack started.
     */
    Duration settle = Duration.ofSeconds(60);

    Duration measure = Duration.ofSeconds(10);
    int repetitions = 3;
    List<String> scenarios = DEFAULT_SCENARIOS;
    boolean baseline = true;

    /** After the sweep, latency at these percentages of the highest rate sustained; empty: off. */
    List<Double> latencyAt = List.of(25.0, 50.0, 80.0);

    int shards = 4;
    long seed = 42;

    /** Subscriptions dropped and taken back per second on the command topic while measuring. */
    double churn = 100;

    /** The job reads the workload's catalog by CDC from a private PostgreSQL. */
    boolean catalog = true;

    /** Catalog changes per second while measuring (a market suspended or reopened). */
    double catalogChurn = 2;

    /**
     * The state benchmark instead of the throughput one: these numbers of (market, channel)
     * subscriptions, each with markets = channels = subscriptions / fan-out. Empty: off.
     */
    List<Long> stateSizes = List.of();

    /** The state benchmark's backends. */
    List<String> stateBackends = List.of("rocksdb", "hashmap");

    /** The update rate the state benchmark runs at while it checkpoints and fails. */
    double stateRate = 5_000;

    /** How long the state benchmark watches checkpoints, and the recovery after a failure. */
    Duration stateMeasure = Duration.ofSeconds(60);

    /** Flink's network buffer timeout; null: flink-conf/config.yaml's. */
    Duration bufferTimeout;

    /**
     * {@code --cluster standalone}: the job scenarios run on a Flink standalone cluster, the
     * TaskManager in a JVM of its own; {@code mini} (the default): on a MiniCluster in the
     * benchmark's JVM. The state benchmark runs on the MiniCluster only.
     */
    boolean standalone;

    /** The job's {@code redis-flush-interval}; null: the job's default. */
    Duration redisFlushInterval;

    /**
     * Flink options over flink-conf/config.yaml's, from {@code --flink key=value} (repeatable):
     * e.g. a RocksDB setting tried without editing the cluster's configuration.
     */
    Map<String, String> flink = new LinkedHashMap<>();

    /**
     * Job options over the benchmark's, from {@code --job key=value} (repeatable): e.g. {@code
     * hot-markets=0}. The job checks them at start-up like any option.
     */
    Map<String, String> job = new LinkedHashMap<>();

    /** {@code --smoke}: a few seconds in all; checks that the harness works, not its speed. */
    static BenchmarkOptions smoke() {
        BenchmarkOptions o = new BenchmarkOptions();
        o.markets = 500;
        o.channels = 200;
        o.fanOut = 4;
        o.rates = List.of(300.0);
        o.warmUp = Duration.ofSeconds(1);
        o.settle = Duration.ofSeconds(1);
        o.measure = Duration.ofSeconds(2);
        o.repetitions = 1;
        o.scenarios = List.of("b3", "b3-on-flink", "rocksdb");
        o.latencyAt = List.of(50.0);
        o.shards = 2;
        o.churn = 20;
        o.catalogChurn = 1;
        o.stateRate = 300;
        o.stateMeasure = Duration.ofSeconds(8);
        return o;
    }

    static BenchmarkOptions parse(String[] args) {
        BenchmarkOptions o = List.of(args).contains("--smoke") ? smoke() : new BenchmarkOptions();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--smoke")) {
                continue;
            }
            if (!arg.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("Option '" + arg + "' needs a value");
            }
            String name = arg.substring(2);
            String value = args[++i];
            try {
                switch (name) {
                    case "markets" -> o.markets = positive(Integer.parseInt(value));
                    case "channels" -> o.channels = positive(Integer.parseInt(value));
                    case "fanout" -> o.fanOut = positive(Double.parseDouble(value));
                    case "rates" -> o.rates = rates(value).stream().sorted().toList();
                    case "warmup" -> o.warmUp = TimeUtils.parseDuration(value);
                    case "settle" -> o.settle = TimeUtils.parseDuration(value);
                    case "measure" -> o.measure = TimeUtils.parseDuration(value);
                    case "repetitions" -> o.repetitions = positive(Integer.parseInt(value));
                    case "scenarios" -> o.scenarios = scenarios(value);
                    case "baseline" -> o.baseline = bool(value);
                    case "latency-at" ->
                            o.latencyAt = value.equals("off") ? List.of() : percents(value);
                    case "shards" -> o.shards = shards(Integer.parseInt(value));
                    case "seed" -> o.seed = Long.parseLong(value);
                    case "buffer-timeout" -> o.bufferTimeout = TimeUtils.parseDuration(value);
                    case "redis-flush-interval" ->
                            o.redisFlushInterval = TimeUtils.parseDuration(value);
                    case "churn" -> o.churn = nonNegative(Double.parseDouble(value));
                    case "catalog" -> o.catalog = bool(value);
                    case "catalog-churn" -> o.catalogChurn = nonNegative(Double.parseDouble(value));
                    case "state-sizes" -> o.stateSizes = sizes(value);
                    case "state-backends" -> o.stateBackends = backends(value);
                    case "state-rate" -> o.stateRate = positive(Double.parseDouble(value));
                    case "state-measure" -> o.stateMeasure = TimeUtils.parseDuration(value);
                    case "cluster" -> o.standalone = cluster(value);
                    case "flink" -> keyValue(o.flink, value, "a Flink option");
                    case "job" -> keyValue(o.job, value, "a job option");
                    default -> throw new IllegalArgumentException("unknown option");
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "Option '" + name + "': " + e.getMessage() + " (got '" + value + "')", e);
            }
        }
        if (o.standalone && !o.stateSizes.isEmpty()) {
            throw new IllegalArgumentException(
                    "Option 'cluster': the state benchmark (--state-sizes) runs on the MiniCluster"
                            + " only (got 'standalone')");
        }
        return o;
    }

    private static boolean cluster(String value) {
        if (!value.equals("mini") && !value.equals("standalone")) {
            throw new IllegalArgumentException("must be mini or standalone");
        }
        return value.equals("standalone");
    }

    private static void keyValue(Map<String, String> options, String value, String what) {
        int equals = value.indexOf('=');
        if (equals <= 0 || equals == value.length() - 1) {
            throw new IllegalArgumentException("must be key=value, " + what);
        }
        options.put(value.substring(0, equals).trim(), value.substring(equals + 1).trim());
    }

    private static int shards(int value) {
        if (value <= 0 || value > Workload.MAX_SHARDS) {
            throw new IllegalArgumentException("must be between 1 and " + Workload.MAX_SHARDS);
        }
        return value;
    }

    private static int positive(int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("must be positive");
        }
        return value;
    }

    private static double positive(double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException("must be positive");
        }
        return value;
    }

    private static boolean bool(String value) {
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("must be true or false");
        }
        return value.equals("true");
    }

    private static double nonNegative(double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException("must not be negative");
        }
        return value;
    }

    private static List<Long> sizes(String value) {
        List<Long> sizes = new ArrayList<>();
        for (String part : value.split(",")) {
            long size = Long.parseLong(part.trim());
            if (size < 1_000) {
                throw new IllegalArgumentException("must be at least 1000 subscriptions");
            }
            sizes.add(size);
        }
        return sizes;
    }

    private static List<String> backends(String value) {
        List<String> chosen = Arrays.stream(value.split(",")).map(String::trim).toList();
        for (String s : chosen) {
            if (!s.equals("rocksdb") && !s.equals("hashmap")) {
                throw new IllegalArgumentException("must be among [rocksdb, hashmap]");
            }
        }
        return chosen;
    }

    private static List<Double> percents(String value) {
        List<Double> percents = rates(value);
        if (percents.stream().anyMatch(p -> p > 100)) {
            throw new IllegalArgumentException("must be percentages of at most 100, or off");
        }
        return percents;
    }

    private static List<Double> rates(String value) {
        List<Double> rates = new ArrayList<>();
        for (String part : value.split(",")) {
            rates.add(positive(Double.parseDouble(part.trim())));
        }
        return rates;
    }

    private static List<String> scenarios(String value) {
        List<String> chosen = Arrays.stream(value.split(",")).map(String::trim).toList();
        for (String s : chosen) {
            if (!SCENARIOS.contains(s)) {
                throw new IllegalArgumentException("must be among " + SCENARIOS);
            }
        }
        return chosen;
    }
}

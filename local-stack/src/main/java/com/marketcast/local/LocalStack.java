package com.marketcast.local;

import com.marketcast.embedded.EmbeddedKafka;
import com.marketcast.embedded.EmbeddedPostgres;
import com.marketcast.embedded.FreePorts;
import com.marketcast.embedded.RedisServer;
import com.marketcast.embedded.TempDirs;
import com.marketcast.gateway.Gateway;
import com.marketcast.gateway.GatewayOptions;
import com.marketcast.odds.OddsJob;
import com.marketcast.odds.OddsSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-command local system (PROTOCOL section 6): Kafka, Redis, the catalog database, the odds
 * job on a MiniCluster, a market generator, catalog changes, demo channels and a live tail of two
 * of them, and the gateway with the live odds page ({@code --gateway-port}, 8080).
 *
 * <p>Without {@code --bootstrap-servers} / {@code --redis} / {@code --catalog-url} it starts an
 * in-process Kafka broker, a private redis-server and a private PostgreSQL loaded with the sample
 * catalog ({@code sql/catalog}, packaged on the classpath), feeds the catalog's markets with the
 * {@link MarketGenerator} and changes the catalog with the {@link CatalogChurn}; given them, it
 * runs the job against those services and generates only with {@code --generate}, so an outside
 * client can drive it through the topics alone (an outside catalog is read, never changed). With
 * {@code --no-catalog} the job runs without a catalog and the generator invents its markets. The
 * job gets a replication slot of its own ({@code marketcast_local_<pid>} unless {@code
 * --catalog-slot} is given), dropped on exit.
 *
 * <p>Everything it starts is stopped by one shutdown hook, in reverse order of start (tails and
 * demo channels, churn, generator, job, the job's replication slot, PostgreSQL, Kafka,
 * redis-server), so Ctrl-C leaves no process, no slot and no temp directory behind. One hook rather
 * than one per service because the JVM runs hooks concurrently: Kafka must not vanish under a job
 * that is still being cancelled.
 */
public final class LocalStack {
    static {
        useConsoleLoggingConfig();
    }

    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);
    private static final Duration REPORT_INTERVAL = Duration.ofSeconds(10);
    private static final Duration JOB_STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final int PREFERRED_REST_PORT = 8081;

    /** How long the demo channels wait for the job to know their markets before they open. */
    private static final Duration DEMO_READY_TIMEOUT = Duration.ofSeconds(60);

    /** Demo channel D: tennis starting within two hours; kick-offs make markets leave it. */
    static final String DEMO_QUERY_SPORT = "tennis";

    static final int DEMO_QUERY_MINUTES = 120;
    static final String DEMO_QUERY =
            "{\"sport\":\""
                    + DEMO_QUERY_SPORT
                    + "\",\"startsWithinMinutes\":"
                    + DEMO_QUERY_MINUTES
                    + "}";

    /**
     * Debezium's error log of the replication stream, closed under it when the job is cancelled.
     */
    private static final String DEBEZIUM_ERROR_HANDLER = "io.debezium.pipeline.ErrorHandler";

    private final LocalStackOptions options;
    private final PrintStream out;
    private final Deque<Stoppable> started = new ArrayDeque<>();
    private volatile boolean stopping;
    private JobClient job;
    private boolean ownCatalog;
    private LocalCatalog catalog;
    private Gateway gateway;

    /**
     * Something to stop on shutdown, with a name for the log; a clean-up step ({@code logStop}
     * false) logs what it did itself.
     */
    private record Stoppable(String name, AutoCloseable resource, boolean logStop) {}

    LocalStack(LocalStackOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(LocalStackOptions.usage());
            return;
        }
        LocalStackOptions options;
        try {
            options = LocalStackOptions.parse(args);
            // fail on a bad job option before starting anything
            OddsSettings.fromArgs(
                    jobArgs(
                            options,
                            Map.of(
                                    LocalStackOptions.BOOTSTRAP_SERVERS, "127.0.0.1:9092",
                                    LocalStackOptions.REDIS, "redis://127.0.0.1:6379")));
        } catch (IllegalArgumentException e) {
            System.err.println("run-local: " + e.getMessage());
            System.err.println(LocalStackOptions.usage());
            System.exit(2);
            return;
        }
        LocalStack stack = new LocalStack(options, System.out);
        Runtime.getRuntime().addShutdownHook(new Thread(stack::stop, "local-stack-shutdown"));
        try {
            stack.start();
        } catch (Throwable e) {
            if (stack.stopping || shutdownInProgress()) {
                return; // Ctrl-C while starting: the shutdown hook is cleaning up
            }
            // an Error too: the services started so far keep the JVM alive until the hook stops
            // them
            LOG.error("The local stack failed to start", e);
            System.exit(1);
        }
        stack.awaitJob();
    }

    /** Starts everything; returns once the job is submitted and the demo channels are open. */
    void start() throws Exception {
        Path runDir = Files.createTempDirectory("marketcast-run-");
        register("run directory " + runDir, () -> TempDirs.deleteRecursively(runDir));

        String redisUri;
        if (options.jobOption(LocalStackOptions.REDIS).isPresent()) {
            redisUri = options.jobOption(LocalStackOptions.REDIS).get();
        } else {
            RedisServer redis = RedisServer.start().withoutShutdownHook();
            register("redis-server", redis);
            redisUri = redis.uri();
        }

        // the job's own defaults name the topics; the bootstrap/redis placeholders are replaced
        // below
        Map<String, String> services = new LinkedHashMap<>();
        services.put(LocalStackOptions.BOOTSTRAP_SERVERS, "127.0.0.1:9092");
        services.put(LocalStackOptions.REDIS, redisUri);
        OddsSettings names = OddsSettings.fromArgs(jobArgs(options, services));
        String bootstrapServers;
        boolean embeddedKafka = options.jobOption(LocalStackOptions.BOOTSTRAP_SERVERS).isEmpty();
        if (embeddedKafka) {
            EmbeddedKafka kafka = EmbeddedKafka.start().withoutShutdownHook();
            register("Kafka", kafka);
            kafka.createTopic(names.updatesTopic(), 4);
            kafka.createTopic(names.commandsTopic(), 2);
            kafka.createTopic(names.deadLettersTopic(), 1);
            bootstrapServers = kafka.bootstrapServers();
        } else {
            bootstrapServers = options.jobOption(LocalStackOptions.BOOTSTRAP_SERVERS).get();
        }
        services.put(LocalStackOptions.BOOTSTRAP_SERVERS, bootstrapServers);

        ownCatalog = false;
        EmbeddedPostgres postgres = null;
        if (!options.noCatalog() && options.jobOption(LocalStackOptions.CATALOG_URL).isEmpty()) {
            postgres = EmbeddedPostgres.start().withoutShutdownHook();
            register("PostgreSQL", postgres);
            LocalCatalog.loadSample(postgres);
            services.put(LocalStackOptions.CATALOG_URL, postgres.jdbcUrl());
            services.put(LocalStackOptions.CATALOG_USER, postgres.user());
            services.put(LocalStackOptions.CATALOG_PASSWORD, postgres.password());
            ownCatalog = true;
        }
        if (!options.noCatalog() && options.jobOption(LocalStackOptions.CATALOG_SLOT).isEmpty()) {
            // one slot per job: a second stack against the same database must not share it
            services.put(
                    LocalStackOptions.CATALOG_SLOT,
                    "marketcast_local_" + ProcessHandle.current().pid());
        }
        OddsSettings settings = OddsSettings.fromArgs(jobArgs(options, services));
        catalog = null;
        if (settings.catalogEnabled()) {
            catalog =
                    new LocalCatalog(
                            settings.catalogUrl(),
                            settings.catalogUser(),
                            settings.catalogPassword());
            String slot = settings.catalogSlot();
            LOG.info(
                    "The job reads the catalog {} through replication slot {} and publication {}",
                    settings.catalogUrl(),
                    slot,
                    settings.catalogPublication());
            // stopped after the job (last registered, first stopped) and before PostgreSQL
            registerCleanup(
                    "dropping replication slot " + slot, slotDropper(postgres, catalog, slot));
        }

        Configuration conf = flinkConfiguration(runDir, settings);
        int parallelism = settings.parallelism().orElse(conf.get(CoreOptions.DEFAULT_PARALLELISM));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        job = OddsJob.start(env, settings);
        register("odds job " + job.getJobID(), this::stopJob);

        StreamCounter counter = new StreamCounter(redisUri);
        register("stream counter", counter);

        MarketGenerator generator = null;
        CatalogChurn churn = null;
        if (options.runGenerator()) {
            MarketGenerator.Settings generatorSettings =
                    MarketGenerator.Settings.defaults(settings.updatesTopic())
                            .withMarkets(options.markets)
                            .withRate(options.rate);
            if (options.seed != null) {
                generatorSettings = generatorSettings.withSeed(options.seed);
            }
            if (catalog != null) {
                // the feed prices the catalog's markets
                MarketSimulation simulation =
                        new MarketSimulation(catalog.openMarkets(), generatorSettings.seed());
                generator =
                        MarketGenerator.toKafka(bootstrapServers, generatorSettings, simulation);
            } else {
                generator = MarketGenerator.toKafka(bootstrapServers, generatorSettings);
            }
            register("market generator", generator);
            if (ownCatalog && options.catalogChurnMs > 0) {
                // only the stack's own database: an outside catalog is not ours to change
                churn =
                        new CatalogChurn(
                                catalog,
                                generator.simulation(),
                                Duration.ofMillis(options.catalogChurnMs),
                                generatorSettings.seed() + 1);
                register("catalog churn", churn);
            }
        }

        List<DemoChannels.Channel> channels = List.of();
        if (options.demoChannels) {
            List<String> hot =
                    generator != null ? generator.hottestMarkets(30) : defaultMarketIds(30);
            channels = demoChannels(hot, settings.catalogEnabled());
            if (churn != null) {
                // the churn draws half of its changes to what the tails show
                churn.focus(channels.get(0).markets(), DEMO_QUERY_SPORT, DEMO_QUERY_MINUTES);
            }
            // listen before BEGIN_STREAM: the job publishes the snapshots at once
            for (DemoChannels.Channel channel : channels) {
                if (!channel.tailed()) {
                    continue;
                }
                ChannelTail tail =
                        new ChannelTail(redisUri, channel.channelId(), channel.label(), out);
                register("tail of channel " + channel.label(), tail);
                if (!tail.awaitSubscribed(Duration.ofSeconds(10))) {
                    throw new IllegalStateException("could not subscribe to Redis at " + redisUri);
                }
            }
        }
        if (generator != null) {
            generator.start();
        }
        if (!channels.isEmpty() && (settings.catalogEnabled() || generator != null)) {
            awaitDemoMarkets(redisUri, channels, settings.catalogEnabled(), generator != null);
        }
        // the banner before the channels open: their tails print from then on
        printBanner(
                embeddedKafka,
                bootstrapServers,
                redisUri,
                conf,
                parallelism,
                settings,
                generator,
                churn,
                channels);
        if (options.gateway) {
            startGateway(bootstrapServers, redisUri, settings);
        }
        if (!channels.isEmpty()) {
            DemoChannels demo = new DemoChannels(bootstrapServers, settings.commandsTopic());
            register("demo channels", demo);
            channels.forEach(demo::open);
        }
        if (churn != null) {
            // after the channels open, so that the tails show its first changes
            churn.start();
        }
        startReports(settings, bootstrapServers, counter, churn);
    }

    /** The gateway on --gateway-port, against the stack's Kafka and Redis; prints where to look. */
    private void startGateway(String bootstrapServers, String redisUri, OddsSettings settings)
            throws Exception {
        gateway =
                Gateway.start(
                        GatewayOptions.fromMap(
                                Map.of(
                                        "port",
                                        Integer.toString(options.gatewayPort),
                                        "bootstrap-servers",
                                        bootstrapServers,
                                        "redis",
                                        redisUri,
                                        "commands-topic",
                                        settings.commandsTopic(),
                                        "channel-ttl",
                                        settings.channelTtl().toMillis() + "ms"),
                                System::getenv));
        register("gateway", gateway);
        out.println("open http://localhost:" + gateway.port());
    }

    /** The gateway's port, once started. */
    int gatewayPort() {
        return gateway.port();
    }

    /**
     * Drops the job's replication slot once the job has stopped: through the private PostgreSQL, or
     * with a JDBC connection to the outside catalog (a slot outlives its job and pins WAL).
     */
    private static AutoCloseable slotDropper(
            EmbeddedPostgres postgres, LocalCatalog catalog, String slot) {
        if (postgres == null) {
            return () -> catalog.dropSlot(slot);
        }
        return () -> {
            if (postgres.dropReplicationSlot(slot)) {
                LOG.info("Dropped replication slot {} of {}", slot, postgres.jdbcUrl());
            } else {
                LOG.info("No replication slot {} in {} to drop", slot, postgres.jdbcUrl());
            }
        };
    }

    /**
     * Waits (at most {@link #DEMO_READY_TIMEOUT}) until the job has the catalog data and the first
     * prices of the listed demo markets, so that their first snapshots are complete. It reads the
     * job's mirror in Redis: with an outside Redis a mirror left by an earlier run may end the wait
     * early, which costs only the completeness of those first snapshots.
     */
    private static void awaitDemoMarkets(
            String redisUri, List<DemoChannels.Channel> channels, boolean names, boolean prices) {
        List<String> markets =
                channels.stream().flatMap(c -> c.markets().stream()).distinct().toList();
        if (markets.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        if (MarketMirror.awaitReady(redisUri, markets, names, prices, DEMO_READY_TIMEOUT)) {
            LOG.info(
                    "The job has the {}{} of the {} demo markets after {} ms; opening the demo"
                            + " channels",
                    names ? "catalog data" : "",
                    names && prices ? " and prices" : prices ? "prices" : "",
                    markets.size(),
                    (System.nanoTime() - started) / 1_000_000);
        } else {
            LOG.warn(
                    "The job does not know all {} demo markets after {}; opening the demo channels"
                            + " anyway (their first snapshots may lack names or prices)",
                    markets.size(),
                    DEMO_READY_TIMEOUT);
        }
    }

    /** Blocks until the job ends; a job that ends by itself (not by Ctrl-C) ends the stack too. */
    void awaitJob() {
        try {
            job.getJobExecutionResult().get();
            if (!stopping) {
                LOG.warn("The odds job finished; stopping the local stack");
                System.exit(0);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            if (!stopping) {
                LOG.error("The odds job failed; stopping the local stack", e.getCause());
                System.exit(1);
            }
        }
    }

    /** Stops everything started, last first. Runs once, from the shutdown hook. */
    void stop() {
        stopping = true;
        synchronized (started) {
            if (!started.isEmpty()) {
                out.println("Stopping the local stack ...");
            }
            while (!started.isEmpty()) {
                Stoppable s = started.pop();
                try {
                    s.resource().close();
                    if (s.logStop()) {
                        LOG.info("Stopped {}", s.name());
                    }
                } catch (Exception e) {
                    LOG.warn("{} failed", s.logStop() ? "Stopping " + s.name() : s.name(), e);
                }
            }
        }
    }

    /**
     * Records a started resource for {@link #stop()}. A Ctrl-C while starting may have run the stop
     * already: then the resource is closed at once (a redis-server started now would outlive the
     * JVM) and starting aborts.
     */
    private void register(String name, AutoCloseable resource) throws Exception {
        register(new Stoppable(name, resource, true));
    }

    /** A clean-up step for {@link #stop()} that logs what it does itself. */
    private void registerCleanup(String name, AutoCloseable action) throws Exception {
        register(new Stoppable(name, action, false));
    }

    private void register(Stoppable stoppable) throws Exception {
        synchronized (started) {
            if (stopping) {
                stoppable.resource().close();
                throw new IllegalStateException("stopped while starting " + stoppable.name());
            }
            started.push(stoppable);
        }
    }

    /** The JVM refuses new shutdown hooks once it has begun to shut down. */
    private static boolean shutdownInProgress() {
        Thread probe = new Thread(() -> {});
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException shuttingDown) {
            return true;
        }
    }

    private void stopJob() throws Exception {
        // cancelling closes the replication connection under Debezium's reader, which logs that
        // as an error with a stack trace: expected here, so not shown
        try {
            Configurator.setLevel(DEBEZIUM_ERROR_HANDLER, Level.OFF);
        } catch (RuntimeException | LinkageError notLog4j) {
            // another logging backend: the error shows, nothing else changes
        }
        JobStatus status = job.getJobStatus().get(5, TimeUnit.SECONDS);
        if (!status.isGloballyTerminalState()) {
            job.cancel().get(JOB_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            job.getJobExecutionResult().get(JOB_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException cancelled) {
            // the expected end of a cancelled job
        }
    }

    /**
     * flink-conf/config.yaml, with what must differ for a run on this machine: a checkpoint dir of
     * this run, enough slots for the parallelism, and a REST port that is free.
     */
    private Configuration flinkConfiguration(Path runDir, OddsSettings settings)
            throws IOException {
        Path confDir = locateFlinkConf(options.flinkConf);
        Configuration conf;
        if (confDir == null) {
            LOG.warn(
                    "No flink-conf directory found (give --flink-conf DIR); using Flink's"
                            + " defaults");
            conf = new Configuration();
        } else {
            conf = GlobalConfiguration.loadConfiguration(confDir.toString());
        }
        // process sizes are for the JVMs of a real cluster; in this one JVM Flink ignores them,
        // with a warning
        conf.removeConfig(TaskManagerOptions.TOTAL_PROCESS_MEMORY);
        conf.removeConfig(JobManagerOptions.TOTAL_PROCESS_MEMORY);
        Path checkpoints = Files.createDirectories(runDir.resolve("checkpoints"));
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        int parallelism = settings.parallelism().orElse(conf.get(CoreOptions.DEFAULT_PARALLELISM));
        conf.set(
                TaskManagerOptions.NUM_TASK_SLOTS,
                Math.max(conf.get(TaskManagerOptions.NUM_TASK_SLOTS), parallelism));
        int restPort =
                isFree(conf.get(RestOptions.PORT)) ? conf.get(RestOptions.PORT) : FreePorts.next();
        conf.set(RestOptions.PORT, restPort);
        conf.set(RestOptions.BIND_PORT, Integer.toString(restPort));
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "localhost");
        return conf;
    }

    /**
     * --flink-conf, else -Dmarketcast.flink-conf (bin/run-local), else ./flink-conf or
     * ../flink-conf.
     */
    static Path locateFlinkConf(Path given) {
        if (given != null) {
            if (!Files.isRegularFile(given.resolve("config.yaml"))
                    && !Files.isRegularFile(given.resolve("flink-conf.yaml"))) {
                throw new IllegalArgumentException(
                        "Option 'flink-conf': no config.yaml in " + given.toAbsolutePath());
            }
            return given;
        }
        List<Path> candidates = new ArrayList<>();
        String property = System.getProperty("marketcast.flink-conf");
        if (property != null) {
            candidates.add(Path.of(property));
        }
        candidates.add(Path.of("flink-conf"));
        candidates.add(Path.of("..", "flink-conf"));
        return candidates.stream()
                .filter(dir -> Files.isRegularFile(dir.resolve("config.yaml")))
                .findFirst()
                .orElse(null);
    }

    /** The job's args with the services the stack decided on. */
    private static String[] jobArgs(LocalStackOptions options, Map<String, String> services) {
        return options.jobArgsWith(services).toArray(new String[0]);
    }

    /**
     * A: 5 mid-table markets in DECIMAL, tailed; B: the 10 hottest, FRACTIONAL, throttled to 1/s;
     * C: 20, AMERICAN; with a catalog D: a query, tailed, so markets join and leave as the catalog
     * changes.
     */
    private static List<DemoChannels.Channel> demoChannels(List<String> hot, boolean catalog) {
        List<String> forA =
                hot.size() >= 25 ? hot.subList(20, 25) : hot.subList(0, Math.min(5, hot.size()));
        List<DemoChannels.Channel> channels = new ArrayList<>();
        channels.add(
                new DemoChannels.Channel("A", DemoChannels.newChannelId(), "DECIMAL", 0, forA));
        channels.add(
                new DemoChannels.Channel(
                        "B",
                        DemoChannels.newChannelId(),
                        "FRACTIONAL",
                        1000,
                        hot.subList(0, Math.min(10, hot.size()))));
        channels.add(
                new DemoChannels.Channel(
                        "C",
                        DemoChannels.newChannelId(),
                        "AMERICAN",
                        0,
                        hot.subList(0, Math.min(20, hot.size()))));
        if (catalog) {
            channels.add(
                    new DemoChannels.Channel(
                            "D", DemoChannels.newChannelId(), "DECIMAL", 0, List.of(), DEMO_QUERY));
        }
        return channels;
    }

    /** The ids a default generator gives its hottest markets, for a feed from outside the stack. */
    private static List<String> defaultMarketIds(int n) {
        return IntStream.range(0, n).mapToObj(k -> "m-" + (1001 + k)).toList();
    }

    private void printBanner(
            boolean embeddedKafka,
            String bootstrapServers,
            String redisUri,
            Configuration conf,
            int parallelism,
            OddsSettings settings,
            MarketGenerator generator,
            CatalogChurn churn,
            List<DemoChannels.Channel> channels) {
        boolean webUi = LocalStack.class.getClassLoader().getResource("web/index.html") != null;
        StringBuilder b = new StringBuilder();
        b.append("\n==== marketcast local stack ====\n");
        b.append(
                String.format(
                        "  Kafka        %s%s%n",
                        bootstrapServers,
                        embeddedKafka
                                ? "  (in-process broker; topics "
                                        + settings.updatesTopic()
                                        + "/4, "
                                        + settings.commandsTopic()
                                        + "/2, "
                                        + settings.deadLettersTopic()
                                        + "/1)"
                                : ""));
        b.append(
                String.format(
                        "  Redis        %s%s%n",
                        redisUri,
                        options.jobOption(LocalStackOptions.REDIS).isPresent()
                                ? ""
                                : "  (private redis-server)"));
        if (settings.catalogEnabled()) {
            b.append(
                    String.format(
                            "  catalog      %s  (%sslot %s, publication %s)%n",
                            settings.catalogUrl(),
                            ownCatalog
                                    ? "private PostgreSQL with sql/catalog/sample-data.sql; "
                                    : "",
                            settings.catalogSlot(),
                            settings.catalogPublication()));
        } else {
            b.append("  catalog      off (--no-catalog): markets carry feed data only\n");
        }
        b.append(
                String.format(
                        "  Flink        %s http://localhost:%d  (MiniCluster, parallelism %d)%n",
                        webUi ? "web UI" : "REST", conf.get(RestOptions.PORT), parallelism));
        b.append(
                String.format(
                        "  checkpoints  %s every %s%n",
                        conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY),
                        settings.checkpointInterval()));
        if (generator != null) {
            MarketGenerator.Settings g = generator.settings();
            b.append(
                    String.format(
                            "  generator    %d markets%s, %.0f updates/s, --seed %d%n",
                            generator.simulation().size(),
                            settings.catalogEnabled() ? " of the catalog" : "",
                            g.rate(),
                            g.seed()));
            if (churn != null) {
                b.append(
                        String.format(
                                "  churn        a catalog change every %d ms (suspend/reopen,"
                                        + " kick-off moved, in play, renamed, closed/added)%n",
                                options.catalogChurnMs));
            }
        } else {
            b.append(
                    "  generator    off (feed "
                            + settings.updatesTopic()
                            + " yourself, or add --generate)\n");
        }
        for (DemoChannels.Channel c : channels) {
            b.append(
                    String.format(
                            "  channel %s    stream:%s  %s%s, %s%s%n",
                            c.label(),
                            c.channelId(),
                            c.oddsFormat(),
                            c.throttleMs() > 0 ? " throttled " + c.throttleMs() + " ms" : "",
                            c.query() != null
                                    ? "query " + c.query()
                                    : c.markets().size() + " markets",
                            c.tailed() ? "  (tailed)" : ""));
            b.append("               watches ").append(watches(c)).append('\n');
        }
        b.append("  Ctrl-C stops everything.\n");
        if (!channels.isEmpty()) {
            b.append(
                    "---- live tail of channel"
                            + (channels.stream().filter(DemoChannels.Channel::tailed).count() > 1
                                    ? "s "
                                    : " ")
                            + String.join(
                                    " and ",
                                    channels.stream()
                                            .filter(DemoChannels.Channel::tailed)
                                            .map(DemoChannels.Channel::label)
                                            .toList())
                            + " ----");
        }
        out.println(b);
    }

    /** What a demo channel watches, for the banner: its markets and their events, or its query. */
    private String watches(DemoChannels.Channel channel) {
        if (channel.query() != null && !channel.query().equals(DEMO_QUERY)) {
            return "every market its query matches";
        }
        if (channel.query() != null) {
            String what =
                    DEMO_QUERY_SPORT
                            + " events starting within "
                            + DEMO_QUERY_MINUTES
                            + " minutes (markets join and leave as kick-offs move and events go"
                            + " in play)";
            if (catalog != null) {
                long now = catalog.marketsStartingWithin(DEMO_QUERY_SPORT, DEMO_QUERY_MINUTES);
                if (now >= 0) {
                    what += ", " + now + " markets now";
                }
            }
            return what;
        }
        List<String> ids = channel.markets();
        String markets =
                ids.size() <= 5
                        ? String.join(" ", ids)
                        : String.join(" ", ids.subList(0, 3)) + " … " + ids.get(ids.size() - 1);
        if (catalog == null) {
            return markets;
        }
        List<String> events = catalog.eventNames(ids);
        if (events.isEmpty()) {
            return markets;
        }
        String shown = String.join(", ", events.subList(0, Math.min(3, events.size())));
        if (events.size() > 3) {
            shown += " and " + (events.size() - 3) + " more";
        }
        return markets + " of " + shown;
    }

    private void startReports(
            OddsSettings settings,
            String bootstrapServers,
            StreamCounter counter,
            CatalogChurn churn)
            throws Exception {
        TopicCounter topics = new TopicCounter(bootstrapServers);
        ScheduledExecutorService reports =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "local-stack-report");
                            t.setDaemon(true);
                            return t;
                        });
        register(
                "rate reports",
                () -> {
                    reports.shutdownNow();
                    topics.close();
                });
        long[] last = {
            topics.records(settings.updatesTopic()),
            counter.messages(),
            topics.records(settings.deadLettersTopic()),
            System.nanoTime()
        };
        reports.scheduleAtFixedRate(
                () -> {
                    long updates = topics.records(settings.updatesTopic());
                    long messages = counter.messages();
                    long deadLetters = topics.records(settings.deadLettersTopic());
                    long now = System.nanoTime();
                    double seconds = (now - last[3]) / 1e9;
                    String status;
                    try {
                        status = job.getJobStatus().get(2, TimeUnit.SECONDS).name();
                    } catch (Exception e) {
                        status = "?";
                    }
                    out.printf(
                            "%s RATE  updates in %.1f/s  |  channel messages %.1f/s  |  dead"
                                    + " letters %s (+%s)%s  |  job %s%n",
                            LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss.SSS")),
                            rate(updates, last[0], seconds),
                            rate(messages, last[1], seconds),
                            deadLetters < 0 ? "?" : Long.toString(deadLetters),
                            deadLetters < 0 || last[2] < 0
                                    ? "?"
                                    : Long.toString(deadLetters - last[2]),
                            churn == null ? "" : "  |  catalog changes " + churn.total(),
                            status);
                    if (churn != null) {
                        LOG.info("Catalog churn: {}", churn.summary());
                    }
                    last[0] = updates;
                    last[1] = messages;
                    last[2] = deadLetters;
                    last[3] = now;
                },
                REPORT_INTERVAL.toMillis(),
                REPORT_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private static double rate(long now, long before, double seconds) {
        return now < 0 || before < 0 ? Double.NaN : (now - before) / seconds;
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException inUse) {
            return false;
        }
    }

    /** Console logging from flink-conf/log4j-console.properties unless a config was given. */
    private static void useConsoleLoggingConfig() {
        if (System.getProperty("log4j2.configurationFile") != null
                || System.getProperty("log4j.configurationFile") != null) {
            return;
        }
        Path conf = locateFlinkConf(null);
        if (conf != null && Files.isRegularFile(conf.resolve("log4j-console.properties"))) {
            System.setProperty(
                    "log4j2.configurationFile",
                    conf.resolve("log4j-console.properties").toAbsolutePath().toString());
        }
    }
}

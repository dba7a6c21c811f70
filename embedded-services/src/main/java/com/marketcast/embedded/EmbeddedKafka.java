package com.marketcast.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.server.MetaProperties;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * A single-node Kafka broker in this JVM: one KRaft node that is both broker and controller, on
 * free loopback ports, with its log directory in a temp folder that {@link #close()} deletes.
 *
 * <p>{@code KafkaRaftServer} and {@code StorageTool} are Kafka internals (kafka_2.13 3.4.0, the
 * version of the kafka-clients the Flink connector brings). They stay in this one class, so a Kafka
 * upgrade touches nothing else. A JVM shutdown hook stops the broker, so an interrupted run leaves
 * no temp directory behind.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);
    private static final int NODE_ID = 1;

    private final int brokerPort;
    private final int controllerPort;
    private final Path logDir;
    private final Thread shutdownHook;
    private KafkaRaftServer server;

    private EmbeddedKafka(int brokerPort, int controllerPort, Path logDir) {
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.logDir = logDir;
        this.shutdownHook = new Thread(this::stop, "kafka-embedded-shutdown-" + brokerPort);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Formats a fresh log directory and starts the broker on free loopback ports. */
    public static EmbeddedKafka start() {
        EmbeddedKafka kafka;
        try {
            kafka =
                    new EmbeddedKafka(
                            FreePorts.next(),
                            FreePorts.next(),
                            Files.createTempDirectory("kafka-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            kafka.launch();
            return kafka;
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    /** The {@code bootstrap.servers} value for clients. */
    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    /**
     * Creates a topic with replication factor 1 and returns once the broker serves its metadata. A
     * topic that already exists with that name is left as it is.
     */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /** The same, with topic configs (for example {@code message.timestamp.type}). */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = admin()) {
            try {
                admin.createTopics(
                                List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                        .all()
                        .get(TOPIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + name, e.getCause());
                }
            }
            // createTopics completes when the controller has the topic; wait until the broker
            // serves it too, or a producer started right after may see UNKNOWN_TOPIC_OR_PARTITION.
            long deadline = System.nanoTime() + TOPIC_TIMEOUT.toNanos();
            while (true) {
                try {
                    long ready =
                            admin
                                    .describeTopics(Set.of(name))
                                    .allTopicNames()
                                    .get(TOPIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                                    .get(name)
                                    .partitions()
                                    .stream()
                                    .filter(p -> p.leader() != null && !p.leader().isEmpty())
                                    .count();
                    if (ready == partitions) {
                        return;
                    }
                } catch (ExecutionException notYetVisible) {
                    // UnknownTopicOrPartitionException until the broker's metadata catches up
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "topic " + name + " has no leaders after " + TOPIC_TIMEOUT);
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic " + name, e);
        }
    }

    /**
     * Leaves stopping to the caller: for a caller that stops several services in order from its own
     * shutdown hook (JVM shutdown hooks run concurrently, in no order).
     */
    public EmbeddedKafka withoutShutdownHook() {
        removeShutdownHook();
        return this;
    }

    /** Stops the broker and deletes its log directory. */
    @Override
    public void close() {
        stop();
        removeShutdownHook();
    }

    private void removeShutdownHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void launch() {
        long started = System.nanoTime();
        KafkaConfig config = KafkaConfig.fromProps(brokerProperties(), false);
        format(config);
        server = new KafkaRaftServer(config, Time.SYSTEM, Option.apply("kafka-embedded"));
        server.startup();
        awaitBroker();
        LOG.info(
                "Kafka (KRaft broker+controller) listening on {} (controller 127.0.0.1:{}, log dir"
                        + " {}) after {} ms",
                bootstrapServers(),
                controllerPort,
                logDir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private Properties brokerProperties() {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        props.put(
                "listeners",
                "PLAINTEXT://127.0.0.1:"
                        + brokerPort
                        + ",CONTROLLER://127.0.0.1:"
                        + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        // one node: every internal topic has a single replica
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        // consumers join a group at once instead of waiting 3 s for more members
        props.put("group.initial.rebalance.delay.ms", "0");
        // Flink's exactly-once Kafka sink asks for 1 h transactions; the default cap is 15 min
        props.put("transaction.max.timeout.ms", "3600000");
        // the default 128 MB cleaner buffer is sized for a production broker, not a test JVM
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("background.threads", "2");
        return props;
    }

    /**
     * What {@code kafka-storage.sh format} does: writes meta.properties and the bootstrap
     * checkpoint.
     */
    private void format(KafkaConfig config) {
        MetaProperties meta =
                StorageTool.buildMetadataProperties(Uuid.randomUuid().toString(), config);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit =
                StorageTool.formatCommand(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        StorageTool.configToLogDirectories(config),
                        meta,
                        MetadataVersion.latest(),
                        false);
        if (exit != 0) {
            throw new IllegalStateException(
                    "formatting " + logDir + " failed: " + out.toString(StandardCharsets.UTF_8));
        }
    }

    /** {@code startup()} returns before the broker is unfenced; wait until it answers clients. */
    private void awaitBroker() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(1, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException notYet) {
                    // not serving yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "Kafka did not serve "
                                    + bootstrapServers()
                                    + " within "
                                    + START_TIMEOUT);
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Kafka", e);
        }
    }

    private Admin admin() {
        return Admin.create(
                Map.of(
                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
    }

    private synchronized void stop() {
        if (server != null) {
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (RuntimeException e) {
                LOG.warn("Kafka on {} did not shut down cleanly", bootstrapServers(), e);
            }
            server = null;
            LOG.info("Kafka on {} stopped", bootstrapServers());
        }
        TempDirs.deleteRecursively(logDir);
    }
}

package com.marketcast.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.marketcast.embedded.FreePorts;
import com.marketcast.standalone.StandaloneFlinkCluster;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job under test on a real Flink standalone cluster ({@link StandaloneFlinkCluster}): a
 * JobManager and one TaskManager, each a JVM of its own, started from flink-conf/ with the
 * scenario's options. The broker, the feed and the subscribers stay in the benchmark's JVM, so the
 * TaskManager's garbage collections stop only the job, and the benchmark's only the harness.
 *
 * <p>The job is defined here, as on the MiniCluster, and submitted with the job jar ({@code
 * marketcast.job-jar}) and the benchmark's own classes (B3's reducer) as its user code. The
 * TaskManager is watched over JMX (Flink's {@code jmx.server.port}); the checkpoints through the
 * REST API.
 */
final class StandaloneJob implements AutoCloseable {
    /** The system property naming the job jar of {@code mvn package -pl jobs}. */
    static final String JOB_JAR = "marketcast.job-jar";

    private final StandaloneFlinkCluster cluster;
    private final JobClient job;
    private final JMXConnector taskManagerJmx;
    private final Map<String, String> operators = new HashMap<>();
    private final Map<Long, JobUnderTest.Checkpoint> completed = new TreeMap<>();

    private StandaloneJob(
            StandaloneFlinkCluster cluster, JobClient job, JMXConnector taskManagerJmx) {
        this.cluster = cluster;
        this.job = job;
        this.taskManagerJmx = taskManagerJmx;
        for (JsonNode vertex : cluster.get("/jobs/" + job.getJobID()).path("vertices")) {
            operators.put(vertex.path("id").asText(), vertex.path("name").asText());
        }
    }

    /**
     * Starts the cluster with {@code clusterOptions} over flink-conf/config.yaml's and submits the
     * job that {@code define} builds, with {@code jobConf} as the job's configuration.
     */
    static StandaloneJob start(
            Path flinkConf,
            Path workDir,
            Map<String, String> clusterOptions,
            Configuration jobConf,
            Consumer<StreamExecutionEnvironment> define)
            throws Exception {
        Path jobJar = jobJar();
        int jmxPort = FreePorts.next();
        Map<String, String> options = new HashMap<>(clusterOptions);
        // the JobManager and the TaskManager each take the first free port of the range
        int lastJmxPort = jmxPort + 9;
        options.put("jmx.server.port", jmxPort + "-" + lastJmxPort);
        // the REST API keeps checkpoint statistics for 3 s by default: a checkpoint that ended
        // just before a measured interval's end would be missed in its "while checkpoints ran"
        options.put(RestOptions.CACHE_CHECKPOINT_STATISTICS_TIMEOUT.key(), "100ms");
        StandaloneFlinkCluster cluster =
                StandaloneFlinkCluster.start(flinkConf, workDir, 1, options);
        JMXConnector jmx = null;
        try {
            jmx = connectToTaskManager(jmxPort, lastJmxPort);
            Configuration client = new Configuration(jobConf);
            client.set(DeploymentOptions.TARGET, "remote");
            client.set(RestOptions.ADDRESS, "localhost");
            client.set(RestOptions.PORT, URI.create(cluster.restUrl()).getPort());
            client.set(PipelineOptions.JARS, List.of(jobJar.toUri().toString()));
            client.set(PipelineOptions.CLASSPATHS, List.of(benchmarkClasses().toString()));
            // not getExecutionEnvironment: outside a Flink client it makes a local one
            StreamExecutionEnvironment env = new StreamExecutionEnvironment(client);
            define.accept(env);
            return new StandaloneJob(cluster, env.executeAsync("marketcast benchmark"), jmx);
        } catch (Exception | Error e) {
            if (jmx != null) {
                jmx.close();
            }
            cluster.close();
            throw e;
        }
    }

    /** The TaskManager JVM's platform MBeans: its collections, its threads, its process id. */
    MBeanServerConnection taskManager() throws IOException {
        return taskManagerJmx.getMBeanServerConnection();
    }

    /**
     * Every completed checkpoint seen in the JobManager's statistics, oldest first; each is read
     * once, a completed checkpoint's statistics do not change.
     */
    List<JobUnderTest.Checkpoint> checkpoints() {
        String base = "/jobs/" + job.getJobID() + "/checkpoints";
        for (JsonNode stats : cluster.get(base).path("history")) {
            long id = stats.path("id").asLong();
            if (!"COMPLETED".equals(stats.path("status").asText()) || completed.containsKey(id)) {
                continue;
            }
            Map<String, Long> byOperator = new TreeMap<>();
            Map<String, JobUnderTest.Pause> longestPauses = new TreeMap<>();
            JsonNode tasks = cluster.get(base + "/details/" + id).path("tasks");
            tasks.fieldNames()
                    .forEachRemaining(
                            vertex -> {
                                String operator = operators.get(vertex);
                                byOperator.put(
                                        operator, tasks.path(vertex).path("state_size").asLong());
                                JsonNode summary =
                                        cluster.get(base + "/details/" + id + "/subtasks/" + vertex)
                                                .path("summary");
                                longestPauses.put(
                                        operator,
                                        new JobUnderTest.Pause(
                                                summary.at("/checkpoint_duration/sync/max")
                                                        .asLong(),
                                                summary.at("/alignment/duration/max").asLong(),
                                                summary.at("/start_delay/max").asLong()));
                            });
            completed.put(
                    id,
                    new JobUnderTest.Checkpoint(
                            id,
                            stats.path("is_savepoint").asBoolean()
                                    ? "savepoint"
                                    : stats.path("checkpoint_type").asText(),
                            stats.path("trigger_timestamp").asLong(),
                            stats.path("end_to_end_duration").asLong(),
                            stats.path("state_size").asLong(),
                            stats.path("checkpointed_size").asLong(),
                            byOperator,
                            longestPauses,
                            stats.path("external_path").asText()));
        }
        return new ArrayList<>(completed.values());
    }

    @Override
    public void close() throws IOException {
        try {
            taskManagerJmx.close();
        } finally {
            cluster.close();
        }
    }

    /** The JMX server of the range's JVMs that runs the TaskManager. */
    private static JMXConnector connectToTaskManager(int firstPort, int lastPort)
            throws IOException {
        for (int port = firstPort; port <= lastPort; port++) {
            JMXConnector connector;
            try {
                connector =
                        JMXConnectorFactory.connect(
                                new JMXServiceURL(
                                        "service:jmx:rmi://localhost:"
                                                + port
                                                + "/jndi/rmi://localhost:"
                                                + port
                                                + "/jmxrmi"));
            } catch (IOException notThisPort) {
                continue;
            }
            RuntimeMXBean runtime =
                    ManagementFactory.newPlatformMXBeanProxy(
                            connector.getMBeanServerConnection(),
                            ManagementFactory.RUNTIME_MXBEAN_NAME,
                            RuntimeMXBean.class);
            if (runtime.getSystemProperties()
                    .getOrDefault("sun.java.command", "")
                    .contains("TaskManagerRunner")) {
                return connector;
            }
            connector.close();
        }
        throw new IllegalStateException(
                "no TaskManager answered JMX on ports " + firstPort + "-" + lastPort);
    }

    private static Path jobJar() {
        String property = System.getProperty(JOB_JAR);
        if (property == null) {
            throw new IllegalStateException(
                    "-D" + JOB_JAR + " must name the job jar for the standalone cluster");
        }
        Path jar = Path.of(property);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    JOB_JAR + " " + jar + " does not exist: build it with mvn package -pl jobs");
        }
        return jar;
    }

    /** Where this class was loaded from: B3's reducer travels with the job as user code. */
    private static URI benchmarkClasses() throws Exception {
        return StandaloneJob.class.getProtectionDomain().getCodeSource().getLocation().toURI();
    }
}

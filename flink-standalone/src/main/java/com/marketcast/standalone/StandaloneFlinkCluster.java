package com.marketcast.standalone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marketcast.embedded.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * A real Flink standalone session cluster on this machine, the way Flink's own scripts start one
 * (the binary distribution and its images are not needed): a JobManager JVM ({@code
 * StandaloneSessionClusterEntrypoint}) and TaskManager JVMs ({@code TaskManagerRunner}) from the
 * Flink jars on Maven Central, with the memory flags and dynamic options that {@code BashJavaUtils}
 * derives from the configuration, and the Prometheus reporter as a plugin.
 *
 * <p>The configuration is a copy of a {@code flink-conf/} directory with the ports and directories
 * of this run substituted. Jobs are submitted with {@code flink run}'s own entry point ({@code
 * CliFrontend}) in a separate client JVM. Every JVM started here is killed on {@link #close()} and
 * by a shutdown hook, so a test JVM that dies leaves no cluster behind.
 */
public final class StandaloneFlinkCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESOURCES = "/marketcast-flink-standalone/";
    private static final String EXEC_RESULT = "BASH_JAVA_UTILS_EXEC_RESULT:";
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");

    private final Path workDir;
    private final Path confDir;
    private final String classpath;
    private final Map<String, List<String>> javaOpts;
    private final int restPort;
    private final String prometheusPorts;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Thread shutdownHook;
    private int taskManagers;

    private StandaloneFlinkCluster(
            Path workDir,
            Path confDir,
            String classpath,
            Map<String, List<String>> javaOpts,
            int restPort,
            String prometheusPorts) {
        this.workDir = workDir;
        this.confDir = confDir;
        this.classpath = classpath;
        this.javaOpts = javaOpts;
        this.restPort = restPort;
        this.prometheusPorts = prometheusPorts;
        this.shutdownHook = new Thread(this::killAll, "standalone-flink-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts a JobManager and {@code taskManagers} TaskManagers configured from {@code flinkConf}
     * (its {@code config.yaml} and {@code log4j-console.properties}) and waits until their slots
     * are registered. {@code overrides} replace or add configuration keys in the copy (the ports,
     * checkpoint directories and memory sizes are always set for this run).
     */
    public static StandaloneFlinkCluster start(
            Path flinkConf, Path workDir, int taskManagers, Map<String, String> overrides) {
        try {
            Files.createDirectories(workDir);
            Path confDir = workDir.resolve("conf");
            Files.createDirectories(confDir);
            int restPort = FreePorts.next();
            int promPort = FreePorts.next();
            // one port per JVM: every JobManager and TaskManager runs a Prometheus endpoint
            String promPorts = promPort + "-" + (promPort + taskManagers + 2);
            Map<String, String> conf = new LinkedHashMap<>();
            conf.put("jobmanager.rpc.address", "localhost");
            conf.put("jobmanager.rpc.port", String.valueOf(FreePorts.next()));
            conf.put("jobmanager.bind-host", "localhost");
            conf.put("taskmanager.bind-host", "localhost");
            conf.put("taskmanager.host", "localhost");
            conf.put("rest.address", "localhost");
            conf.put("rest.bind-address", "localhost");
            conf.put("rest.port", String.valueOf(restPort));
            conf.put("metrics.reporter.prom.port", promPorts);
            conf.put("io.tmp.dirs", workDir.resolve("tmp").toString());
            conf.put(
                    "execution.checkpointing.dir",
                    workDir.resolve("checkpoints").toUri().toString());
            conf.put(
                    "execution.checkpointing.savepoint-dir",
                    workDir.resolve("savepoints").toUri().toString());
            conf.putAll(overrides);
            Files.createDirectories(workDir.resolve("tmp"));
            Files.writeString(
                    confDir.resolve("config.yaml"),
                    substitute(Files.readString(flinkConf.resolve("config.yaml")), conf));
            Files.copy(
                    flinkConf.resolve("log4j-console.properties"),
                    confDir.resolve("log4j-console.properties"),
                    StandardCopyOption.REPLACE_EXISTING);

            Path plugin = workDir.resolve("plugins/metrics-prometheus");
            Files.createDirectories(plugin);
            Path prometheusJar = Path.of(resource("metrics-prometheus.classpath").trim());
            Files.copy(
                    prometheusJar,
                    plugin.resolve(prometheusJar.getFileName()),
                    StandardCopyOption.REPLACE_EXISTING);

            String classpath = resource("lib.classpath").trim();
            Map<String, List<String>> javaOpts =
                    javaOpts(GlobalConfiguration.loadConfiguration(confDir.toString()));
            StandaloneFlinkCluster cluster =
                    new StandaloneFlinkCluster(
                            workDir, confDir, classpath, javaOpts, restPort, promPorts);
            try {
                cluster.startJobManager();
                for (int i = 0; i < taskManagers; i++) {
                    cluster.startTaskManager();
                }
                cluster.awaitTaskManagers(taskManagers, Duration.ofSeconds(90));
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare the cluster in " + workDir, e);
        }
    }

    /** The REST endpoint, e.g. {@code http://localhost:40123}. */
    public String restUrl() {
        return "http://localhost:" + restPort;
    }

    /** The configuration directory the JVMs run with (the substituted copy). */
    public Path confDir() {
        return confDir;
    }

    /** The port range of the Prometheus endpoints, one port per JVM. */
    public String prometheusPorts() {
        return prometheusPorts;
    }

    /** Starts one more TaskManager JVM. */
    public synchronized void startTaskManager() {
        int index = taskManagers++;
        List<String> params = bashJavaUtils("GET_TM_RESOURCE_PARAMS");
        List<String> command = new ArrayList<>(javaCommand(split(params.get(0)), "taskmanager"));
        command.add("org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
        command.add("--configDir");
        command.add(confDir.toString());
        command.addAll(split(params.get(1)));
        processes.add(launch(command, "taskmanager-" + index));
    }

    /**
     * Runs {@code flink run --detached [runOptions] jar jobArgs} against this cluster and returns
     * the job id it prints. The job's {@code main} runs in the client JVM, as with the {@code
     * flink} script; {@code runOptions} are e.g. {@code --fromSavepoint PATH}, {@code --parallelism
     * N}.
     */
    public String submit(Path jobJar, List<String> runOptions, List<String> jobArgs) {
        List<String> args = new ArrayList<>(List.of("run", "--detached"));
        args.addAll(runOptions);
        args.add(jobJar.toString());
        args.addAll(jobArgs);
        String output = flink(args);
        Matcher id = JOB_ID.matcher(output);
        if (!id.find()) {
            throw new IllegalStateException("flink run printed no job id:\n" + output);
        }
        return id.group(1);
    }

    /**
     * {@code flink stop --savepointPath DIR jobId}: a savepoint, then the job finishes. Returns the
     * savepoint's path.
     */
    public String stopWithSavepoint(String jobId, Path savepointDir) {
        String output =
                flink(List.of("stop", "--savepointPath", savepointDir.toUri().toString(), jobId));
        Matcher path = SAVEPOINT.matcher(output);
        if (!path.find()) {
            throw new IllegalStateException("flink stop printed no savepoint path:\n" + output);
        }
        return path.group(1);
    }

    /**
     * Runs Flink's command line client ({@code CliFrontend}, what the {@code flink} script runs) in
     * a client JVM with this cluster's configuration, and returns what it printed.
     */
    public String flink(List<String> args) {
        List<String> command = new ArrayList<>(javaCommand(List.of(), "client"));
        command.add("org.apache.flink.client.cli.CliFrontend");
        command.addAll(args);
        return runToEnd(command, "client-" + args.get(0), Duration.ofMinutes(2));
    }

    /** GET on the REST API, as JSON. */
    public JsonNode get(String path) {
        return send(HttpRequest.newBuilder(URI.create(restUrl() + path)).GET().build());
    }

    /** The job's status from the REST API, e.g. {@code RUNNING}. */
    public String jobState(String jobId) {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** Whether the job and every one of its tasks are running. */
    public boolean allTasksRunning(String jobId) {
        JsonNode job = get("/jobs/" + jobId);
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode vertex : job.path("vertices")) {
            if (vertex.path("tasks").path("RUNNING").asInt()
                    != vertex.path("parallelism").asInt()) {
                return false;
            }
        }
        return true;
    }

    /** Cancels a job (REST {@code PATCH /jobs/{id}}). */
    public void cancel(String jobId) {
        send(
                HttpRequest.newBuilder(URI.create(restUrl() + "/jobs/" + jobId + "?mode=cancel"))
                        .method("PATCH", HttpRequest.BodyPublishers.noBody())
                        .build());
    }

    /**
     * The text of every Prometheus endpoint of the cluster, one after the other; an endpoint that
     * fails to answer leaves a comment line saying so.
     */
    public String scrapePrometheus() {
        String[] range = prometheusPorts.split("-");
        StringBuilder all = new StringBuilder();
        for (int port = Integer.parseInt(range[0]); port <= Integer.parseInt(range[1]); port++) {
            try {
                HttpResponse<String> response =
                        http.send(
                                HttpRequest.newBuilder(
                                                URI.create("http://localhost:" + port + "/metrics"))
                                        // a TaskManager's page is a few thousand lines, slow
                                        // to render on a busy machine
                                        .timeout(Duration.ofSeconds(30))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                all.append(response.body());
            } catch (ConnectException notListening) {
                // a port of the range no JVM took
            } catch (IOException e) {
                all.append("# port ")
                        .append(port)
                        .append(" did not answer: ")
                        .append(e)
                        .append('\n');
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return all.toString();
    }

    /** Kills every JVM of the cluster and waits for them to exit. */
    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    // ------------------------------------------------------------------ processes

    private void startJobManager() {
        List<String> params = bashJavaUtils("GET_JM_RESOURCE_PARAMS");
        List<String> command = new ArrayList<>(javaCommand(split(params.get(0)), "jobmanager"));
        command.add("org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint");
        command.add("--configDir");
        command.add(confDir.toString());
        command.addAll(split(params.get(1)));
        processes.add(launch(command, "jobmanager"));
    }

    private void awaitTaskManagers(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "(no answer)";
        while (System.nanoTime() < deadline) {
            for (Process process : processes) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "a cluster JVM exited with "
                                    + process.exitValue()
                                    + "; see "
                                    + workDir);
                }
            }
            try {
                JsonNode overview = get("/overview");
                last = overview.toString();
                if (overview.path("taskmanagers").asInt() >= count) {
                    return;
                }
            } catch (IllegalStateException notYet) {
                last = notYet.getMessage();
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        throw new IllegalStateException(
                count + " TaskManagers did not register within " + timeout + ": " + last);
    }

    /**
     * The two result lines of {@code BashJavaUtils}: the JVM memory flags, then the {@code -D}
     * options that fix the derived memory sizes (a TaskManager refuses to start without them).
     */
    private List<String> bashJavaUtils(String command) {
        List<String> java = new ArrayList<>(javaCommand(List.of(), "all"));
        java.add("org.apache.flink.runtime.util.bash.BashJavaUtils");
        java.add(command);
        java.add("--configDir");
        java.add(confDir.toString());
        String output = runToEnd(java, "bash-java-utils", Duration.ofMinutes(1));
        List<String> results = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.startsWith(EXEC_RESULT)) {
                results.add(line.substring(EXEC_RESULT.length()).trim());
            }
        }
        if (results.size() != 2) {
            throw new IllegalStateException(
                    "BashJavaUtils " + command + " gave no JVM and dynamic options:\n" + output);
        }
        return results;
    }

    /**
     * {@code java <jvm flags> <options of all> <options of the role> -cp <lib> } ({@link
     * #javaOpts}), with log4j from the conf dir: the order of Flink's scripts, so a role's win.
     */
    private List<String> javaCommand(List<String> jvmFlags, String role) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.addAll(javaOpts.getOrDefault("all", List.of()));
        if (!role.equals("all")) {
            command.addAll(javaOpts.getOrDefault(role, List.of()));
        }
        command.add(
                "-Dlog4j.configurationFile=" + confDir.resolve("log4j-console.properties").toUri());
        command.add("-cp");
        command.add(classpath);
        return command;
    }

    private Process launch(List<String> command, String name) {
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(workDir.resolve(name + ".log").toFile());
        environment(builder);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    private String runToEnd(List<String> command, String name, Duration timeout) {
        Path log = workDir.resolve(name + ".log");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        environment(builder);
        try {
            Process process = builder.start();
            synchronized (this) {
                processes.add(process);
            }
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            synchronized (this) {
                processes.remove(process);
            }
            if (!finished) {
                process.destroyForcibly();
                throw new IllegalStateException(name + " did not finish within " + timeout);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        name + " exited with " + process.exitValue() + ":\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What Flink's scripts export: where the configuration and the plugins are. */
    private void environment(ProcessBuilder builder) {
        builder.environment().put("FLINK_CONF_DIR", confDir.toString());
        builder.environment().put("FLINK_PLUGINS_DIR", workDir.resolve("plugins").toString());
    }

    private synchronized void killAll() {
        for (Process process : processes) {
            process.destroy();
        }
        for (Process process : processes) {
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    private JsonNode send(HttpRequest request) {
        try {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(
                        request.method()
                                + " "
                                + request.uri()
                                + ": "
                                + response.statusCode()
                                + " "
                                + response.body());
            }
            return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(request.uri() + " did not answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ configuration

    /**
     * Replaces the value of every top-level key of {@code values} in a Flink config.yaml (flat
     * keys, one per line) and appends the keys it does not have. A line-wise edit keeps the file's
     * comments, and Flink's YAML parser rejects a key given twice.
     */
    static String substitute(String configYaml, Map<String, String> values) {
        Map<String, String> left = new LinkedHashMap<>(values);
        StringBuilder out = new StringBuilder();
        for (String line : configYaml.split("\n", -1)) {
            int colon = line.indexOf(':');
            String key = colon > 0 && !line.startsWith("#") ? line.substring(0, colon).trim() : "";
            if (!line.startsWith(" ") && left.containsKey(key)) {
                out.append(key).append(": ").append(left.remove(key)).append('\n');
            } else {
                out.append(line).append('\n');
            }
        }
        left.forEach((key, value) -> out.append(key).append(": ").append(value).append('\n'));
        return out.toString();
    }

    /**
     * The JVM options of each role ({@code all}, {@code jobmanager}, {@code taskmanager}, {@code
     * client}) as Flink's scripts put them together: {@code env.java.default-opts.<role>} (the Java
     * 17 opens Flink needs), then {@code env.java.opts.<role>}.
     */
    static Map<String, List<String>> javaOpts(Configuration conf) {
        return Map.of(
                "all",
                options(conf, CoreOptions.FLINK_DEFAULT_JVM_OPTIONS, CoreOptions.FLINK_JVM_OPTIONS),
                "jobmanager",
                options(
                        conf,
                        CoreOptions.FLINK_DEFAULT_JM_JVM_OPTIONS,
                        CoreOptions.FLINK_JM_JVM_OPTIONS),
                "taskmanager",
                options(
                        conf,
                        CoreOptions.FLINK_DEFAULT_TM_JVM_OPTIONS,
                        CoreOptions.FLINK_TM_JVM_OPTIONS),
                "client",
                options(conf, CoreOptions.FLINK_CLI_JVM_OPTIONS));
    }

    @SafeVarargs
    private static List<String> options(Configuration conf, ConfigOption<String>... keys) {
        List<String> options = new ArrayList<>();
        for (ConfigOption<String> key : keys) {
            options.addAll(split(conf.get(key)));
        }
        return options;
    }

    private static List<String> split(String options) {
        String trimmed = options == null ? "" : options.trim();
        return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("\\s+"));
    }

    private static String resource(String name) {
        try (InputStream in = StandaloneFlinkCluster.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException(
                        "missing " + RESOURCES + name + ": build marketcast-flink-standalone");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

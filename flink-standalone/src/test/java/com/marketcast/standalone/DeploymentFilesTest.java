package com.marketcast.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The deployment files as their tools read them: {@code flink-conf/} loaded by Flink itself, {@code
 * docker-compose.yml} validated by {@code docker-compose config -q} (Compose 1.29, no engine
 * needed; installed by {@code bin/install-deps}), and the Kubernetes manifests parsed, with the
 * FlinkDeployment's configuration kept equal to {@code flink-conf/}.
 */
class DeploymentFilesTest {
    private static final Path ROOT = Path.of("..");
    private static final Path K8S = ROOT.resolve("deploy/k8s");

    @Test
    void flinkConfIsTheClusterPolicy() {
        Configuration conf = GlobalConfiguration.loadConfiguration("../flink-conf");
        Map<String, String> values = conf.toMap();
        assertThat(values)
                .containsEntry("state.backend.type", "rocksdb")
                .containsEntry("execution.checkpointing.incremental", "true")
                .containsEntry("execution.checkpointing.mode", "EXACTLY_ONCE")
                .containsEntry("restart-strategy.type", "exponential-delay")
                .containsEntry("pipeline.max-parallelism", "128")
                .containsEntry(
                        "metrics.reporter.prom.factory.class",
                        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
                .containsKeys(
                        "execution.checkpointing.dir",
                        "execution.checkpointing.savepoint-dir",
                        "metrics.reporter.prom.port",
                        "env.java.opts.all");
        assertThat(ROOT.resolve("flink-conf/log4j-console.properties")).exists();
    }

    @Test
    void composeFileValidatesWithDockerCompose() throws Exception {
        Process process =
                new ProcessBuilder(
                                "docker-compose",
                                "-f",
                                ROOT.resolve("docker-compose.yml").toString(),
                                "config",
                                "-q")
                        .redirectErrorStream(true)
                        .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("docker-compose config -q: %s", output).isZero();
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeFileHasTheWholeSystemAndItsMountedFilesExist() throws IOException {
        Map<String, Object> compose =
                (Map<String, Object>) yaml(ROOT.resolve("docker-compose.yml"));
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertThat(services)
                .containsKeys(
                        "kafka",
                        "redis",
                        "postgres",
                        "jobmanager",
                        "taskmanager",
                        "client",
                        "gateway",
                        "generator",
                        "sql-client",
                        "prometheus");
        assertThat(ROOT.resolve("sql/catalog/schema.sql")).exists();
        assertThat(ROOT.resolve("sql/catalog/sample-data.sql")).exists();
        assertThat(ROOT.resolve("deploy/prometheus/prometheus.yml")).exists();
        assertThat(yaml(ROOT.resolve("deploy/prometheus/prometheus.yml"))).isNotNull();
        // the Flink services (x-flink, merged into each) mount flink-conf/ into the stock image;
        // its Java 17 variant, as the job jar is built for Java 17
        Map<String, Object> flink = (Map<String, Object>) compose.get("x-flink");
        assertThat((String) flink.get("image")).isEqualTo("flink:1.20.3-scala_2.12-java17");
        assertThat((List<String>) flink.get("volumes"))
                .contains("./flink-conf:/opt/marketcast/flink-conf:ro");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theFlinkDeploymentUpgradesBySavepointWithFlinkConfsSettings() throws IOException {
        Map<String, Object> deployment =
                (Map<String, Object>) yaml(K8S.resolve("base/flinkdeployment.yaml"));
        assertThat(deployment).containsEntry("kind", "FlinkDeployment");
        Map<String, Object> spec = (Map<String, Object>) deployment.get("spec");
        Map<String, Object> job = (Map<String, Object>) spec.get("job");
        assertThat(job).containsEntry("upgradeMode", "savepoint");
        assertThat(job.get("parallelism")).isInstanceOf(Integer.class);

        // every key both files set has the same value, except where storage lives
        Map<String, String> flinkConf =
                GlobalConfiguration.loadConfiguration("../flink-conf").toMap();
        Map<String, Object> k8sConf = (Map<String, Object>) spec.get("flinkConfiguration");
        List<String> differing = new ArrayList<>();
        k8sConf.forEach(
                (key, value) -> {
                    boolean storage = key.endsWith(".dir") || key.endsWith("savepoint-dir");
                    if (!storage
                            && flinkConf.containsKey(key)
                            && !flinkConf.get(key).equals(String.valueOf(value))) {
                        differing.add(key + ": " + value + " vs " + flinkConf.get(key));
                    }
                });
        assertThat(differing).as("settings that differ from flink-conf/config.yaml").isEmpty();
        assertThat(k8sConf)
                .containsKeys(
                        "state.backend.type",
                        "execution.checkpointing.incremental",
                        "state.backend.rocksdb.thread.num",
                        "state.backend.rocksdb.writebuffer.size",
                        "execution.checkpointing.dir",
                        "execution.checkpointing.savepoint-dir",
                        "restart-strategy.type",
                        "pipeline.max-parallelism",
                        "metrics.reporter.prom.factory.class");
    }

    @Test
    void everyKubernetesManifestParses() throws IOException {
        List<Path> manifests;
        try (Stream<Path> files = Files.walk(K8S)) {
            manifests =
                    files.filter(f -> f.toString().endsWith(".yaml")).collect(Collectors.toList());
        }
        assertThat(manifests).hasSizeGreaterThanOrEqualTo(5);
        for (Path manifest : manifests) {
            assertThat(yaml(manifest)).as("%s", manifest).isInstanceOf(Map.class);
        }
    }

    private static Object yaml(Path file) throws IOException {
        return new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
    }
}

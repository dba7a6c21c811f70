package com.marketcast.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandaloneFlinkClusterTest {

    @Test
    void substituteReplacesTopLevelKeysKeepsCommentsAndAppendsTheRest() {
        String yaml =
                "# rest.port: 1 is a comment\n"
                        + "rest.port: 8081\n"
                        + "env:\n"
                        + "  rest.port: 7\n"
                        + "taskmanager.numberOfTaskSlots: 2\n";
        Map<String, String> values = new LinkedHashMap<>();
        values.put("rest.port", "40123");
        values.put("io.tmp.dirs", "/tmp/x");

        assertThat(StandaloneFlinkCluster.substitute(yaml, values))
                .isEqualTo(
                        "# rest.port: 1 is a comment\n"
                                + "rest.port: 40123\n"
                                + "env:\n"
                                + "  rest.port: 7\n"
                                + "taskmanager.numberOfTaskSlots: 2\n"
                                + "\n"
                                + "io.tmp.dirs: /tmp/x\n");
    }

    @Test
    void javaOptionsAreReadForEveryRoleAsFlinksScriptsReadThem(@TempDir Path confDir)
            throws IOException {
        Files.writeString(
                confDir.resolve("config.yaml"),
                "env.java.default-opts.all: --add-opens=java.base/java.lang=ALL-UNNAMED\n"
                        + "env.java.opts.all:  -Da=1  -Db=2\n"
                        + "env.java.opts.taskmanager: \"-Xlog:gc*:file=/tmp/tm.log -Dc=3\"\n"
                        + "env.java.opts.jobmanager: '-Dd=4'\n"
                        + "# env.java.opts.client: -Dcommented=1\n");

        assertThat(
                        StandaloneFlinkCluster.javaOpts(
                                GlobalConfiguration.loadConfiguration(confDir.toString())))
                .containsOnly(
                        entry(
                                "all",
                                List.of(
                                        "--add-opens=java.base/java.lang=ALL-UNNAMED",
                                        "-Da=1",
                                        "-Db=2")),
                        entry("taskmanager", List.of("-Xlog:gc*:file=/tmp/tm.log", "-Dc=3")),
                        entry("jobmanager", List.of("-Dd=4")),
                        entry("client", List.of()));
    }
}

package com.marketcast.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
    void javaOptionsAreReadForEveryRoleAsFlinksScriptsReadThem() {
        String yaml =
                "env.java.opts.all: --add-opens=java.base/java.lang=ALL-UNNAMED  -Da=1\n"
                        + "env.java.opts.taskmanager: \"-Xlog:gc*:file=/tmp/tm.log -Db=2\"\n"
                        + "env.java.opts.jobmanager: '-Dc=3'\n"
                        + "# env.java.opts.client: -Dcommented=1\n"
                        + "env.java.opts.unknown: -Dd=4\n";

        assertThat(StandaloneFlinkCluster.javaOpts(yaml))
                .containsOnly(
                        entry(
                                "all",
                                List.of("--add-opens=java.base/java.lang=ALL-UNNAMED", "-Da=1")),
                        entry("taskmanager", List.of("-Xlog:gc*:file=/tmp/tm.log", "-Db=2")),
                        entry("jobmanager", List.of("-Dc=3")));
    }
}

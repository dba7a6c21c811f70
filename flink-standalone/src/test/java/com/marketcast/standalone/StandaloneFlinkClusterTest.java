package com.marketcast.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
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
}

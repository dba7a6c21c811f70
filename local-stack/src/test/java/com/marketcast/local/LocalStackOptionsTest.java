package com.marketcast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalStackOptionsTest {

    @Test
    void stripsItsOwnOptionsAndKeepsTheJobsInOrder() {
        LocalStackOptions options =
                LocalStackOptions.parse(
                        new String[] {
                            "--parallelism",
                            "4",
                            "--generate",
                            "--rate",
                            "500",
                            "--checkpoint-interval",
                            "5s",
                            "--markets=50",
                            "--seed",
                            "7",
                            "--flink-conf",
                            "/etc/flink",
                            "--demo-channels",
                            "false",
                            "--channel-ttl",
                            "2min"
                        });

        assertThat(options.jobArgs)
                .containsExactly(
                        "--parallelism",
                        "4",
                        "--checkpoint-interval",
                        "5s",
                        "--channel-ttl",
                        "2min");
        assertThat(options.generate).isTrue();
        assertThat(options.rate).isEqualTo(500.0);
        assertThat(options.markets).isEqualTo(50);
        assertThat(options.seed).isEqualTo(7L);
        assertThat(options.flinkConf).isEqualTo(Path.of("/etc/flink"));
        assertThat(options.demoChannels).isFalse();
    }

    @Test
    void ownServicesAndTheGeneratorByDefault() {
        LocalStackOptions options = LocalStackOptions.parse(new String[0]);

        assertThat(options.externalServices()).isFalse();
        assertThat(options.runGenerator()).isTrue();
        assertThat(options.demoChannels).isTrue();
        assertThat(options.seed).isNull();
    }

    @Test
    void givenServicesMeanNoGeneratorUnlessAskedFor() {
        LocalStackOptions given =
                LocalStackOptions.parse(new String[] {"--bootstrap-servers", "kafka:9092"});
        assertThat(given.externalServices()).isTrue();
        assertThat(given.runGenerator()).isFalse();
        assertThat(given.jobOption("bootstrap-servers")).hasValue("kafka:9092");

        LocalStackOptions asked =
                LocalStackOptions.parse(
                        new String[] {"--redis", "redis://r:6379", "--generate", "true"});
        assertThat(asked.runGenerator()).isTrue();
    }

    @Test
    void replacesServiceOptionsForTheJob() {
        LocalStackOptions options =
                LocalStackOptions.parse(
                        new String[] {"--redis", "redis://given:6379", "--parallelism", "2"});
        Map<String, String> services = new LinkedHashMap<>();
        services.put("bootstrap-servers", "127.0.0.1:1234");
        services.put("redis", "redis://given:6379");

        List<String> args = options.jobArgsWith(services);

        assertThat(args)
                .containsExactly(
                        "--parallelism",
                        "2",
                        "--bootstrap-servers",
                        "127.0.0.1:1234",
                        "--redis",
                        "redis://given:6379");
    }

    @Test
    void rejectsBadValuesNamingTheOption() {
        assertThatThrownBy(() -> LocalStackOptions.parse(new String[] {"--rate", "fast"}))
                .hasMessageContaining("'rate'");
        assertThatThrownBy(() -> LocalStackOptions.parse(new String[] {"--markets", "0"}))
                .hasMessageContaining("'markets'");
        assertThatThrownBy(() -> LocalStackOptions.parse(new String[] {"--seed"}))
                .hasMessageContaining("'seed'");
    }

    @Test
    void catalogChurnAndNoCatalog() {
        LocalStackOptions defaults = LocalStackOptions.parse(new String[] {});
        assertThat(defaults.catalogChurnMs).isEqualTo(LocalStackOptions.DEFAULT_CATALOG_CHURN_MS);
        assertThat(defaults.noCatalog()).isFalse();

        LocalStackOptions given =
                LocalStackOptions.parse(new String[] {"--catalog-churn-ms", "0", "--no-catalog"});
        assertThat(given.catalogChurnMs).isZero();
        assertThat(given.noCatalog()).isTrue();
        assertThat(given.jobArgs).containsExactly("--no-catalog");

        assertThatThrownBy(() -> LocalStackOptions.parse(new String[] {"--catalog-churn-ms", "-5"}))
                .hasMessageContaining("'catalog-churn-ms'");
    }
}

package com.marketcast.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Options: defaults, the secret's sources, and start-up failures that name the option. */
class GatewayOptionsTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    @Test
    void defaults() {
        GatewayOptions o = GatewayOptions.parse(List.of(), name -> null);
        assertThat(o.port()).isEqualTo(8080);
        assertThat(o.generatedSecret()).isTrue();
        assertThat(o.tokenSecret()).hasSize(32);
        assertThat(o.heartbeatInterval()).isEqualTo(Duration.ofSeconds(200));
        assertThat(o.allowedOrigins(8080))
                .containsExactlyInAnyOrder("http://localhost:8080", "http://127.0.0.1:8080");
    }

    @Test
    void takesTheSecretFromTheEnvironmentOrAFile(@TempDir Path dir) throws Exception {
        assertThat(GatewayOptions.parse(List.of(), name -> SECRET).tokenSecret())
                .asString()
                .isEqualTo(SECRET);
        Path file = Files.writeString(dir.resolve("secret"), SECRET + "\n");
        GatewayOptions o =
                GatewayOptions.parse(List.of("--token-secret-file", file.toString()), name -> null);
        assertThat(o.tokenSecret()).asString().isEqualTo(SECRET);
        assertThat(o.generatedSecret()).isFalse();
        assertThat(o.toString()).doesNotContain(SECRET);
    }

    @Test
    void badOptionsFailNamingTheOption() {
        assertThatThrownBy(() -> GatewayOptions.parse(List.of("--prot", "1"), n -> null))
                .hasMessageContaining("'prot'");
        assertThatThrownBy(() -> GatewayOptions.parse(List.of("--port", "x"), n -> null))
                .hasMessageContaining("'port'");
        assertThatThrownBy(() -> GatewayOptions.parse(List.of("--token-ttl", "5 years"), n -> null))
                .hasMessageContaining("'token-ttl'");
        assertThatThrownBy(
                        () -> GatewayOptions.parse(List.of("--redis", "localhost:6379"), n -> null))
                .hasMessageContaining("'redis'");
        assertThatThrownBy(
                        () -> GatewayOptions.parse(List.of("--allowed-origins", "evil"), n -> null))
                .hasMessageContaining("'allowed-origins'");
        assertThatThrownBy(
                        () ->
                                GatewayOptions.parse(
                                        List.of("--token-secret-file", "/nonexistent"), n -> null))
                .hasMessageContaining("'token-secret-file'");
        assertThatThrownBy(() -> GatewayOptions.parse(List.of(), n -> "short"))
                .hasMessageContaining(GatewayOptions.SECRET_ENV)
                .hasMessageNotContaining("short");
        assertThatThrownBy(() -> GatewayOptions.parse(List.of("--port"), n -> null))
                .hasMessageContaining("needs a value");
        assertThat(
                        GatewayOptions.fromMap(
                                        Map.of("allowed-origins", "https://odds.example"),
                                        n -> null)
                                .allowedOrigins(1))
                .containsExactly("https://odds.example");
    }
}

package com.marketcast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GeneratorMainTest {

    @Test
    void readsItsOptionsIntoGeneratorSettings() {
        Map<String, String> options =
                GeneratorMain.parse(
                        new String[] {
                            "--bootstrap-servers", "127.0.0.1:9",
                            "--rate", "50",
                            "--markets", "12",
                            "--seed", "9007199254740993",
                            "--updates-topic", "feed"
                        });
        try (MarketGenerator generator = GeneratorMain.generator(options)) {
            assertThat(generator.settings().rate()).isEqualTo(50.0);
            assertThat(generator.settings().markets()).isEqualTo(12);
            assertThat(generator.settings().seed()).isEqualTo(9007199254740993L);
            assertThat(generator.settings().topic()).isEqualTo("feed");
            assertThat(generator.markets()).hasSize(12);
        }
    }

    @Test
    void badOptionsNameTheOption() {
        assertThatThrownBy(() -> GeneratorMain.parse(new String[] {"--speed", "3"}))
                .hasMessageContaining("--speed");
        assertThatThrownBy(() -> GeneratorMain.parse(new String[] {"--rate"}))
                .hasMessageContaining("--rate needs a value");
        assertThatThrownBy(() -> GeneratorMain.generator(Map.of("rate", "5")))
                .hasMessageContaining("--bootstrap-servers");
        assertThatThrownBy(
                        () ->
                                GeneratorMain.generator(
                                        Map.of("bootstrap-servers", "k:9092", "rate", "fast")))
                .hasMessageContaining("--rate must be a number");
        assertThatThrownBy(
                        () ->
                                GeneratorMain.generator(
                                        Map.of("bootstrap-servers", "k:9092", "markets", "0")))
                .hasMessageContaining("markets must be at least 1");
    }
}

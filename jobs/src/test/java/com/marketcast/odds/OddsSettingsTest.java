package com.marketcast.odds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OddsSettingsTest {

    @Test
    void defaultsFollowTheContract() {
        OddsSettings settings = OddsSettings.fromArgs(new String[0]);
        assertThat(settings.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(settings.redisUri()).isEqualTo("redis://localhost:6379");
        assertThat(settings.checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.channelTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(settings.updatesTopic()).isEqualTo("market-updates");
        assertThat(settings.commandsTopic()).isEqualTo("stream-commands");
        assertThat(settings.deadLettersTopic()).isEqualTo("dead-letters");
        assertThat(settings.parallelism()).isEmpty();
    }

    @Test
    void readsCommandLineOptions() {
        OddsSettings settings =
                OddsSettings.fromArgs(
                        new String[] {
                            "--bootstrap-servers", "k1:9092,k2:9092",
                            "--redis", "redis://cache:6380",
                            "--parallelism", "4",
                            "--checkpoint-interval", "30s",
                            "--channel-ttl", "2min",
                            "--hot-market-write-delay", "250ms"
                        });
        assertThat(settings.bootstrapServers()).isEqualTo("k1:9092,k2:9092");
        assertThat(settings.redisUri()).isEqualTo("redis://cache:6380");
        assertThat(settings.parallelism()).hasValue(4);
        assertThat(settings.checkpointInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.channelTtl()).isEqualTo(Duration.ofMinutes(2));
        assertThat(settings.hotMarketWriteDelay()).isEqualTo(Duration.ofMillis(250));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "--chanel-ttl|10min|Unknown option 'chanel-ttl'",
                "--channel-ttl|soon|Option 'channel-ttl' has an invalid value",
                "--channel-ttl|10ms|Option 'channel-ttl' must be at least 1s",
                "--closed-market-ttl|10ms|Option 'closed-market-ttl' must be at least 1s",
                "--hot-markets|-1|Option 'hot-markets' must be between 0 and 1048576, got -1",
                "--hot-markets|2000000|Option 'hot-markets' must be between 0 and 1048576",
                "--hot-market-write-delay|-1s|Option 'hot-market-write-delay'",
                "--checkpoint-interval|-5s|Option 'checkpoint-interval'",
                "--parallelism|0|Option 'parallelism' must be positive",
                "--parallelism|two|Option 'parallelism' has an invalid value",
                "--redis|localhost:6379|Option 'redis' must be a redis:// or rediss:// URI",
                "--bootstrap-servers| |Option 'bootstrap-servers' must not be empty",
                "--redis-batch-size|0|Option 'redis-batch-size' must be positive",
            })
    void badOptionsFailNamingTheOption(String option, String value, String message) {
        assertThatThrownBy(
                        () ->
                                OddsSettings.fromArgs(
                                        new String[] {option, value == null ? "" : value}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void anOptionWithoutAValueIsAnError() {
        assertThatThrownBy(() -> OddsSettings.fromArgs(new String[] {"--redis"}))
                .hasMessageContaining("Option 'redis' needs a value");
        assertThatThrownBy(() -> OddsSettings.fromArgs(new String[] {"redis://x:1"}))
                .hasMessageContaining("Expected an option like --key value");
    }

    @Test
    void theLoggedFormHidesTheRedisPassword() {
        OddsSettings settings =
                OddsSettings.fromArgs(new String[] {"--redis", "redis://:s3cret@cache:6379"});
        assertThat(settings.toString()).doesNotContain("s3cret").contains("redis://***@cache:6379");
    }
}

package com.marketcast.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.embedded.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

class ChannelTailTest {
    private static final long NOW = 1_732_260_000_500L;

    @Test
    void rendersEachMessageTypeOnOneLineAndChecksTheChain() {
        try (RedisServer redis = RedisServer.start();
                ChannelTail tail =
                        new ChannelTail(
                                redis.uri(),
                                "c-1",
                                "A",
                                new PrintStream(new ByteArrayOutputStream()))) {
            String snapshot =
                    tail.render(
                            "{\"type\":\"snapshot\",\"marketId\":\"m-1\",\"epoch\":1,\"version\":17,\"ts\":1732260000400,"
                                    + "\"market\":{\"status\":\"OPEN\",\"selections\":[{\"id\":\"home\",\"price\":1.85,\"display\":\"17/20\"},"
                                    + "{\"id\":\"away\",\"price\":2.1,\"display\":\"11/10\"}]}}",
                            NOW);
            assertThat(snapshot)
                    .contains(
                            "A snapshot",
                            "m-1",
                            "v17",
                            "OPEN",
                            "home 17/20 | away 11/10",
                            "(100 ms)");

            String delta =
                    tail.render(
                            "{\"type\":\"delta\",\"marketId\":\"m-1\",\"epoch\":1,\"version\":18,\"prev\":17,\"ts\":1732260000490,"
                                    + "\"changes\":{\"selections\":[{\"id\":\"home\",\"price\":1.9,\"display\":\"9/10\"}],\"status\":\"SUSPENDED\"}}",
                            NOW);
            assertThat(delta)
                    .contains("delta", "v17->18", "home 9/10", "status SUSPENDED")
                    .doesNotContain("GAP");

            String duplicate =
                    tail.render(
                            "{\"type\":\"delta\",\"marketId\":\"m-1\",\"epoch\":1,\"version\":18,\"prev\":17,\"changes\":{}}",
                            NOW);
            assertThat(duplicate).contains("[duplicate, ignored]");

            String gap =
                    tail.render(
                            "{\"type\":\"delta\",\"marketId\":\"m-1\",\"epoch\":1,\"version\":21,\"prev\":20,\"changes\":{}}",
                            NOW);
            assertThat(gap).contains("[GAP: held v18]");

            String removed =
                    tail.render(
                            "{\"type\":\"removed\",\"marketId\":\"m-1\",\"epoch\":1,\"version\":22,\"reason\":\"CLOSED\"}",
                            NOW);
            assertThat(removed).contains("removed", "v22", "CLOSED");
        }
    }

    @Test
    void printsWhatIsPublishedOnItsChannel() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (RedisServer redis = RedisServer.start();
                ChannelTail tail =
                        new ChannelTail(
                                redis.uri(),
                                "c-2",
                                "A",
                                new PrintStream(printed, true, StandardCharsets.UTF_8));
                StreamCounter counter = new StreamCounter(redis.uri());
                Jedis jedis = new Jedis(java.net.URI.create(redis.uri()))) {
            assertThat(tail.awaitSubscribed(Duration.ofSeconds(5))).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            // the pattern subscription is confirmed asynchronously: publish until both have seen
            // one
            while ((counter.messages() == 0 || printed.size() == 0)
                    && System.nanoTime() < deadline) {
                jedis.publish(
                        "stream:c-2",
                        "{\"type\":\"current\",\"marketId\":\"m-9\",\"epoch\":1,\"version\":3}");
                jedis.publish("stream:other", "{}");
                Thread.sleep(20);
            }
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("current", "m-9", "v3");
            assertThat(counter.messages()).isPositive();
        }
    }
}

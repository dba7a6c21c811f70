package com.marketcast.connectors.redis;

import static com.marketcast.connectors.redis.RedisSinkWriterITCase.bytes;
import static com.marketcast.connectors.redis.RedisSinkWriterITCase.expected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marketcast.embedded.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * A Redis outage: ridden out when Redis returns within the retry budget, a clear failure when not.
 */
class RedisSinkRetryITCase {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void survivesARedisRestartWithinTheRetryBudget() throws Exception {
        // A fixed one-second backoff: the test restarts Redis right after the first failed
        // attempt and subscribes again well before the retry, so no message goes unseen.
        RedisSink<RedisWrite> sink;
        try (RedisServer redis = RedisServer.start()) {
            sink =
                    WriterHarness.sink(redis.uri())
                            .setInitialBackoffMS(1_000)
                            .setMaxBackoffMS(1_000)
                            .setMaxRetries(5)
                            .build();
            try (WriterHarness harness = new WriterHarness(sink)) {
                RedisSinkWriter<RedisWrite> writer = harness.writer();

                // before the outage: leaves a pooled connection that the restart will break
                try (RedisSubscriber before = RedisSubscriber.psubscribe(redis.uri(), "outage.*")) {
                    for (int i = 0; i < 100; i++) {
                        harness.write(RedisWrite.publish("outage.ch" + (i % 2), bytes("m" + i)));
                    }
                    harness.flushAll();
                    before.awaitCount(100, TIMEOUT);
                }

                redis.stop();
                for (int i = 100; i < 300; i++) {
                    harness.write(RedisWrite.publish("outage.ch" + (i % 2), bytes("m" + i)));
                    harness.write(RedisWrite.set("outage.key" + (i % 2), bytes("v" + i)));
                }
                CompletableFuture<RedisSubscriber> afterRestart =
                        CompletableFuture.supplyAsync(
                                () -> {
                                    awaitFailedAttempt(writer);
                                    redis.restart();
                                    try {
                                        return RedisSubscriber.psubscribe(redis.uri(), "outage.*");
                                    } catch (InterruptedException e) {
                                        throw new IllegalStateException(e);
                                    }
                                });

                // blocks (running mails) until the retried batches are through
                harness.flushAll();

                try (RedisSubscriber after =
                        afterRestart.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    after.awaitCount(200, TIMEOUT);
                    assertThat(after.messages("outage.ch0"))
                            .containsExactlyElementsOf(expected(300, 2, 0).subList(50, 150));
                    assertThat(after.messages("outage.ch1"))
                            .containsExactlyElementsOf(expected(300, 2, 1).subList(50, 150));
                }
                try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
                    assertThat(jedis.get("outage.key0")).isEqualTo("v298");
                    assertThat(jedis.get("outage.key1")).isEqualTo("v299");
                }
                assertThat(writer.failedAttemptCount()).isGreaterThanOrEqualTo(1);
                assertThat(writer.retryCount()).isEqualTo(writer.failedAttemptCount());
                assertThat(writer.publishCount()).isEqualTo(300);
                assertThat(writer.setCount()).isEqualTo(200);
            }
        }
    }

    @Test
    void failsWithAClearExceptionWhenRedisStaysDown() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            RedisSink<RedisWrite> sink =
                    WriterHarness.sink(redis.uri())
                            .setInitialBackoffMS(10)
                            .setMaxBackoffMS(20)
                            .setMaxRetries(2)
                            .build();
            redis.stop();
            try (WriterHarness harness = new WriterHarness(sink)) {
                for (int i = 0; i < 5; i++) {
                    harness.write(RedisWrite.publish("down.ch", bytes("m" + i)));
                }

                assertThatThrownBy(harness::flushAll)
                        .isInstanceOf(RedisSinkException.class)
                        .hasMessageContaining("could not write 5 commands to " + redis.uri())
                        .hasMessageContaining("3 attempts failed (maxRetries = 2)");
                assertThat(harness.writer().failedAttemptCount()).isEqualTo(3);
                assertThat(harness.writer().retryCount()).isEqualTo(2);
            }
        }
    }

    @Test
    void retriesFromTheFirstCommandRedisRejected() throws Exception {
        try (RedisServer redis = RedisServer.start();
                RedisSubscriber subscriber = RedisSubscriber.psubscribe(redis.uri(), "oom.*");
                Jedis admin = new Jedis(URI.create(redis.uri()))) {
            // Out of memory: Redis rejects SET but still accepts PUBLISH, so the pipeline
            // partly succeeds.
            admin.configSet("maxmemory-policy", "noeviction");
            admin.configSet("maxmemory", "1");
            RedisSink<RedisWrite> sink =
                    WriterHarness.sink(redis.uri())
                            .setInitialBackoffMS(500)
                            .setMaxBackoffMS(500)
                            .build();
            try (WriterHarness harness = new WriterHarness(sink)) {
                RedisSinkWriter<RedisWrite> writer = harness.writer();
                harness.write(RedisWrite.publish("oom.ch", bytes("m0")));
                harness.write(RedisWrite.set("oom.key", bytes("v")));
                harness.write(RedisWrite.publish("oom.ch", bytes("m1")));
                CompletableFuture<?> memoryFreed =
                        CompletableFuture.runAsync(
                                () -> {
                                    awaitFailedAttempt(writer);
                                    try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
                                        jedis.configSet("maxmemory", "0");
                                    }
                                });

                harness.flushAll();
                memoryFreed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

                // m0 went once; m1 once per failed attempt (accepted behind the rejected SET)
                // and once more with the SET on the successful retry: repeated, never before m0
                int failed = (int) writer.failedAttemptCount();
                assertThat(failed).isPositive();
                List<String> expected = new ArrayList<>(List.of("m0"));
                expected.addAll(Collections.nCopies(failed + 1, "m1"));
                subscriber.awaitCount(expected.size(), TIMEOUT);
                assertThat(subscriber.messages("oom.ch")).containsExactlyElementsOf(expected);
                assertThat(admin.get("oom.key")).isEqualTo("v");
                assertThat(writer.publishCount()).isEqualTo(expected.size());
                assertThat(writer.setCount()).isEqualTo(1);
            }
        }
    }

    private static void awaitFailedAttempt(RedisSinkWriter<RedisWrite> writer) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (writer.failedAttemptCount() == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the writer never failed against the stopped server");
            }
            LockSupport.parkNanos(200_000);
        }
    }
}

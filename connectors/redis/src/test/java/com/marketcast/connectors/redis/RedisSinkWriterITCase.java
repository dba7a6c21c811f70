package com.marketcast.connectors.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.embedded.RedisServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The writer against a real redis-server and a real subscriber, driven like a Flink task. */
class RedisSinkWriterITCase {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void publishesInOrderAndSetsLand() throws Exception {
        int messages = 2_000;
        try (RedisSubscriber subscriber = RedisSubscriber.psubscribe(redis.uri(), "order.*");
                WriterHarness harness =
                        new WriterHarness(WriterHarness.sink(redis.uri()).build())) {
            for (int i = 0; i < messages; i++) {
                harness.write(RedisWrite.publish("order.ch" + (i % 3), bytes("m" + i)));
                if (i % 10 == 0) {
                    harness.write(RedisWrite.set("order.key" + (i % 3), bytes("v" + i)));
                }
            }
            harness.flushAll();

            subscriber.awaitCount(messages, TIMEOUT);
            for (int channel = 0; channel < 3; channel++) {
                assertThat(subscriber.messages("order.ch" + channel))
                        .as("order.ch%d in publish order", channel)
                        .containsExactlyElementsOf(expected(messages, 3, channel));
            }
            try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
                // the last SET per key wins only if the SETs arrived in order
                assertThat(jedis.get("order.key0")).isEqualTo("v1980");
                assertThat(jedis.get("order.key1")).isEqualTo("v1990");
                assertThat(jedis.get("order.key2")).isEqualTo("v1970");
            }
            RedisSinkWriter<RedisWrite> writer = harness.writer();
            assertThat(writer.publishCount()).isEqualTo(messages);
            assertThat(writer.setCount()).isEqualTo(messages / 10);
            // 2,200 commands in batches of at most 512
            assertThat(writer.batchCount()).isGreaterThanOrEqualTo(5);
            assertThat(writer.flushLatencySamples()).isEqualTo(writer.batchCount());
            assertThat(writer.failedAttemptCount()).isZero();
        }
    }

    @Test
    void deletesInBatchOrder() throws Exception {
        try (WriterHarness harness = new WriterHarness(WriterHarness.sink(redis.uri()).build());
                Jedis jedis = new Jedis(URI.create(redis.uri()))) {
            harness.write(RedisWrite.set("del.gone", bytes("v1")));
            harness.write(RedisWrite.set("del.back", bytes("v1")));
            harness.write(RedisWrite.delete("del.gone"));
            harness.write(RedisWrite.delete("del.back"));
            harness.write(RedisWrite.set("del.back", bytes("v2")));
            harness.write(RedisWrite.delete("del.never-set"));
            harness.flushAll();

            assertThat(jedis.exists("del.gone")).isFalse();
            assertThat(jedis.get("del.back")).isEqualTo("v2");
            assertThat(harness.writer().deleteCount()).isEqualTo(3);
            assertThat(harness.writer().setCount()).isEqualTo(3);
        }
    }

    @Test
    void sendsFullBatchesAtOnceAndTheRestWhenTheBufferTimesOut() throws Exception {
        RedisSink<RedisWrite> sink =
                WriterHarness.sink(redis.uri()).setMaxBatchSize(10).setMaxTimeInBufferMS(5).build();
        try (RedisSubscriber subscriber = RedisSubscriber.psubscribe(redis.uri(), "timed.*");
                WriterHarness harness = new WriterHarness(sink)) {
            for (int i = 0; i < 13; i++) {
                harness.write(RedisWrite.publish("timed.ch", bytes("m" + i)));
            }
            // ten make a full batch, sent without waiting for time or a checkpoint
            harness.processMailsUntil(
                    "the first batch", TIMEOUT, () -> harness.writer().batchCount() == 1);
            subscriber.awaitCount(10, TIMEOUT);
            assertThat(harness.buffered()).isEqualTo(3);

            // the other three go once they have waited maxTimeInBufferMS, still no checkpoint
            harness.advanceTime(5);
            harness.processMailsUntil(
                    "the timed batch", TIMEOUT, () -> harness.writer().batchCount() == 2);
            subscriber.awaitCount(13, TIMEOUT);
            assertThat(subscriber.messages("timed.ch"))
                    .containsExactlyElementsOf(expected(13, 1, 0));
            assertThat(harness.buffered()).isZero();
        }
    }

    @Test
    void checkpointWaitsForTheBatchInFlightAndKeepsTheRestInState() throws Exception {
        RedisSink<RedisWrite> sink = WriterHarness.sink(redis.uri()).setMaxBatchSize(10).build();
        BufferedRequestState<RedisWrite> state;
        try (RedisSubscriber subscriber = RedisSubscriber.psubscribe(redis.uri(), "ckpt.*")) {
            try (WriterHarness harness = new WriterHarness(sink)) {
                for (int i = 0; i < 13; i++) {
                    harness.write(RedisWrite.publish("ckpt.ch", bytes("m" + i)));
                }
                state = harness.checkpoint(1);
                // the full batch was in flight and completed before the snapshot; the rest is
                // state, so a failure now loses nothing
                assertThat(harness.writer().batchCount()).isEqualTo(1);
                assertThat(state.getBufferedRequestEntries())
                        .extracting(RequestEntryWrapper::getRequestEntry)
                        .extracting(write -> new String(write.value, StandardCharsets.UTF_8))
                        .containsExactly("m10", "m11", "m12");
            }

            // a writer restored from that checkpoint (through the state serializer) sends them
            RedisWriteStateSerializer serializer = new RedisWriteStateSerializer();
            BufferedRequestState<RedisWrite> restored =
                    serializer.deserialize(serializer.getVersion(), serializer.serialize(state));
            try (WriterHarness harness = new WriterHarness(sink, List.of(restored))) {
                harness.flushAll();
                assertThat(harness.buffered()).isZero();
            }
            subscriber.awaitCount(13, TIMEOUT);
            assertThat(subscriber.messages("ckpt.ch"))
                    .containsExactlyElementsOf(expected(13, 1, 0));
        }
    }

    @Test
    void flushAtEndOfInputEmptiesTheBuffer() throws Exception {
        try (RedisSubscriber subscriber = RedisSubscriber.psubscribe(redis.uri(), "eoi.*");
                WriterHarness harness =
                        new WriterHarness(WriterHarness.sink(redis.uri()).build())) {
            for (int i = 0; i < 20; i++) {
                harness.write(RedisWrite.publish("eoi.ch", bytes("m" + i)));
            }
            assertThat(harness.buffered()).isEqualTo(20);
            assertThat(harness.writer().batchCount()).isZero();

            harness.flushAll();

            assertThat(harness.buffered()).isZero();
            subscriber.awaitCount(20, TIMEOUT);
            assertThat(subscriber.messages("eoi.ch")).containsExactlyElementsOf(expected(20, 1, 0));
        }
    }

    /**
     * Messages {@code m<i>} for every i below {@code total} with {@code i % channels == channel}.
     */
    static List<String> expected(int total, int channels, int channel) {
        return IntStream.range(0, total)
                .filter(i -> i % channels == channel)
                .mapToObj(i -> "m" + i)
                .collect(Collectors.toCollection(ArrayList::new));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

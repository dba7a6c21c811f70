package com.marketcast.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;

/**
 * The subscribers: one Redis connection per shard, each pattern-subscribed to its shard's channels
 * ({@code stream:b{shard}-*}), counting messages by type and recording the latency of every
 * snapshot and delta from its {@code ts} (the update's Kafka append time) to its receipt.
 */
final class SubscriberPool implements AutoCloseable {
    private static final byte[] TS = "\"ts\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SNAPSHOT =
            "{\"type\":\"snapshot\"".getBytes(StandardCharsets.US_ASCII);

    private final List<Shard> shards = new ArrayList<>();

    SubscriberPool(String redisUri, int shardCount) throws InterruptedException {
        CountDownLatch subscribed = new CountDownLatch(shardCount);
        for (int s = 0; s < shardCount; s++) {
            Shard shard = new Shard(URI.create(redisUri), "stream:b" + s + "-*", subscribed);
            shards.add(shard);
            shard.thread.start();
        }
        if (!subscribed.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("subscribers not confirmed by Redis at " + redisUri);
        }
    }

    long messages() {
        return shards.stream().mapToLong(s -> s.messages.get()).sum();
    }

    long snapshots() {
        return shards.stream().mapToLong(s -> s.snapshots.get()).sum();
    }

    /** Latencies recorded since the last call, in microseconds, merged over the shards. */
    Histogram takeLatencies() {
        Histogram merged = new Histogram(3);
        for (Shard shard : shards) {
            merged.add(shard.latencies.getIntervalHistogram());
        }
        return merged;
    }

    /** Waits until the subscribers have received {@code count} snapshots. */
    void awaitSnapshots(long count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        long lastReport = System.nanoTime();
        while (snapshots() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "only " + snapshots() + " of " + count + " snapshots within " + timeout);
            }
            if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(5)
                    && snapshots() != last) {
                last = snapshots();
                lastReport = System.nanoTime();
                System.out.printf("  ... %,d of %,d snapshots%n", last, count);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Shard shard : shards) {
            if (shard.pubSub.isSubscribed()) {
                shard.pubSub.punsubscribe();
            }
        }
        for (Shard shard : shards) {
            shard.thread.join(5_000);
        }
    }

    private static final class Shard {
        final AtomicLong messages = new AtomicLong();
        final AtomicLong snapshots = new AtomicLong();
        final Recorder latencies = new Recorder(3);
        final Thread thread;
        final BinaryJedisPubSub pubSub;

        Shard(URI redis, String pattern, CountDownLatch subscribed) {
            pubSub =
                    new BinaryJedisPubSub() {
                        @Override
                        public void onPSubscribe(byte[] p, int count) {
                            subscribed.countDown();
                        }

                        @Override
                        public void onPMessage(byte[] p, byte[] channel, byte[] message) {
                            accept(message);
                        }
                    };
            thread =
                    new Thread(
                            () -> {
                                try (Jedis jedis = new Jedis(redis)) {
                                    jedis.psubscribe(
                                            pubSub, pattern.getBytes(StandardCharsets.UTF_8));
                                }
                            },
                            "subscriber-" + pattern);
            thread.setDaemon(true);
        }

        void accept(byte[] message) {
            messages.incrementAndGet();
            if (startsWith(message, SNAPSHOT)) {
                snapshots.incrementAndGet();
            }
            long ts = ts(message);
            if (ts > 0) {
                Instant now = Instant.now();
                long micros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
                latencies.recordValue(Math.max(0, micros - ts * 1_000));
            }
        }
    }

    private static boolean startsWith(byte[] message, byte[] prefix) {
        if (message.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (message[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The {@code ts} number of a message, or -1 (a current or removed message has none). */
    static long ts(byte[] message) {
        outer:
        for (int i = 0; i + TS.length < message.length; i++) {
            for (int j = 0; j < TS.length; j++) {
                if (message[i + j] != TS[j]) {
                    continue outer;
                }
            }
            long value = 0;
            int k = i + TS.length;
            while (k < message.length && message[k] >= '0' && message[k] <= '9') {
                value = value * 10 + (message[k++] - '0');
            }
            return value;
        }
        return -1;
    }
}

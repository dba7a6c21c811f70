package com.marketcast.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;

/**
 * The subscribers: one Redis connection per shard, each pattern-subscribed to its shard's channels
 * ({@link Workload#shardPattern}), counting messages by type and recording the latency of every
 * snapshot and delta from its {@code ts} (the update's Kafka append time) to its receipt.
 *
 * <p>For the state benchmark it also keeps, on request, a timeline of every receipt (when, and how
 * late), to read latency inside and outside checkpoints and after a failure, and the time each
 * epoch was first seen: a restored job's first output is the first message of a newer epoch.
 */
final class SubscriberPool implements AutoCloseable {
    private static final byte[] TS = "\"ts\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EPOCH = "\"epoch\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SNAPSHOT =
            "{\"type\":\"snapshot\"".getBytes(StandardCharsets.US_ASCII);

    private final List<Shard> shards = new ArrayList<>();
    private final Map<Long, Long> epochFirstSeen = new ConcurrentHashMap<>();

    SubscriberPool(String redisUri, int shardCount) throws InterruptedException {
        CountDownLatch subscribed = new CountDownLatch(shardCount);
        for (int s = 0; s < shardCount; s++) {
            Shard shard =
                    new Shard(
                            URI.create(redisUri),
                            Workload.shardPattern(s),
                            subscribed,
                            epochFirstSeen);
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

    /** Subscriber connections Redis closed (a slow subscriber past its output-buffer limit). */
    long dropped() {
        return shards.stream().filter(s -> s.dropped).count();
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

    /** The newest epoch any message carried so far; 0 before the first. */
    long newestEpoch() {
        return epochFirstSeen.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /**
     * Wall-clock milliseconds of the first message of an epoch newer than {@code epoch}, or -1 if
     * none came yet.
     */
    long firstMessageAfterEpoch(long epoch) {
        return epochFirstSeen.entrySet().stream()
                .filter(e -> e.getKey() > epoch)
                .mapToLong(Map.Entry::getValue)
                .min()
                .orElse(-1);
    }

    /** Starts recording the receipt timeline (see {@link Timeline}); drops an earlier one. */
    void startTimeline() {
        shards.forEach(Shard::startTimeline);
    }

    /** The receipts since {@link #startTimeline()}; recording stops. */
    Timeline takeTimeline() {
        List<long[]> parts = new ArrayList<>();
        for (Shard shard : shards) {
            parts.add(shard.takeTimeline());
        }
        return Timeline.merge(parts);
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
        final Map<Long, Long> epochFirstSeen;
        long newestEpoch; // this shard's thread only
        volatile boolean dropped;
        private long[] timeline; // receipts, packed by Timeline.pack; null: not recording
        private int timelineSize;

        Shard(
                URI redis,
                String pattern,
                CountDownLatch subscribed,
                Map<Long, Long> epochFirstSeen) {
            this.epochFirstSeen = epochFirstSeen;
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
                                } catch (RuntimeException e) {
                                    // Redis closes a subscriber past its output-buffer limit
                                    dropped = true;
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
            Instant now = Instant.now();
            long epoch = number(message, EPOCH);
            if (epoch > newestEpoch) {
                newestEpoch = epoch;
                epochFirstSeen.putIfAbsent(epoch, now.toEpochMilli());
            }
            long ts = number(message, TS);
            if (ts > 0) {
                long micros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
                long latency = Math.max(0, micros - ts * 1_000);
                latencies.recordValue(latency);
                record(now.toEpochMilli(), latency);
            }
        }

        private synchronized void record(long receivedMillis, long latencyMicros) {
            if (timeline == null) {
                return;
            }
            if (timelineSize == timeline.length) {
                timeline = Arrays.copyOf(timeline, timeline.length * 2);
            }
            timeline[timelineSize++] = Timeline.pack(receivedMillis, latencyMicros);
        }

        synchronized void startTimeline() {
            timeline = new long[1 << 20];
            timelineSize = 0;
        }

        synchronized long[] takeTimeline() {
            long[] taken = timeline == null ? new long[0] : Arrays.copyOf(timeline, timelineSize);
            timeline = null;
            return taken;
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
        return number(message, TS);
    }

    /** The first number after {@code key} ({@code "name":}) in a message, or -1. */
    private static long number(byte[] message, byte[] key) {
        outer:
        for (int i = 0; i + key.length < message.length; i++) {
            for (int j = 0; j < key.length; j++) {
                if (message[i + j] != key[j]) {
                    continue outer;
                }
            }
            long value = 0;
            int k = i + key.length;
            while (k < message.length && message[k] >= '0' && message[k] <= '9') {
                value = value * 10 + (message[k++] - '0');
            }
            return value;
        }
        return -1;
    }
}

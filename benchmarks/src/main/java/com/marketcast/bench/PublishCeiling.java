package com.marketcast.bench;

import com.marketcast.embedded.RedisServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Baseline B1, the output ceiling: no Kafka, no Flink, only a plain jedis pipelined PUBLISH loop
 * with the workload's fan-out and a delta-sized payload, to the same kind of subscribers. Two
 * publishing threads, as the job has two sink subtasks.
 */
final class PublishCeiling implements AutoCloseable {
    private static final int BATCH = 512;
    private static final int THREADS = 2;

    private final RedisServer redis;
    private final long redisPid;
    private final SubscriberPool subscribers;
    private final int markets;
    private final int channels;
    private final double fanOut;
    private final long seed;
    private final int shards;

    PublishCeiling(int markets, int channels, double fanOut, long seed, int shards)
            throws InterruptedException {
        this.markets = markets;
        this.channels = channels;
        this.fanOut = fanOut;
        this.seed = seed;
        this.shards = shards;
        this.redis = RedisServer.start();
        this.redisPid = CpuUsage.redisPid(redis.uri());
        this.subscribers = new SubscriberPool(redis.uri(), shards);
    }

    /** Publishes as fast as it can for the warm-up, then measures for {@code duration}. */
    Measurement measure(Duration warmUp, Duration duration) throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong updates = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            // each thread its own copy: Workload is single-threaded; same markets and channels
            Workload workload = new Workload(markets, channels, fanOut, seed);
            byte[][][] names = HandWrittenMarkets.subscribers(workload, shards);
            Thread thread =
                    new Thread(
                            () -> publish(workload, names, running, updates), "b1-publisher-" + t);
            thread.start();
            threads.add(thread);
        }
        Thread.sleep(warmUp.toMillis());
        subscribers.takeLatencies();
        long messagesBefore = subscribers.messages();
        long updatesBefore = updates.get();
        CpuUsage cpuBefore = CpuUsage.sample(redisPid);
        long start = System.nanoTime();
        GcPauses.Summary gcPauses;
        try (GcPauses gc = GcPauses.record()) {
            Thread.sleep(duration.toMillis());
            gcPauses = gc.summary();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Double> cpu = CpuUsage.sample(redisPid).coresSince(cpuBefore);
        long messages = subscribers.messages() - messagesBefore;
        long sent = updates.get() - updatesBefore;
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
        return new Measurement(
                Double.NaN,
                sent / seconds,
                messages / seconds,
                subscribers.takeLatencies(),
                new Histogram(3),
                Map.of(),
                subscribers.dropped(),
                cpu,
                gcPauses,
                null);
    }

    private void publish(
            Workload workload, byte[][][] names, AtomicBoolean running, AtomicLong updates) {
        long version = 0;
        try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
            Pipeline pipeline = jedis.pipelined();
            int batched = 0;
            while (running.get()) {
                int market = workload.nextMarket();
                version++;
                byte[] payload = delta(market, version, System.currentTimeMillis());
                for (byte[] channel : names[market]) {
                    pipeline.publish(channel, payload);
                    if (++batched == BATCH) {
                        pipeline.sync();
                        batched = 0;
                    }
                }
                updates.incrementAndGet();
            }
            pipeline.sync();
        }
    }

    /** A delta like the job's for an update that moved every price: about 400 bytes. */
    private static byte[] delta(int market, long version, long ts) {
        StringBuilder json =
                new StringBuilder(512)
                        .append("{\"type\":\"delta\",\"marketId\":\"")
                        .append(Workload.marketId(market))
                        .append("\",\"epoch\":1795400000000,\"version\":")
                        .append(version)
                        .append(",\"prev\":")
                        .append(version - 1)
                        .append(",\"ts\":")
                        .append(ts)
                        .append(",\"changes\":{\"selections\":[");
        for (int i = 0; i < Workload.SELECTIONS.length; i++) {
            json.append(i > 0 ? "," : "")
                    .append("{\"id\":\"")
                    .append(Workload.SELECTIONS[i])
                    .append("\",\"name\":\"")
                    .append(Workload.SELECTION_NAMES[i])
                    .append("\",\"price\":1.85,\"display\":\"1.85\"}");
        }
        return json.append("]}}").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        subscribers.close();
        redis.close();
    }
}

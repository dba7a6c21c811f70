package com.marketcast.bench;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes the workload's updates to the data topic at a fixed rate, paced by schedule (update k is
 * due at {@code start + k / rate}, so a slow send is caught up and the long-run rate is exact).
 */
final class FeedDriver implements AutoCloseable {
    private final Workload workload;
    private final String topic;
    private final KafkaProducer<String, byte[]> producer;
    private long bytes;
    private long sent;

    FeedDriver(String bootstrapServers, String topic, Workload workload) {
        this.workload = workload;
        this.topic = topic;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-feed");
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        // a feed at thousands of updates/s batches (5 ms is Kafka 4's default): fewer produce
        // requests, and fewer wake-ups of every consumer's fetch. Latency counts from the append.
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        // per-market order: the job drops an update whose seq is not newer
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        this.producer = new KafkaProducer<>(props);
    }

    /** One update of every market, as fast as it goes: starts every market. */
    void warmUp() {
        for (int market : workload.everyMarket()) {
            send(market);
        }
        producer.flush();
    }

    /** Sends at {@code rate} updates/s for {@code duration}; returns how many it sent. */
    long run(double rate, Duration duration) {
        double nanosPerUpdate = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long n = 0;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            long due = (long) ((now - start) / nanosPerUpdate) + 1;
            while (n < due) {
                send(workload.nextMarket());
                n++;
            }
            LockSupport.parkNanos(
                    Math.max(0, start + (long) (n * nanosPerUpdate) - System.nanoTime()));
        }
        producer.flush();
        return n;
    }

    /** Mean record size so far, in bytes. */
    double meanRecordBytes() {
        return sent == 0 ? 0 : (double) bytes / sent;
    }

    private void send(int market) {
        byte[] json = workload.update(market);
        bytes += json.length;
        sent++;
        producer.send(new ProducerRecord<>(topic, Workload.marketId(market), json));
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}

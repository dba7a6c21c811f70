package com.marketcast.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Baseline B3, the seed article's design without Flink: a Kafka consumer, the markets and their
 * subscribers in in-memory maps, each change serialized once and published to every subscriber in a
 * jedis pipeline, the mirror written beside it, and the offsets committed after the pipeline is
 * flushed. Two threads, each with its own consumer on half the partitions, as the job has two
 * subtasks. No fault tolerance beyond the committed offsets, no commands: the subscriptions are
 * loaded from the workload.
 */
final class HandWrittenReducer implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    HandWrittenReducer(
            String bootstrapServers,
            String topic,
            int partitions,
            String redisUri,
            Workload workload,
            int shards) {
        byte[][][] subscribers = HandWrittenMarkets.subscribers(workload, shards);
        for (int t = 0; t < 2; t++) {
            List<TopicPartition> assigned = new ArrayList<>();
            for (int p = t; p < partitions; p += 2) {
                assigned.add(new TopicPartition(topic, p));
            }
            Thread thread =
                    new Thread(
                            () -> run(bootstrapServers, assigned, redisUri, subscribers),
                            "b3-reducer-" + t);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
    }

    private void run(
            String bootstrapServers,
            List<TopicPartition> partitions,
            String redisUri,
            byte[][][] subscribers) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "b3");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        HandWrittenMarkets markets = new HandWrittenMarkets(subscribers);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props);
                Jedis jedis = new Jedis(URI.create(redisUri))) {
            consumer.assign(partitions);
            Pipeline pipeline = jedis.pipelined();
            HandWrittenMarkets.Writes writes =
                    new HandWrittenMarkets.Writes() {
                        @Override
                        public void set(byte[] key, byte[] value) {
                            pipeline.set(key, value);
                        }

                        @Override
                        public void publish(byte[] channel, byte[] message) {
                            pipeline.publish(channel, message);
                        }
                    };
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(5));
                if (records.isEmpty()) {
                    continue;
                }
                for (ConsumerRecord<String, byte[]> record : records) {
                    markets.apply(record.value(), record.timestamp(), writes);
                }
                pipeline.sync();
                consumer.commitAsync(); // after the flush: a crash replays, never skips
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join(10_000);
        }
    }
}

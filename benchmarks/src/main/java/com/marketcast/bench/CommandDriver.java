package com.marketcast.bench;

import java.time.Duration;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes the workload's channel commands to the command topic: every channel opened, subscribed and
 * started, and, during a measurement, subscription churn at a fixed rate: a channel drops one of
 * its markets and takes it back (UNSUBSCRIBE, SUBSCRIBE, BEGIN_STREAM of that market), as a bet
 * slip or a page does, so the number of subscriptions stays the workload's.
 */
final class CommandDriver implements AutoCloseable {
    private final Workload workload;
    private final String topic;
    private final int shards;
    private final KafkaProducer<String, String> producer;
    private final AtomicLong churned = new AtomicLong();
    private Paced churn;

    CommandDriver(String bootstrapServers, String topic, Workload workload, int shards) {
        this.workload = workload;
        this.topic = topic;
        this.shards = shards;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-commands");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true); // a channel's commands in order
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producer = new KafkaProducer<>(props);
    }

    /** OPEN, SUBSCRIBE and BEGIN_STREAM for every channel of the workload. */
    void subscribeAll() {
        for (int c = 0; c < workload.channels; c++) {
            String id = Workload.channelId(c, shards);
            send(id, "{\"type\":\"OPEN\",\"channelId\":\"" + id + "\"}");
            send(id, command("SUBSCRIBE", id, markets(workload.channelMarkets[c])));
            send(id, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"" + id + "\"}");
        }
        producer.flush();
    }

    /** Starts churning {@code perSecond} subscriptions a second, until {@link #stopChurn()}. */
    void startChurn(double perSecond, long seed) {
        Random random = new Random(seed);
        churn =
                Paced.start(
                        "churn-commands",
                        perSecond,
                        () -> {
                            int c = random.nextInt(workload.channels);
                            int[] held = workload.channelMarkets[c];
                            String market = markets(held[random.nextInt(held.length)]);
                            String id = Workload.channelId(c, shards);
                            send(id, command("UNSUBSCRIBE", id, market));
                            send(id, command("SUBSCRIBE", id, market));
                            send(id, command("BEGIN_STREAM", id, market));
                            churned.incrementAndGet();
                        });
    }

    void stopChurn() throws InterruptedException {
        if (churn != null) {
            churn.stop();
            churn = null;
        }
        producer.flush();
    }

    /** Subscriptions churned so far. */
    long churned() {
        return churned.get();
    }

    private static String command(String type, String channel, String markets) {
        return "{\"type\":\""
                + type
                + "\",\"channelId\":\""
                + channel
                + "\",\"markets\":["
                + markets
                + "]}";
    }

    private static String markets(int... indices) {
        StringBuilder json = new StringBuilder();
        for (int m : indices) {
            json.append(json.length() == 0 ? "\"" : ",\"").append(Workload.marketId(m)).append('"');
        }
        return json.toString();
    }

    private void send(String key, String value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    @Override
    public void close() throws InterruptedException {
        stopChurn();
        producer.close(Duration.ofSeconds(10));
    }
}

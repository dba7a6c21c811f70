package com.marketcast.bench;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marketcast.odds.model.OddsFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactory();

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    /** A market's state: the latest prices by selection and the version. */
    private static final class Market {
        final Map<String, Double> prices = new HashMap<>();
        long seq;
        long version;
    }

    HandWrittenReducer(
            String bootstrapServers,
            String topic,
            int partitions,
            String redisUri,
            Workload workload,
            int shards) {
        byte[][][] subscribers = new byte[workload.markets][][];
        for (int m = 0; m < workload.markets; m++) {
            int[] channels = workload.marketChannels[m];
            subscribers[m] = new byte[channels.length][];
            for (int i = 0; i < channels.length; i++) {
                subscribers[m][i] =
                        ("stream:" + Workload.channelId(channels[i], shards))
                                .getBytes(StandardCharsets.UTF_8);
            }
        }
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
        Map<String, Market> markets = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props);
                Jedis jedis = new Jedis(URI.create(redisUri))) {
            consumer.assign(partitions);
            Pipeline pipeline = jedis.pipelined();
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(5));
                if (records.isEmpty()) {
                    continue;
                }
                for (ConsumerRecord<String, byte[]> record : records) {
                    apply(record, markets, subscribers, pipeline);
                }
                pipeline.sync();
                consumer.commitAsync(); // after the flush: a crash replays, never skips
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void apply(
            ConsumerRecord<String, byte[]> record,
            Map<String, Market> markets,
            byte[][][] subscribers,
            Pipeline pipeline)
            throws IOException {
        JsonNode update = JSON.readTree(record.value());
        String marketId = update.get("marketId").asText();
        Market market = markets.computeIfAbsent(marketId, id -> new Market());
        long seq = update.get("seq").asLong();
        if (seq <= market.seq) {
            return;
        }
        market.seq = seq;
        boolean first = market.version == 0;
        market.version++;
        for (JsonNode selection : update.get("selections")) {
            market.prices.put(selection.get("id").asText(), selection.get("price").asDouble());
        }
        byte[] message = message(marketId, market, update, record.timestamp(), first);
        pipeline.set(("market:" + marketId).getBytes(StandardCharsets.UTF_8), message);
        for (byte[] channel : subscribers[Integer.parseInt(marketId.substring(2)) - 100_000]) {
            pipeline.publish(channel, message);
        }
    }

    /** A snapshot for the market's first update, then deltas: serialized once per change. */
    private static byte[] message(
            String marketId, Market market, JsonNode update, long ts, boolean snapshot)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator json = FACTORY.createGenerator(bytes, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("type", snapshot ? "snapshot" : "delta");
            json.writeStringField("marketId", marketId);
            json.writeNumberField("epoch", 1);
            json.writeNumberField("version", market.version);
            if (!snapshot) {
                json.writeNumberField("prev", market.version - 1);
            }
            json.writeNumberField("ts", ts);
            json.writeObjectFieldStart(snapshot ? "market" : "changes");
            json.writeArrayFieldStart("selections");
            for (JsonNode selection : update.get("selections")) {
                double price = selection.get("price").asDouble();
                json.writeStartObject();
                json.writeStringField("id", selection.get("id").asText());
                json.writeNumberField("price", price);
                json.writeStringField("display", OddsFormat.DECIMAL.display(price));
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
            json.writeEndObject();
        }
        return bytes.toByteArray();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join(10_000);
        }
    }
}

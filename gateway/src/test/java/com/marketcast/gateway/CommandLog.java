package com.marketcast.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the command topic from the start: every command the gateway wrote, with its key. */
public final class CommandLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One command record. */
    public record Command(String key, JsonNode value) {}

    private final KafkaConsumer<String, String> consumer;
    private final List<Command> seen = new ArrayList<>();

    public CommandLog(String bootstrapServers, String topic) {
        consumer =
                new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrapServers,
                                ConsumerConfig.GROUP_ID_CONFIG,
                                "command-log-" + UUID.randomUUID(),
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                                "earliest"),
                        new StringDeserializer(),
                        new StringDeserializer());
        consumer.subscribe(List.of(topic));
    }

    /** Every command so far of a channel (polls Kafka briefly). */
    public synchronized List<Command> of(String channelId) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
            try {
                seen.add(new Command(r.key(), JSON.readTree(r.value())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return seen.stream().filter(c -> channelId.equals(c.key())).toList();
    }

    /** The values of a channel's commands of one type. */
    public List<JsonNode> of(String channelId, String type) {
        return of(channelId).stream()
                .map(Command::value)
                .filter(v -> v.path("type").asText().equals(type))
                .toList();
    }

    @Override
    public synchronized void close() {
        consumer.close();
    }
}

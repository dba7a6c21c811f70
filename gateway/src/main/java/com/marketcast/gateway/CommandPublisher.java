package com.marketcast.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes commands to {@code stream-commands} keyed by channel id, so one channel's commands stay in
 * order in one partition. The producer is idempotent ({@code acks=all}): a retry after a lost
 * acknowledgement does not write a command twice.
 */
final class CommandPublisher implements AutoCloseable {
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaProducer<String, String> producer;
    private final String topic;
    private final ObjectMapper json;

    CommandPublisher(String bootstrapServers, String topic, ObjectMapper json) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis());
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "marketcast-gateway");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        this.topic = topic;
        this.json = json;
    }

    /** Sends a command; the future completes when Kafka has it. */
    CompletableFuture<Void> send(ObjectNode command) {
        String channelId = command.get("channelId").asText();
        String value;
        try {
            value = json.writeValueAsString(command);
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            producer.send(
                    new ProducerRecord<>(topic, channelId, value),
                    (metadata, error) -> {
                        if (error == null) {
                            done.complete(null);
                        } else {
                            done.completeExceptionally(error);
                        }
                    });
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    /**
     * Sends a command for a control call and waits for Kafka: the call answers only once the
     * command is durable, and a Kafka outage is a 503 rather than a silent loss.
     */
    void sendAndWait(ObjectNode command) {
        try {
            send(command).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable();
        } catch (ExecutionException | TimeoutException e) {
            throw unavailable();
        }
    }

    private static ApiException unavailable() {
        return new ApiException(
                503, "unavailable", "the command topic cannot be reached; try again");
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}

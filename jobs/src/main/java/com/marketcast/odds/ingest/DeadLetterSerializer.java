package com.marketcast.odds.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a {@link DeadLetter} to the dead-letter topic as {@code
 * {"source":...,"partition":...,"offset":...,"reason":...,"payload":...}} (PROTOCOL section 4).
 *
 * <p>The Kafka key is {@code source-partition} (e.g. {@code market-updates-3}), not null: every
 * dead letter of one source partition then lands in one dead-letter partition in offset order, so a
 * replay tool or a person reading the topic sees them in the order the job met them, and a poisoned
 * source partition does not scatter across the whole topic. Dead letters are rare, so the skew this
 * allows does not matter.
 *
 * <p>The record timestamp is left to the producer (now) rather than copied from the bad record:
 * with time-based retention, dead letters from a replayed backlog would otherwise be deleted as
 * soon as they were written.
 */
public class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;

    private final String topic;

    private transient JsonFactory factory;

    public DeadLetterSerializer(String topic) {
        this.topic = Objects.requireNonNull(topic, "topic");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            DeadLetter deadLetter, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, null, key(deadLetter), toJson(deadLetter));
    }

    static byte[] key(DeadLetter deadLetter) {
        return deadLetter.source == null
                ? null
                : (deadLetter.source + "-" + deadLetter.partition).getBytes(StandardCharsets.UTF_8);
    }

    byte[] toJson(DeadLetter deadLetter) {
        if (factory == null) {
            factory = new JsonFactory();
        }
        int payloadLength = deadLetter.payload == null ? 0 : deadLetter.payload.length();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + payloadLength);
        try (JsonGenerator json = factory.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("source", deadLetter.source);
            json.writeNumberField("partition", deadLetter.partition);
            json.writeNumberField("offset", deadLetter.offset);
            json.writeStringField("reason", deadLetter.reason);
            json.writeStringField("payload", deadLetter.payload);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write a dead letter to memory", e);
        }
        return out.toByteArray();
    }
}

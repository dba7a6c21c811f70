package com.marketcast.odds.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DeadLetterSerializerTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void writesTheProtocolShape() throws Exception {
        DeadLetter deadLetter =
                new DeadLetter(
                        "market-updates",
                        3,
                        1234,
                        "seq must be a number, not a string",
                        "{\"marketId\":\"m-1\",\"seq\":\"42\"}");

        ProducerRecord<byte[], byte[]> record =
                new DeadLetterSerializer("dead-letters").serialize(deadLetter, null, 99L);

        assertThat(record.topic()).isEqualTo("dead-letters");
        assertThat(record.partition()).isNull();
        assertThat(record.timestamp()).as("stamped by the producer, not the bad record").isNull();
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("market-updates-3");
        assertThat(new String(record.value(), StandardCharsets.UTF_8))
                .isEqualTo(
                        "{\"source\":\"market-updates\",\"partition\":3,\"offset\":1234,"
                                + "\"reason\":\"seq must be a number, not a string\",\"payload\":"
                                + "\"{\\\"marketId\\\":\\\"m-1\\\",\\\"seq\\\":\\\"42\\\"}\"}");
    }

    @Test
    void roundTripsThroughJackson() throws Exception {
        DeadLetter original =
                new DeadLetter(
                        "stream-commands",
                        11,
                        Long.MAX_VALUE,
                        "key 'a' does not match channelId 'b'",
                        "line1\nline2\t\"quoted\" \\ \u0001 caf\u00e9 \uD83D\uDE00 \uFFFD");
        DeadLetterSerializer serializer = InstantiationUtil.clone(new DeadLetterSerializer("dl"));

        byte[] json = serializer.serialize(original, null, null).value();
        JsonNode tree = MAPPER.readTree(json);
        DeadLetter copy = MAPPER.readValue(json, DeadLetter.class);

        List<String> names = new ArrayList<>();
        tree.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("source", "partition", "offset", "reason", "payload");
        assertThat(copy).usingRecursiveComparison().isEqualTo(original);
    }

    @Test
    void tombstonePayloadIsJsonNull() throws Exception {
        DeadLetter tombstone =
                new DeadLetter("market-updates", 0, 5, "record value is null (a tombstone)", null);

        JsonNode tree =
                MAPPER.readTree(
                        new DeadLetterSerializer("dl").serialize(tombstone, null, null).value());

        assertThat(tree.get("payload").isNull()).isTrue();
        assertThat(tree.get("offset").asLong()).isEqualTo(5);
    }
}

package com.marketcast.odds.ingest;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads a Kafka record into a {@link RawRecord} without interpreting the value. Validation happens
 * downstream in {@link ParseRecords}: an exception here would fail the source and replay the same
 * record forever, while there a bad record becomes a dead letter with its offset.
 */
public class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        byte[] key = record.key();
        out.collect(
                new RawRecord(
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.timestamp(),
                        // Invalid UTF-8 becomes U+FFFD and then fails the key = id check: no throw.
                        key == null ? null : new String(key, StandardCharsets.UTF_8),
                        record.value()));
    }

    /** A POJO type, so Flink serializes it field by field instead of falling back to Kryo. */
    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return Types.POJO(RawRecord.class);
    }
}

package com.marketcast.odds.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.types.PojoTestUtils;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class RawRecordDeserializerTest {

    @Test
    void keepsProvenanceAndDecodesTheKey() throws Exception {
        byte[] value = {'{', '}', (byte) 0xff};
        ConsumerRecord<byte[], byte[]> consumed =
                new ConsumerRecord<>(
                        "market-updates", 3, 1234L, "m-1".getBytes(StandardCharsets.UTF_8), value);

        RawRecord raw = deserialize(consumed);

        assertThat(raw.topic).isEqualTo("market-updates");
        assertThat(raw.partition).isEqualTo(3);
        assertThat(raw.offset).isEqualTo(1234);
        assertThat(raw.timestamp).isEqualTo(consumed.timestamp());
        assertThat(raw.key).isEqualTo("m-1");
        assertThat(raw.value).as("the value is not interpreted here").isSameAs(value);
    }

    @Test
    void missingKeyAndTombstoneStayNull() throws Exception {
        RawRecord raw = deserialize(new ConsumerRecord<>("stream-commands", 0, 1L, null, null));

        assertThat(raw.key).isNull();
        assertThat(raw.value).isNull();
    }

    @Test
    void producesAPojoType() {
        assertThat(new RawRecordDeserializer().getProducedType()).isInstanceOf(PojoTypeInfo.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(RawRecord.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(DeadLetter.class);
    }

    private static RawRecord deserialize(ConsumerRecord<byte[], byte[]> record) throws Exception {
        List<RawRecord> out = new ArrayList<>();
        new RawRecordDeserializer()
                .deserialize(
                        record,
                        new Collector<>() {
                            @Override
                            public void collect(RawRecord raw) {
                                out.add(raw);
                            }

                            @Override
                            public void close() {}
                        });
        assertThat(out).hasSize(1);
        return out.get(0);
    }
}

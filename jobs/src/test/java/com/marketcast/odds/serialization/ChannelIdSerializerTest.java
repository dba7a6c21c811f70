package com.marketcast.odds.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.UUID;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChannelIdSerializerTest {
    private final ChannelIdSerializer serializer = ChannelIdSerializer.INSTANCE;

    @Test
    void aControlApiChannelIdTakesSeventeenBytes() throws IOException {
        String id = UUID.randomUUID().toString();

        byte[] bytes = serialize(id);

        assertThat(bytes).hasSize(17);
        assertThat(deserialize(bytes)).isEqualTo(id);
    }

    @Test
    void extremeUuidsRoundTrip() throws IOException {
        for (String id :
                new String[] {
                    new UUID(0, 0).toString(),
                    new UUID(-1, -1).toString(),
                    new UUID(Long.MIN_VALUE, Long.MAX_VALUE).toString(),
                    "0123abcd-4567-89ef-fedc-ba9876543210"
                }) {
            assertThat(deserialize(serialize(id))).isEqualTo(id);
            assertThat(serialize(id)).hasSize(17);
        }
    }

    /** Anything but the canonical form is kept as written, so every id comes back unchanged. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "c1",
                "b0-12345",
                "0123ABCD-4567-89EF-FEDC-BA9876543210", // upper case: UUID.toString would not match
                "0123abcd-4567-89ef-fedc-ba987654321", // one digit short
                "0123abcd-4567-89ef-fedc-ba98765432100", // one too many
                "0123abcd+4567-89ef-fedc-ba9876543210", // not a dash
                "0123abcg-4567-89ef-fedc-ba9876543210", // not hex
                "kanał-é-渠道"
            })
    void otherIdsRoundTripAsStrings(String id) throws IOException {
        assertThat(ChannelIdSerializer.isCanonicalUuid(id)).isFalse();
        assertThat(deserialize(serialize(id))).isEqualTo(id);
    }

    @Test
    void copyingSerializedIdsKeepsThem() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(new UUID(7, 9).toString(), out);
        serializer.serialize("c1", out);
        DataOutputSerializer copied = new DataOutputSerializer(64);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        serializer.copy(in, copied);
        serializer.copy(in, copied);

        assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
    }

    @Test
    void anUnknownTagIsAnErrorNotAWrongId() {
        assertThatThrownBy(() -> deserialize(new byte[] {9, 0, 0}))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tag 9");
    }

    @Test
    void theSnapshotRestoresAsCompatible() throws IOException {
        ExplicitSerializersTest.assertSnapshotRestoresAsCompatible(serializer);
    }

    @Test
    void theKeyTypeCreatesThisSerializer() {
        assertThat(ChannelIdSerializer.TYPE.createSerializer(new SerializerConfigImpl()))
                .isSameAs(serializer);
    }

    private byte[] serialize(String id) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(id, out);
        return out.getCopyOfBuffer();
    }

    private String deserialize(byte[] bytes) throws IOException {
        return serializer.deserialize(new DataInputDeserializer(bytes));
    }
}

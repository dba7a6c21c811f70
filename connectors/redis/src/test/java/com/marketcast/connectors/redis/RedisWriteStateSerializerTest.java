package com.marketcast.connectors.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.junit.jupiter.api.Test;

class RedisWriteStateSerializerTest {
    private final RedisWriteStateSerializer serializer = new RedisWriteStateSerializer();

    @Test
    void roundTripKeepsEveryCommandInOrder() throws IOException {
        List<RedisWrite> writes =
                List.of(
                        RedisWrite.publish("channel-1", utf8("{\"price\":1.5}")),
                        RedisWrite.set("snapshot:1", utf8("v1")),
                        RedisWrite.publish("channel-2", new byte[0]),
                        new RedisWrite(
                                RedisWrite.Command.SET, new byte[] {0, -1, 127}, new byte[] {-128}),
                        RedisWrite.delete("snapshot:2"),
                        RedisWrite.publish("çhännel-€", utf8("ünïcode")));
        Deque<RequestEntryWrapper<RedisWrite>> buffer = new ArrayDeque<>();
        for (RedisWrite write : writes) {
            buffer.add(new RequestEntryWrapper<>(write, write.sizeInBytes()));
        }

        BufferedRequestState<RedisWrite> restored =
                serializer.deserialize(
                        serializer.getVersion(),
                        serializer.serialize(new BufferedRequestState<>(buffer)));

        assertThat(restored.getBufferedRequestEntries())
                .extracting(RequestEntryWrapper::getRequestEntry)
                .containsExactlyElementsOf(writes);
        assertThat(restored.getBufferedRequestEntries())
                .extracting(RequestEntryWrapper::getSize)
                .containsExactlyElementsOf(writes.stream().map(RedisWrite::sizeInBytes).toList());
        assertThat(restored.getStateSize())
                .isEqualTo(writes.stream().mapToLong(RedisWrite::sizeInBytes).sum());
    }

    @Test
    void roundTripOfAnEmptyBuffer() throws IOException {
        BufferedRequestState<RedisWrite> restored =
                serializer.deserialize(
                        serializer.getVersion(),
                        serializer.serialize(BufferedRequestState.emptyState()));
        assertThat(restored.getBufferedRequestEntries()).isEmpty();
    }

    @Test
    void rejectsAnUnknownVersion() throws IOException {
        byte[] bytes = serializer.serialize(BufferedRequestState.emptyState());
        assertThatThrownBy(() -> serializer.deserialize(serializer.getVersion() + 1, bytes))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 2");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

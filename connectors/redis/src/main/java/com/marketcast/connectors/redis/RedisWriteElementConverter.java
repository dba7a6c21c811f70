package com.marketcast.connectors.redis;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.base.sink.writer.ElementConverter;

/** Adapts a {@link RedisWriteSerializer} to the element converter {@code AsyncSinkBase} wants. */
final class RedisWriteElementConverter<IN> implements ElementConverter<IN, RedisWrite> {
    private static final long serialVersionUID = 1L;

    private final RedisWriteSerializer<IN> serializer;

    RedisWriteElementConverter(RedisWriteSerializer<IN> serializer) {
        this.serializer = serializer;
    }

    @Override
    public RedisWrite apply(IN element, SinkWriter.Context context) {
        RedisWrite write = serializer.serialize(element);
        // Checked here, on the task thread, so the failure names the serializer instead of
        // surfacing later as a NullPointerException in the buffer or on the I/O thread.
        if (write == null || write.command == null || write.key == null || write.value == null) {
            throw new IllegalArgumentException(
                    serializer.getClass().getName()
                            + " returned an incomplete RedisWrite (command, key and value must all"
                            + " be set): "
                            + write);
        }
        return write;
    }
}

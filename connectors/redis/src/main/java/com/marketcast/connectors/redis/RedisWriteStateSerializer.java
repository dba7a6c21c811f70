package com.marketcast.connectors.redis;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriterStateSerializer;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;

/**
 * Writes the sink writer's buffered (not yet sent) commands into checkpoints.
 *
 * <p>Per command: a one-byte command code, then key and value as length-prefixed bytes. The codes
 * are fixed numbers rather than enum ordinals so that reordering {@link RedisWrite.Command} can
 * never change the meaning of an existing checkpoint.
 */
final class RedisWriteStateSerializer extends AsyncSinkWriterStateSerializer<RedisWrite> {
    static final int VERSION = 1;

    private static final byte PUBLISH = 1;
    private static final byte SET = 2;
    private static final byte DEL = 3;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public BufferedRequestState<RedisWrite> deserialize(int version, byte[] serialized)
            throws IOException {
        if (version != VERSION) {
            throw new IOException(
                    "Unknown Redis sink state version "
                            + version
                            + " (this sink reads "
                            + VERSION
                            + ")");
        }
        return super.deserialize(version, serialized);
    }

    @Override
    protected void serializeRequestToStream(RedisWrite write, DataOutputStream out)
            throws IOException {
        out.writeByte(code(write.command));
        out.writeInt(write.key.length);
        out.write(write.key);
        out.writeInt(write.value.length);
        out.write(write.value);
    }

    @Override
    protected RedisWrite deserializeRequestFromStream(long requestSize, DataInputStream in)
            throws IOException {
        RedisWrite.Command command = command(in.readByte());
        byte[] key = new byte[in.readInt()];
        in.readFully(key);
        byte[] value = new byte[in.readInt()];
        in.readFully(value);
        return new RedisWrite(command, key, value);
    }

    private static byte code(RedisWrite.Command command) {
        switch (command) {
            case PUBLISH:
                return PUBLISH;
            case SET:
                return SET;
            case DEL:
                return DEL;
            default:
                throw new IllegalArgumentException("No state code for command " + command);
        }
    }

    private static RedisWrite.Command command(byte code) throws IOException {
        switch (code) {
            case PUBLISH:
                return RedisWrite.Command.PUBLISH;
            case SET:
                return RedisWrite.Command.SET;
            case DEL:
                return RedisWrite.Command.DEL;
            default:
                throw new IOException("Unknown Redis command code " + code + " in sink state");
        }
    }
}

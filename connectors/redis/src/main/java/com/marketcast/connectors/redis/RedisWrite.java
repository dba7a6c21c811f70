package com.marketcast.connectors.redis;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One Redis command the sink sends: {@code PUBLISH key value}, {@code SET key value} or {@code DEL
 * key}.
 *
 * <p>A Flink POJO (public fields, no-arg constructor) so it crosses operator boundaries without
 * Kryo. The byte arrays are not copied: a producer may hand the same payload to many writes (one
 * serialized change fanned out to every channel), so nobody may mutate them after construction.
 */
public final class RedisWrite implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The Redis command. */
    public enum Command {
        PUBLISH,
        SET,
        DEL
    }

    public Command command;
    public byte[] key;
    public byte[] value;

    public RedisWrite() {}

    public RedisWrite(Command command, byte[] key, byte[] value) {
        this.command = Objects.requireNonNull(command, "command");
        this.key = Objects.requireNonNull(key, "key");
        this.value = Objects.requireNonNull(value, "value");
    }

    public static RedisWrite publish(String channel, byte[] message) {
        return new RedisWrite(Command.PUBLISH, channel.getBytes(StandardCharsets.UTF_8), message);
    }

    public static RedisWrite set(String key, byte[] value) {
        return new RedisWrite(Command.SET, key.getBytes(StandardCharsets.UTF_8), value);
    }

    /** {@code DEL key}: the value is empty. */
    public static RedisWrite delete(String key) {
        return new RedisWrite(Command.DEL, key.getBytes(StandardCharsets.UTF_8), new byte[0]);
    }

    /** Bytes this write occupies in the sink's buffer, for its size-based limits. */
    public long sizeInBytes() {
        return key.length + value.length + 16L;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RedisWrite)) {
            return false;
        }
        RedisWrite that = (RedisWrite) o;
        return command == that.command
                && Arrays.equals(key, that.key)
                && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * command.hashCode() + Arrays.hashCode(key)) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return command
                + " "
                + new String(key, StandardCharsets.UTF_8)
                + " "
                + new String(value, StandardCharsets.UTF_8);
    }
}

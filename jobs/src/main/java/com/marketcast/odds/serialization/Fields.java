package com.marketcast.odds.serialization;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Field encodings shared by the explicit serializers: strings as a length and their UTF-8 bytes
 * (the JDK encodes and decodes ASCII ids without a per-character loop, unlike Flink's {@code
 * StringValue} char-by-char codec), nullable strings and enums (ordinal, or -1 for null).
 */
public final class Fields {
    private Fields() {}

    public static void writeString(DataOutputView out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    public static String readString(DataInputView in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** An enum as its ordinal: constants may be added at the end, never reordered or removed. */
    public static void writeEnum(DataOutputView out, Enum<?> value) throws IOException {
        out.writeByte(value == null ? -1 : value.ordinal());
    }

    public static <E extends Enum<E>> E readEnum(DataInputView in, E[] constants)
            throws IOException {
        int ordinal = in.readByte();
        return ordinal < 0 ? null : constants[ordinal];
    }

    public static void writeStrings(DataOutputView out, String[] values) throws IOException {
        if (values == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(values.length);
        for (String value : values) {
            writeString(out, value);
        }
    }

    public static String[] readStrings(DataInputView in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        String[] values = new String[length];
        for (int i = 0; i < length; i++) {
            values[i] = readString(in);
        }
        return values;
    }
}

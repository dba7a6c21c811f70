package com.marketcast.odds.serialization;

import java.io.IOException;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Channel ids in state: the control API hands out random UUIDs (PROTOCOL.md), 36 characters of hex
 * that block compression cannot shrink, and every subscription names its channel twice (the
 * reducer's market → channel entry and the registry's channel → market key). Written as 16 bytes
 * after a tag byte they take less than half the space. Any other id (not a UUID in its canonical
 * lower-case form, which is what {@link UUID#toString} gives back) is written as the string it is,
 * so every id round-trips unchanged.
 */
public final class ChannelIdSerializer extends TypeSerializerSingleton<String> {
    private static final long serialVersionUID = 1L;

    private static final int UUID_TAG = 0;
    private static final int STRING_TAG = 1;
    private static final int UUID_LENGTH = 36;

    public static final ChannelIdSerializer INSTANCE = new ChannelIdSerializer();

    /** For {@code keyBy}: keyed state of a stream keyed by channel id stores its keys this way. */
    public static final TypeInformation<String> TYPE =
            new SerializerTypeInfo<>(String.class, config -> INSTANCE);

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public String createInstance() {
        return "";
    }

    @Override
    public String copy(String from) {
        return from;
    }

    @Override
    public String copy(String from, String reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(String id, DataOutputView out) throws IOException {
        if (isCanonicalUuid(id)) {
            // canonical, so UUID.fromString reads it exactly and toString gives it back
            UUID uuid = UUID.fromString(id);
            out.writeByte(UUID_TAG);
            out.writeLong(uuid.getMostSignificantBits());
            out.writeLong(uuid.getLeastSignificantBits());
        } else {
            out.writeByte(STRING_TAG);
            Fields.writeString(out, id);
        }
    }

    @Override
    public String deserialize(DataInputView in) throws IOException {
        int tag = in.readByte();
        switch (tag) {
            case UUID_TAG:
                return new UUID(in.readLong(), in.readLong()).toString();
            case STRING_TAG:
                return Fields.readString(in);
            default:
                throw new IOException("not a serialized channel id: tag " + tag);
        }
    }

    @Override
    public String deserialize(String reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    /** Exactly the form {@link UUID#toString} writes: 8-4-4-4-12 lower-case hex digits. */
    static boolean isCanonicalUuid(String id) {
        if (id == null || id.length() != UUID_LENGTH) {
            return false;
        }
        for (int i = 0; i < UUID_LENGTH; i++) {
            char c = id.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public TypeSerializerSnapshot<String> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Version 1: the tag byte, then 16 bytes or a string as {@link Fields#writeString}. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<String> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}

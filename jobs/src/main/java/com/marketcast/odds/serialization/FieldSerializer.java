package com.marketcast.odds.serialization;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Base of the stateless explicit serializers of mutable record and state types: the type writes and
 * reads its fields in a fixed order ({@link #serialize}, {@link #deserialize}); copies go through
 * the bytes, which keeps {@link #copy} exact without a second field list to maintain (the job runs
 * with object reuse, so records are not copied between chained operators).
 *
 * <p>Why explicit serializers for these few types: Flink's {@code PojoSerializer} creates every
 * instance reflectively and first fills every field with a default instance (a nested POJO, an
 * empty array) before reading the real values, again by reflection. On the reducer's hot path that
 * was about a third of its thread (BENCHMARKS.md, "Explicit serializers").
 */
public abstract class FieldSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<T> duplicate() {
        return this; // stateless
    }

    @Override
    public T copy(T from) {
        if (from == null) {
            return null;
        }
        try {
            DataOutputSerializer out = new DataOutputSerializer(256);
            serialize(from, out);
            return deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
        } catch (IOException e) {
            throw new IllegalStateException("copying " + from, e);
        }
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public boolean equals(Object obj) {
        return obj != null && obj.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }
}

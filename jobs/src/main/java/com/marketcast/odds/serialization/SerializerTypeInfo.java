package com.marketcast.odds.serialization;

import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type information of a type with an explicit serializer, so {@code TypeInformation.of(type)}
 * (through the type's {@code @TypeInfo} factory), state descriptors and {@code returns(...)} all
 * pick the serializer up.
 */
public final class SerializerTypeInfo<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    /** Builds the serializer for a job's serializer configuration. */
    @FunctionalInterface
    public interface SerializerFactory<T> extends Serializable {
        TypeSerializer<T> create(SerializerConfig config);
    }

    private final Class<T> type;
    private final SerializerFactory<T> factory;

    public SerializerTypeInfo(Class<T> type, SerializerFactory<T> factory) {
        this.type = type;
        this.factory = factory;
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return type;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return factory.create(config);
    }

    @Override
    @SuppressWarnings("deprecation") // still abstract in Flink 1.20
    public TypeSerializer<T> createSerializer(ExecutionConfig config) {
        return createSerializer(config.getSerializerConfig());
    }

    @Override
    public String toString() {
        return type.getSimpleName() + " (explicit serializer)";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof SerializerTypeInfo<?> other && other.type == type;
    }

    @Override
    public int hashCode() {
        return Objects.hash(SerializerTypeInfo.class, type);
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof SerializerTypeInfo;
    }
}

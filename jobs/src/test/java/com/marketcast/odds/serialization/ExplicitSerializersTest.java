package com.marketcast.odds.serialization;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.channels.MarketWork;
import com.marketcast.odds.markets.MarketInput;
import com.marketcast.odds.markets.MarketInputSerializer;
import com.marketcast.odds.markets.MarketState;
import com.marketcast.odds.markets.MarketStateSerializer;
import com.marketcast.odds.markets.Subscription;
import com.marketcast.odds.markets.SubscriptionSerializer;
import com.marketcast.odds.model.MarketUpdate;
import java.io.IOException;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The explicit serializers of the hot types keep every field: each is round-tripped with every
 * public field (recursively) set to a non-default value, so a field added to a type but not to its
 * serializer fails here. Their snapshots restore as compatible, and {@code TypeInformation.of}
 * finds them, so state descriptors and the shuffle use them.
 */
class ExplicitSerializersTest {

    static Stream<Arguments> types() {
        return Stream.of(
                Arguments.of(MarketState.class, MarketStateSerializer.class),
                Arguments.of(Subscription.class, SubscriptionSerializer.class),
                Arguments.of(MarketInput.class, MarketInputSerializer.class));
    }

    @ParameterizedTest
    @MethodSource("types")
    void typeInformationFindsTheExplicitSerializer(Class<?> type, Class<?> serializer) {
        assertThat(serializerOf(type)).isInstanceOf(serializer);
    }

    @Test
    void marketStateKeepsEveryField() throws Exception {
        assertRoundTrip(MarketState.class, populated(MarketState.class, 1));
    }

    @Test
    void aMarketStateWithoutCatalogDataKeepsItsNulls() throws Exception {
        assertRoundTrip(MarketState.class, new MarketState("m-1"));
    }

    @Test
    void subscriptionKeepsEveryField() throws Exception {
        assertRoundTrip(Subscription.class, populated(Subscription.class, 1));
        assertRoundTrip(Subscription.class, new Subscription());
    }

    @Test
    void marketInputKeepsEachOfItsThreeKinds() throws Exception {
        assertRoundTrip(MarketInput.class, MarketInput.of(populated(MarketUpdate.class, 1)));
        assertRoundTrip(MarketInput.class, MarketInput.of(populated(MarketWork.class, 1)));
        assertRoundTrip(MarketInput.class, MarketInput.of(populated(MarketCatalog.class, 1)));
    }

    @ParameterizedTest
    @MethodSource("types")
    <T> void snapshotsRestoreAsCompatible(Class<T> type) throws Exception {
        assertSnapshotRestoresAsCompatible(serializerOf(type));
    }

    /** The serializer's snapshot, written and read back, restores it as compatible as is. */
    static <T> void assertSnapshotRestoresAsCompatible(TypeSerializer<T> serializer)
            throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
        TypeSerializerSnapshot<T> restored =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(out.getCopyOfBuffer()),
                        ExplicitSerializersTest.class.getClassLoader());

        TypeSerializerSchemaCompatibility<T> compatibility =
                serializer.snapshotConfiguration().resolveSchemaCompatibility(restored);
        assertThat(compatibility.isCompatibleAsIs()).isTrue();
        assertThat(restored.restoreSerializer()).isEqualTo(serializer);
    }

    @Test
    void copiesAreDeep() {
        MarketState state = populated(MarketState.class, 1);
        MarketState copy = MarketStateSerializer.INSTANCE.copy(state);
        assertThat(copy).usingRecursiveComparison().isEqualTo(state);
        assertThat(copy.selections[0]).isNotSameAs(state.selections[0]);
    }

    @Test
    void subscriptionCopiesKeepEveryField() {
        Subscription subscription = populated(Subscription.class, 1);
        Subscription copy = SubscriptionSerializer.INSTANCE.copy(subscription);
        assertThat(copy).isNotSameAs(subscription);
        assertThat(copy).usingRecursiveComparison().isEqualTo(subscription);
    }

    private static <T> void assertRoundTrip(Class<T> type, T value) throws Exception {
        TypeSerializer<T> serializer = serializerOf(type);
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(value, out);
        T back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).usingRecursiveComparison().isEqualTo(value);
    }

    private static <T> TypeSerializer<T> serializerOf(Class<T> type) {
        return TypeInformation.of(type).createSerializer(new SerializerConfigImpl());
    }

    /** An instance with every public field set to a non-default value, recursively. */
    @SuppressWarnings("unchecked")
    static <T> T populated(Class<T> type, int seed) {
        try {
            T instance = type.getConstructor().newInstance();
            int n = seed;
            for (Field field : type.getFields()) {
                if (Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                field.set(instance, valueOf(field.getType(), ++n));
            }
            return instance;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot populate " + type, e);
        }
    }

    private static Object valueOf(Class<?> type, int n) {
        if (type == String.class) {
            return "v" + n + "-é";
        }
        if (type == long.class || type == Long.class) {
            return 1_000L + n;
        }
        if (type == int.class) {
            return 100 + n;
        }
        if (type == double.class) {
            return 1.5 + n;
        }
        if (type == boolean.class) {
            return n % 2 == 0; // both values across the fields
        }
        if (type.isEnum()) {
            Object[] constants = type.getEnumConstants();
            return constants[constants.length - 1];
        }
        if (type.isArray()) {
            Object array = Array.newInstance(type.getComponentType(), 2);
            Array.set(array, 0, valueOf(type.getComponentType(), n * 10));
            Array.set(array, 1, valueOf(type.getComponentType(), n * 10 + 1));
            return array;
        }
        return populated(type, n * 100);
    }
}

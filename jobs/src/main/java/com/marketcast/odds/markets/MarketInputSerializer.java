package com.marketcast.odds.markets;

import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.channels.MarketWork;
import com.marketcast.odds.model.MarketStatus;
import com.marketcast.odds.model.MarketUpdate;
import com.marketcast.odds.model.SelectionPrice;
import com.marketcast.odds.serialization.FieldSerializer;
import com.marketcast.odds.serialization.Fields;
import com.marketcast.odds.serialization.SerializerTypeInfo;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The serializer of {@link MarketInput}, the record of the shuffle into the reducer: a tag, then
 * the one field that is set. Feed updates, nearly every record, have an explicit layout; channel
 * work and catalog rows keep Flink's POJO serializers (nested, so their evolution still works).
 * Flink's POJO serializer of the union itself would build a default {@code MarketWork} and {@code
 * MarketCatalog} for every record before reading which one is there.
 */
public final class MarketInputSerializer extends FieldSerializer<MarketInput> {
    private static final long serialVersionUID = 1L;
    private static final MarketStatus[] STATUSES = MarketStatus.values();
    private static final byte UPDATE = 0;
    private static final byte WORK = 1;
    private static final byte CATALOG = 2;

    private final TypeSerializer<MarketWork> work;
    private final TypeSerializer<MarketCatalog> catalog;

    public MarketInputSerializer(
            TypeSerializer<MarketWork> work, TypeSerializer<MarketCatalog> catalog) {
        this.work = work;
        this.catalog = catalog;
    }

    @Override
    public TypeSerializer<MarketInput> duplicate() {
        TypeSerializer<MarketWork> w = work.duplicate();
        TypeSerializer<MarketCatalog> c = catalog.duplicate();
        return w == work && c == catalog ? this : new MarketInputSerializer(w, c);
    }

    @Override
    public MarketInput createInstance() {
        return new MarketInput();
    }

    @Override
    public void serialize(MarketInput input, DataOutputView out) throws IOException {
        if (input.update != null) {
            out.writeByte(UPDATE);
            writeUpdate(input.update, out);
        } else if (input.work != null) {
            out.writeByte(WORK);
            work.serialize(input.work, out);
        } else {
            out.writeByte(CATALOG);
            catalog.serialize(input.catalog, out);
        }
    }

    @Override
    public MarketInput deserialize(DataInputView in) throws IOException {
        byte tag = in.readByte();
        return switch (tag) {
            case UPDATE -> MarketInput.of(readUpdate(in));
            case WORK -> MarketInput.of(work.deserialize(in));
            case CATALOG -> MarketInput.of(catalog.deserialize(in));
            default -> throw new IOException("unknown MarketInput tag " + tag);
        };
    }

    private static void writeUpdate(MarketUpdate u, DataOutputView out) throws IOException {
        Fields.writeString(out, u.marketId);
        Fields.writeString(out, u.eventId);
        out.writeLong(u.seq);
        out.writeLong(u.ts);
        Fields.writeEnum(out, u.status);
        out.writeInt(u.selections.length);
        for (SelectionPrice price : u.selections) {
            Fields.writeString(out, price.id);
            out.writeDouble(price.price);
        }
        out.writeLong(u.recordTime);
    }

    private static MarketUpdate readUpdate(DataInputView in) throws IOException {
        MarketUpdate u = new MarketUpdate();
        u.marketId = Fields.readString(in);
        u.eventId = Fields.readString(in);
        u.seq = in.readLong();
        u.ts = in.readLong();
        u.status = Fields.readEnum(in, STATUSES);
        SelectionPrice[] selections = new SelectionPrice[in.readInt()];
        for (int i = 0; i < selections.length; i++) {
            selections[i] = new SelectionPrice(Fields.readString(in), in.readDouble());
        }
        u.selections = selections;
        u.recordTime = in.readLong();
        return u;
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof MarketInputSerializer other
                && work.equals(other.work)
                && catalog.equals(other.catalog);
    }

    @Override
    public int hashCode() {
        return Objects.hash(work, catalog);
    }

    @Override
    public TypeSerializerSnapshot<MarketInput> snapshotConfiguration() {
        return new Snapshot(this);
    }

    /** Version 1: the tagged layout above, with the nested work and catalog serializers. */
    public static final class Snapshot
            extends CompositeTypeSerializerSnapshot<MarketInput, MarketInputSerializer> {
        public Snapshot() {}

        Snapshot(MarketInputSerializer serializer) {
            super(serializer);
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return 1;
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(MarketInputSerializer outer) {
            return new TypeSerializer<?>[] {outer.work, outer.catalog};
        }

        @Override
        @SuppressWarnings("unchecked")
        protected MarketInputSerializer createOuterSerializerWithNestedSerializers(
                TypeSerializer<?>[] nested) {
            return new MarketInputSerializer(
                    (TypeSerializer<MarketWork>) nested[0],
                    (TypeSerializer<MarketCatalog>) nested[1]);
        }
    }

    /** Lets {@code TypeInformation.of(MarketInput.class)} find this serializer. */
    public static final class Factory extends TypeInfoFactory<MarketInput> {
        @Override
        public TypeInformation<MarketInput> createTypeInfo(
                Type type, Map<String, TypeInformation<?>> parameters) {
            return new SerializerTypeInfo<>(
                    MarketInput.class,
                    config ->
                            new MarketInputSerializer(
                                    TypeInformation.of(MarketWork.class).createSerializer(config),
                                    TypeInformation.of(MarketCatalog.class)
                                            .createSerializer(config)));
        }
    }
}

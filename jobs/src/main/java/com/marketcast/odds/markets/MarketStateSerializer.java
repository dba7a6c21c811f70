package com.marketcast.odds.markets;

import com.marketcast.odds.catalog.EventRow;
import com.marketcast.odds.model.MarketStatus;
import com.marketcast.odds.serialization.FieldSerializer;
import com.marketcast.odds.serialization.Fields;
import com.marketcast.odds.serialization.SerializerTypeInfo;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The explicit serializer of {@link MarketState}, the reducer's per-market state, read and written
 * on every update. A field added to {@code MarketState} must be added here (and the snapshot's
 * version raised with a migration path); {@code MarketStateSerializerTest} fails on a field the
 * round trip loses.
 */
public final class MarketStateSerializer extends FieldSerializer<MarketState> {
    private static final long serialVersionUID = 1L;
    private static final MarketStatus[] STATUSES = MarketStatus.values();

    public static final MarketStateSerializer INSTANCE = new MarketStateSerializer();

    @Override
    public MarketState createInstance() {
        return new MarketState();
    }

    /**
     * Field by field instead of through the bytes: {@link CachedMarketState} copies a state on
     * every read and write. Strings and event rows are never changed in place, so they are shared.
     */
    @Override
    public MarketState copy(MarketState from) {
        if (from == null) {
            return null;
        }
        MarketState m = new MarketState(from.marketId);
        m.eventId = from.eventId;
        m.status = from.status;
        m.feedStatus = from.feedStatus;
        m.catalogStatus = from.catalogStatus;
        m.statusVersion = from.statusVersion;
        m.version = from.version;
        m.seq = from.seq;
        m.updatedAt = from.updatedAt;
        m.epoch = from.epoch;
        m.epochRun = from.epochRun;
        Selection[] selections = new Selection[from.selections.length];
        for (int i = 0; i < selections.length; i++) {
            Selection s = from.selections[i];
            selections[i] = new Selection(s.id, s.price, s.version);
            selections[i].name = s.name;
        }
        m.selections = selections;
        m.name = from.name;
        m.type = from.type;
        m.infoVersion = from.infoVersion;
        m.event = from.event;
        m.eventVersion = from.eventVersion;
        return m;
    }

    @Override
    public void serialize(MarketState m, DataOutputView out) throws IOException {
        Fields.writeString(out, m.marketId);
        Fields.writeString(out, m.eventId);
        Fields.writeEnum(out, m.status);
        Fields.writeEnum(out, m.feedStatus);
        Fields.writeEnum(out, m.catalogStatus);
        out.writeLong(m.statusVersion);
        out.writeLong(m.version);
        out.writeLong(m.seq);
        out.writeLong(m.updatedAt);
        out.writeLong(m.epoch);
        out.writeLong(m.epochRun);
        out.writeInt(m.selections.length);
        for (Selection s : m.selections) {
            Fields.writeString(out, s.id);
            out.writeDouble(s.price);
            out.writeLong(s.version);
            Fields.writeString(out, s.name);
        }
        Fields.writeString(out, m.name);
        Fields.writeString(out, m.type);
        out.writeLong(m.infoVersion);
        out.writeBoolean(m.event != null);
        if (m.event != null) {
            writeEvent(m.event, out);
        }
        out.writeLong(m.eventVersion);
    }

    @Override
    public MarketState deserialize(DataInputView in) throws IOException {
        MarketState m = new MarketState();
        m.marketId = Fields.readString(in);
        m.eventId = Fields.readString(in);
        m.status = Fields.readEnum(in, STATUSES);
        m.feedStatus = Fields.readEnum(in, STATUSES);
        m.catalogStatus = Fields.readEnum(in, STATUSES);
        m.statusVersion = in.readLong();
        m.version = in.readLong();
        m.seq = in.readLong();
        m.updatedAt = in.readLong();
        m.epoch = in.readLong();
        m.epochRun = in.readLong();
        Selection[] selections = new Selection[in.readInt()];
        for (int i = 0; i < selections.length; i++) {
            Selection s = new Selection(Fields.readString(in), in.readDouble(), in.readLong());
            s.name = Fields.readString(in);
            selections[i] = s;
        }
        m.selections = selections;
        m.name = Fields.readString(in);
        m.type = Fields.readString(in);
        m.infoVersion = in.readLong();
        if (in.readBoolean()) {
            m.event = readEvent(in);
        }
        m.eventVersion = in.readLong();
        return m;
    }

    static void writeEvent(EventRow e, DataOutputView out) throws IOException {
        Fields.writeString(out, e.eventId);
        Fields.writeString(out, e.name);
        Fields.writeString(out, e.sport);
        Fields.writeString(out, e.competition);
        out.writeLong(e.startTime);
        out.writeBoolean(e.inPlay);
    }

    static EventRow readEvent(DataInputView in) throws IOException {
        EventRow e = new EventRow();
        e.eventId = Fields.readString(in);
        e.name = Fields.readString(in);
        e.sport = Fields.readString(in);
        e.competition = Fields.readString(in);
        e.startTime = in.readLong();
        e.inPlay = in.readBoolean();
        return e;
    }

    @Override
    public TypeSerializerSnapshot<MarketState> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Version 1: the layout above. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<MarketState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** Lets {@code TypeInformation.of(MarketState.class)} find this serializer. */
    public static final class Factory extends TypeInfoFactory<MarketState> {
        @Override
        public TypeInformation<MarketState> createTypeInfo(
                Type type, Map<String, TypeInformation<?>> parameters) {
            return new SerializerTypeInfo<>(MarketState.class, config -> INSTANCE);
        }
    }
}

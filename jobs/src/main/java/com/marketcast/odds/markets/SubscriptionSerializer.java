package com.marketcast.odds.markets;

import com.marketcast.odds.model.OddsFormat;
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
 * The explicit serializer of {@link Subscription}: a market's update reads every subscription of
 * the market, so this runs fan-out times per update.
 */
public final class SubscriptionSerializer extends FieldSerializer<Subscription> {
    private static final long serialVersionUID = 1L;
    private static final OddsFormat[] FORMATS = OddsFormat.values();

    public static final SubscriptionSerializer INSTANCE = new SubscriptionSerializer();

    @Override
    public Subscription createInstance() {
        return new Subscription();
    }

    @Override
    public void serialize(Subscription s, DataOutputView out) throws IOException {
        Fields.writeEnum(out, s.oddsFormat);
        out.writeLong(s.throttleMs);
        out.writeBoolean(s.streaming);
        out.writeLong(s.sentVersion);
        out.writeLong(s.nextSendAt);
        out.writeBoolean(s.listed);
        Fields.writeStrings(out, s.queries);
    }

    @Override
    public Subscription deserialize(DataInputView in) throws IOException {
        Subscription s = new Subscription();
        s.oddsFormat = Fields.readEnum(in, FORMATS);
        s.throttleMs = in.readLong();
        s.streaming = in.readBoolean();
        s.sentVersion = in.readLong();
        s.nextSendAt = in.readLong();
        s.listed = in.readBoolean();
        s.queries = Fields.readStrings(in);
        return s;
    }

    @Override
    public TypeSerializerSnapshot<Subscription> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Version 1: the layout above. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Subscription> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** Lets {@code TypeInformation.of(Subscription.class)} find this serializer. */
    public static final class Factory extends TypeInfoFactory<Subscription> {
        @Override
        public TypeInformation<Subscription> createTypeInfo(
                Type type, Map<String, TypeInformation<?>> parameters) {
            return new SerializerTypeInfo<>(Subscription.class, config -> INSTANCE);
        }
    }
}

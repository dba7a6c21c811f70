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
 * the market, so this runs fan-out times per update; and there is one per (market, channel), so its
 * size is the state's size. Most subscriptions are unthrottled and held by list: a flags byte says
 * which of the other fields follow, and such a subscription takes two bytes.
 */
public final class SubscriptionSerializer extends FieldSerializer<Subscription> {
    private static final long serialVersionUID = 1L;
    private static final OddsFormat[] FORMATS = OddsFormat.values();

    // the flags byte; an unthrottled subscription by list is this byte and its odds format
    private static final int STREAMING = 1;
    private static final int LISTED = 2;
    private static final int THROTTLED = 4;
    private static final int QUERIES = 8;

    public static final SubscriptionSerializer INSTANCE = new SubscriptionSerializer();

    @Override
    public Subscription createInstance() {
        return new Subscription();
    }

    /**
     * Field by field instead of through the bytes: {@link CachedSubscribers} copies every
     * subscription it hands out. The query ids are never changed in place, so they are shared.
     */
    @Override
    public Subscription copy(Subscription from) {
        if (from == null) {
            return null;
        }
        Subscription s = new Subscription();
        s.oddsFormat = from.oddsFormat;
        s.throttleMs = from.throttleMs;
        s.streaming = from.streaming;
        s.sentVersion = from.sentVersion;
        s.nextSendAt = from.nextSendAt;
        s.listed = from.listed;
        s.queries = from.queries;
        return s;
    }

    @Override
    public void serialize(Subscription s, DataOutputView out) throws IOException {
        boolean throttled = s.throttleMs != 0 || s.sentVersion != 0 || s.nextSendAt != 0;
        int flags =
                (s.streaming ? STREAMING : 0)
                        | (s.listed ? LISTED : 0)
                        | (throttled ? THROTTLED : 0)
                        | (s.queries != null ? QUERIES : 0);
        out.writeByte(flags);
        Fields.writeEnum(out, s.oddsFormat);
        if (throttled) {
            out.writeLong(s.throttleMs);
            out.writeLong(s.sentVersion);
            out.writeLong(s.nextSendAt);
        }
        if (s.queries != null) {
            Fields.writeStrings(out, s.queries);
        }
    }

    @Override
    public Subscription deserialize(DataInputView in) throws IOException {
        int flags = in.readByte();
        Subscription s = new Subscription();
        s.streaming = (flags & STREAMING) != 0;
        s.listed = (flags & LISTED) != 0;
        s.oddsFormat = Fields.readEnum(in, FORMATS);
        if ((flags & THROTTLED) != 0) {
            s.throttleMs = in.readLong();
            s.sentVersion = in.readLong();
            s.nextSendAt = in.readLong();
        }
        if ((flags & QUERIES) != 0) {
            s.queries = Fields.readStrings(in);
        }
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

package com.marketcast.odds.markets;

import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.channels.MarketWork;
import com.marketcast.odds.model.MarketStatus;
import com.marketcast.odds.model.MarketUpdate;
import com.marketcast.odds.model.OddsFormat;
import com.marketcast.odds.publish.RemovalReason;
import com.marketcast.odds.publish.StreamMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by market id: applies feed updates to the market's state and answers channel work from that
 * same state, emitting Redis writes (the {@code market:} mirror and per-channel messages).
 *
 * <p>Because BEGIN is answered by the operator that also emits the deltas, in the same keyed order,
 * a subscriber's snapshot and the deltas after it form one gap-free chain (PROTOCOL section 3):
 * nothing can fall between them.
 *
 * <p>Hot path: an update reads the subscriber map once, writes each distinct message once per odds
 * format, and publishes those bytes to every channel. Unthrottled subscriptions are not written per
 * update. Throttled ones are merged on one processing-time timer per market; status changes go out
 * at once.
 */
public class MarketReducer extends KeyedProcessFunction<String, MarketInput, RedisWrite> {
    private static final long serialVersionUID = 1L;

    public static final ValueStateDescriptor<MarketState> MARKET =
            new ValueStateDescriptor<>("market", MarketState.class);
    public static final MapStateDescriptor<String, Subscription> SUBSCRIBERS =
            new MapStateDescriptor<>(
                    "subscribers", Types.STRING, TypeInformation.of(Subscription.class));

    /** The pending throttle timer, so it can be deleted when the last subscriber leaves. */
    public static final ValueStateDescriptor<Long> THROTTLE_TIMER =
            new ValueStateDescriptor<>("throttle-timer", Types.LONG);

    private static final String CHANNEL_PREFIX = "stream:";
    private static final String MIRROR_PREFIX = "market:";

    private transient ValueState<MarketState> market;
    private transient MapState<String, Subscription> subscribers;
    private transient ValueState<Long> throttleTimer;
    private transient StreamMessages messages;

    /** This run's epoch: set when the task (re)starts, so every restore gets a new one. */
    private transient long run;

    private transient Counter updatesApplied;
    private transient Counter staleUpdates;
    private transient Counter catalogChanges;
    private transient Counter snapshots;
    private transient Counter deltas;
    private transient Counter currents;
    private transient Counter removals;

    @Override
    public void open(Configuration parameters) {
        market = getRuntimeContext().getState(MARKET);
        subscribers = getRuntimeContext().getMapState(SUBSCRIBERS);
        throttleTimer = getRuntimeContext().getState(THROTTLE_TIMER);
        messages = new StreamMessages();
        run = RunEpochs.next();
        var metrics = getRuntimeContext().getMetricGroup();
        updatesApplied = metrics.counter("updatesApplied");
        staleUpdates = metrics.counter("staleUpdatesDropped");
        catalogChanges = metrics.counter("catalogChangesApplied");
        snapshots = metrics.counter("snapshotsOut");
        deltas = metrics.counter("deltasOut");
        currents = metrics.counter("currentsOut");
        removals = metrics.counter("removedOut");
    }

    @Override
    public void processElement(MarketInput input, Context ctx, Collector<RedisWrite> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        if (input.update != null) {
            onUpdate(input.update, now, ctx, out);
        } else if (input.work != null) {
            onWork(input.work, now, ctx, out);
        } else {
            onCatalog(input.catalog, now, ctx, out);
        }
    }

    // ---------------------------------------------------------------- feed updates

    private void onUpdate(MarketUpdate update, long now, Context ctx, Collector<RedisWrite> out)
            throws Exception {
        MarketState state = market.value();
        boolean fresh = state == null;
        if (fresh) {
            state = new MarketState(update.marketId);
        } else if (update.seq <= state.seq) {
            staleUpdates.inc();
            return;
        }
        boolean newEpoch = adoptEpoch(state) && !fresh;
        MarketStatus before = state.status;
        boolean changed = state.applyFeed(update);
        market.update(state);
        if (changed) {
            updatesApplied.inc();
        }
        afterChange(state, changed, fresh, newEpoch, before, update.recordTime, now, ctx, out);
    }

    /** The market's catalog data changed (or it left the catalog): its subscribers get a delta. */
    private void onCatalog(MarketCatalog catalog, long now, Context ctx, Collector<RedisWrite> out)
            throws Exception {
        MarketState state = market.value();
        boolean fresh = state == null;
        if (fresh) {
            if (catalog.market == null) {
                return; // deleted before the job knew anything of it
            }
            state = new MarketState(catalog.marketId);
        }
        boolean newEpoch = adoptEpoch(state) && !fresh;
        MarketStatus before = state.status;
        boolean changed = state.applyCatalog(catalog);
        market.update(state);
        if (changed) {
            catalogChanges.inc();
        }
        afterChange(state, changed, fresh, newEpoch, before, catalog.ts, now, ctx, out);
    }

    /**
     * After a change: the mirror first, then the channels. A market's first data or a new epoch
     * snapshots every streaming channel; a closure removes the market from every channel.
     */
    private void afterChange(
            MarketState state,
            boolean changed,
            boolean fresh,
            boolean newEpoch,
            MarketStatus before,
            long ts,
            long now,
            Context ctx,
            Collector<RedisWrite> out)
            throws Exception {
        if (!changed) {
            if (newEpoch) {
                resnapshot(state, ts, now, out);
            }
            return;
        }
        out.collect(RedisWrite.set(MIRROR_PREFIX + state.marketId, messages.mirror(state)));
        if (state.status == MarketStatus.CLOSED) {
            closeAll(state, ctx.timerService(), out);
        } else if (fresh || newEpoch) {
            resnapshot(state, ts, now, out);
        } else {
            publishChange(state, state.status != before, ts, now, ctx, out);
        }
    }

    /**
     * Sends one change to every streaming subscriber: the same bytes for every channel of a format.
     */
    private void publishChange(
            MarketState state,
            boolean statusChanged,
            long ts,
            long now,
            Context ctx,
            Collector<RedisWrite> out)
            throws Exception {
        byte[][] latestDelta = new byte[OddsFormat.count()][];
        List<Map.Entry<String, Subscription>> sentThrottled = null;
        long nextDeferred = Long.MAX_VALUE;
        for (Map.Entry<String, Subscription> entry : subscribers.entries()) {
            Subscription sub = entry.getValue();
            if (!sub.streaming) {
                continue;
            }
            if (!sub.throttled()) {
                int f = sub.oddsFormat.ordinal();
                if (latestDelta[f] == null) {
                    latestDelta[f] = messages.delta(state, sub.oddsFormat, state.version - 1, ts);
                }
                publish(entry.getKey(), latestDelta[f], out);
                deltas.inc();
            } else if (statusChanged || now >= sub.nextSendAt) {
                // merged delta of everything since the last one sent; status changes never wait
                publish(
                        entry.getKey(),
                        messages.delta(state, sub.oddsFormat, sub.sentVersion, ts),
                        out);
                deltas.inc();
                sub.sentVersion = state.version;
                sub.nextSendAt = now + sub.throttleMs;
                sentThrottled = add(sentThrottled, entry);
            } else {
                nextDeferred = Math.min(nextDeferred, sub.nextSendAt);
            }
        }
        putAll(sentThrottled);
        if (nextDeferred != Long.MAX_VALUE) {
            scheduleThrottle(nextDeferred, ctx.timerService());
        }
    }

    /**
     * Throttled subscribers whose interval has passed get the changes they were not sent, merged.
     */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RedisWrite> out)
            throws Exception {
        throttleTimer.clear();
        MarketState state = market.value();
        if (state == null) {
            return;
        }
        if (adoptEpoch(state)) {
            market.update(state);
            resnapshot(state, state.updatedAt, timestamp, out);
            return;
        }
        List<Map.Entry<String, Subscription>> sent = null;
        long nextDeferred = Long.MAX_VALUE;
        for (Map.Entry<String, Subscription> entry : subscribers.entries()) {
            Subscription sub = entry.getValue();
            if (!sub.streaming || !sub.throttled() || sub.sentVersion >= state.version) {
                continue;
            }
            if (timestamp >= sub.nextSendAt) {
                publish(
                        entry.getKey(),
                        messages.delta(state, sub.oddsFormat, sub.sentVersion, state.updatedAt),
                        out);
                deltas.inc();
                sub.sentVersion = state.version;
                sub.nextSendAt = timestamp + sub.throttleMs;
                sent = add(sent, entry);
            } else {
                nextDeferred = Math.min(nextDeferred, sub.nextSendAt);
            }
        }
        putAll(sent);
        if (nextDeferred != Long.MAX_VALUE) {
            scheduleThrottle(nextDeferred, ctx.timerService());
        }
    }

    // ---------------------------------------------------------------- channel work

    private void onWork(MarketWork work, long now, Context ctx, Collector<RedisWrite> out)
            throws Exception {
        MarketState state = market.value();
        if (state != null && adoptEpoch(state)) {
            market.update(state);
            resnapshot(state, work.ts, now, out);
        }
        switch (work.type) {
            case SUBSCRIBE:
                subscribe(work, state, now, out);
                break;
            case BEGIN:
                begin(work, state, now, out);
                break;
            case UNSUBSCRIBE:
                leave(work, state, RemovalReason.UNSUBSCRIBED, ctx, out);
                break;
            case EXPIRE:
                leave(work, state, RemovalReason.EXPIRED, ctx, out);
                break;
            case DISCONNECT:
                leave(work, state, null, ctx, out);
                break;
            default:
                throw new IllegalStateException("unhandled work " + work.type);
        }
    }

    private void subscribe(MarketWork work, MarketState state, long now, Collector<RedisWrite> out)
            throws Exception {
        if (state != null && state.status == MarketStatus.CLOSED) {
            if (work.streaming) {
                removed(work.channelId, work.marketId, state, RemovalReason.CLOSED, out);
            }
            return;
        }
        Subscription sub = subscribers.get(work.channelId);
        boolean startNow;
        if (sub == null) {
            sub = new Subscription();
            sub.streaming = work.streaming;
            startNow = sub.streaming;
        } else {
            // a re-OPEN with another view: a streaming subscriber gets the market in its new format
            startNow =
                    sub.streaming
                            && (sub.oddsFormat != work.oddsFormat
                                    || sub.throttleMs != work.throttleMs);
        }
        sub.oddsFormat = work.oddsFormat == null ? OddsFormat.DECIMAL : work.oddsFormat;
        sub.throttleMs = work.throttleMs;
        if (startNow && state != null) {
            snapshot(work.channelId, sub, state, work.ts, now, out);
        }
        subscribers.put(work.channelId, sub);
    }

    private void begin(MarketWork work, MarketState state, long now, Collector<RedisWrite> out)
            throws Exception {
        Subscription sub = subscribers.get(work.channelId);
        if (sub == null) {
            if (state != null && state.status == MarketStatus.CLOSED) {
                removed(work.channelId, work.marketId, state, RemovalReason.CLOSED, out);
            }
            return;
        }
        sub.streaming = true;
        if (state != null) {
            if (work.since != null && state.updatedAt <= work.since) {
                publish(work.channelId, messages.current(state), out);
                currents.inc();
                sub.sentVersion = state.version;
                sub.nextSendAt = now + sub.throttleMs;
            } else {
                snapshot(work.channelId, sub, state, work.ts, now, out);
            }
        } // else: pending, the first data starts it with a snapshot
        subscribers.put(work.channelId, sub);
    }

    /** Removes the channel; tells a streaming subscriber why unless it disconnected. */
    private void leave(
            MarketWork work,
            MarketState state,
            RemovalReason reason,
            Context ctx,
            Collector<RedisWrite> out)
            throws Exception {
        Subscription sub = subscribers.get(work.channelId);
        if (sub == null) {
            return;
        }
        subscribers.remove(work.channelId);
        if (reason != null && sub.streaming) {
            removed(work.channelId, work.marketId, state, reason, out);
        }
        if (subscribers.isEmpty()) {
            clearThrottle(ctx.timerService());
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Moves a market touched for the first time in this run to a new epoch. Returns true when it
     * did: its subscribers then need a snapshot before anything else.
     */
    private boolean adoptEpoch(MarketState state) {
        if (state.epochRun == run) {
            return false;
        }
        state.epoch = Math.max(run, state.epoch + 1);
        state.epochRun = run;
        return true;
    }

    /**
     * Every streaming subscriber gets a snapshot: the first message of a market or of a new epoch.
     */
    private void resnapshot(MarketState state, long ts, long now, Collector<RedisWrite> out)
            throws Exception {
        byte[][] snapshotBytes = new byte[OddsFormat.count()][];
        List<Map.Entry<String, Subscription>> throttled = null;
        for (Map.Entry<String, Subscription> entry : subscribers.entries()) {
            Subscription sub = entry.getValue();
            if (!sub.streaming) {
                continue;
            }
            int f = sub.oddsFormat.ordinal();
            if (snapshotBytes[f] == null) {
                snapshotBytes[f] = messages.snapshot(state, sub.oddsFormat, ts);
            }
            publish(entry.getKey(), snapshotBytes[f], out);
            snapshots.inc();
            if (sub.throttled()) {
                sub.sentVersion = state.version;
                sub.nextSendAt = now + sub.throttleMs;
                throttled = add(throttled, entry);
            }
        }
        putAll(throttled);
    }

    private void snapshot(
            String channel,
            Subscription sub,
            MarketState state,
            long ts,
            long now,
            Collector<RedisWrite> out) {
        publish(channel, messages.snapshot(state, sub.oddsFormat, ts), out);
        snapshots.inc();
        sub.sentVersion = state.version;
        sub.nextSendAt = now + sub.throttleMs;
    }

    /** A closed market leaves every channel, and its subscriptions are released. */
    private void closeAll(MarketState state, TimerService timers, Collector<RedisWrite> out)
            throws Exception {
        for (Map.Entry<String, Subscription> entry : subscribers.entries()) {
            if (entry.getValue().streaming) {
                removed(entry.getKey(), state.marketId, state, RemovalReason.CLOSED, out);
            }
        }
        subscribers.clear();
        clearThrottle(timers);
    }

    /**
     * A pending market (no data yet) is removed at epoch 0, version 0: the subscriber holds nothing
     * of it.
     */
    private void removed(
            String channel,
            String marketId,
            MarketState state,
            RemovalReason reason,
            Collector<RedisWrite> out) {
        long epoch = state == null ? 0 : state.epoch;
        long version = state == null ? 0 : state.version;
        publish(channel, messages.removed(marketId, epoch, version, reason), out);
        removals.inc();
    }

    private static void publish(String channel, byte[] message, Collector<RedisWrite> out) {
        out.collect(RedisWrite.publish(CHANNEL_PREFIX + channel, message));
    }

    private void scheduleThrottle(long at, TimerService timers) throws Exception {
        Long pending = throttleTimer.value();
        if (pending != null && pending <= at) {
            return;
        }
        if (pending != null) {
            timers.deleteProcessingTimeTimer(pending);
        }
        timers.registerProcessingTimeTimer(at);
        throttleTimer.update(at);
    }

    private void clearThrottle(TimerService timers) throws Exception {
        Long pending = throttleTimer.value();
        if (pending != null) {
            timers.deleteProcessingTimeTimer(pending);
            throttleTimer.clear();
        }
    }

    private static <T> List<T> add(List<T> list, T item) {
        List<T> result = list == null ? new ArrayList<>() : list;
        result.add(item);
        return result;
    }

    private void putAll(List<Map.Entry<String, Subscription>> entries) throws Exception {
        if (entries != null) {
            for (Map.Entry<String, Subscription> entry : entries) {
                subscribers.put(entry.getKey(), entry.getValue());
            }
        }
    }
}

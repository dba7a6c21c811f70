package com.marketcast.odds.markets;

import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.channels.MarketWork;
import com.marketcast.odds.channels.QueryCommand;
import com.marketcast.odds.model.MarketStatus;
import com.marketcast.odds.model.MarketUpdate;
import com.marketcast.odds.model.OddsFormat;
import com.marketcast.odds.publish.RemovalReason;
import com.marketcast.odds.publish.StreamMessages;
import com.marketcast.odds.serialization.ChannelIdSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.streaming.api.operators.KeyContext;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by market id: applies feed updates to the market's state and answers channel work from that
 * same state, emitting Redis writes (the {@code market:} mirror and per-channel messages).
 *
 * <p>Because BEGIN is answered by the operator that also emits the deltas, in the same keyed order,
 * a subscriber's snapshot and the deltas after it form one gap-free chain (PROTOCOL section 3):
 * nothing can fall between them.
 *
 * <p>Hot path: an update reads the subscriber map once, writes each distinct message once per odds
 * format, and publishes those bytes to every channel. The hot markets' state and subscribers are
 * read from heap caches in front of the keyed state ({@link CachedMarketState}, {@link
 * CachedSubscribers}); a hot market's changed state is written back after a delay ({@code
 * hot-market-write-delay}), before each checkpoint or when pushed out, which is why the reducer
 * runs in its own {@link MarketReducerOperator}. Unthrottled subscriptions are not written per
 * update. Throttled ones are merged on one processing-time timer per market; status changes go out
 * at once.
 *
 * <p><b>Query subscriptions.</b> The channel registry broadcasts every query change ({@link
 * QueryCommand}) to all subtasks; the broadcast state {@link #QUERIES} holds the live queries, the
 * same on every subtask. It is decided from the commands alone (no clock, no randomness), so it
 * stays identical across subtasks and restores. A query's matches live in keyed state: a {@link
 * Subscription} records whether its channel holds the market by list and by which queries. They
 * change in two places:
 *
 * <ul>
 *   <li>the broadcast side evaluates a new query (or a new view of one) once against every market
 *       of the subtask ({@code applyToKeyedState}), and drops a removed one from every market;
 *   <li>the keyed side re-evaluates every query against a market whenever its catalog data, event
 *       or status changes, and when a time boundary of a {@code startsWithinMinutes} clause passes.
 * </ul>
 *
 * <p><b>Time boundaries</b> ({@code startsWithinMinutes}) are processing-time timers, one per
 * market at its next boundary ({@link #BOUNDARY_TIMER}), registered whenever the keyed side
 * evaluates the market. The broadcast side has no timer service: for a new query it records the
 * boundary in {@link #BOUNDARY_DUE}, and the market's next keyed input registers it. A market that
 * gets no input at all between a query's ADD and that boundary therefore joins late, at its next
 * input (a price, a catalog change, a command). Likewise the broadcast side cannot delete timers:
 * when it releases a market's last subscription or boundary, it clears the stored timestamps and
 * the orphaned timer fires later as a no-op ({@link #onTimer} acts only on a timer whose timestamp
 * is stored).
 *
 * <p>The broadcast-side scans iterate the {@link #MARKET} state and never write it (the heap
 * backend iterates its live table): they read the market and write only subscriptions and the
 * boundary markers. So a market the scan finds in an older epoch (not yet touched since a restore)
 * cannot move to the new epoch there; a joining streaming channel then gets its snapshot with the
 * market's first touch, which re-snapshots every streaming channel in the new epoch anyway. The hot
 * markets' changed states are written back before each scan, so it visits every market with its
 * latest state.
 */
public class MarketReducer
        extends KeyedBroadcastProcessFunction<String, MarketInput, QueryCommand, RedisWrite> {
    private static final long serialVersionUID = 1L;

    public static final ValueStateDescriptor<MarketState> MARKET =
            new ValueStateDescriptor<>("market", MarketState.class);
    public static final MapStateDescriptor<String, Subscription> SUBSCRIBERS =
            new MapStateDescriptor<>(
                    "subscribers",
                    ChannelIdSerializer.TYPE,
                    TypeInformation.of(Subscription.class));

    /** The pending throttle timer, so it can be deleted when the last subscriber leaves. */
    public static final ValueStateDescriptor<Long> THROTTLE_TIMER =
            new ValueStateDescriptor<>("throttle-timer", Types.LONG);

    /** The pending boundary timer of the market's query evaluation (startsWithinMinutes). */
    public static final ValueStateDescriptor<Long> BOUNDARY_TIMER =
            new ValueStateDescriptor<>("boundary-timer", Types.LONG);

    /** When a closed market's state is released ({@code closed-market-ttl} after it closed). */
    public static final ValueStateDescriptor<Long> RELEASE_TIMER =
            new ValueStateDescriptor<>("release-timer", Types.LONG);

    /**
     * A boundary the broadcast side found for a new query but could not register (no timer service
     * there): the market's next keyed input evaluates the queries and registers it.
     */
    public static final ValueStateDescriptor<Long> BOUNDARY_DUE =
            new ValueStateDescriptor<>("boundary-due", Types.LONG);

    /**
     * Broadcast state: every live query subscription by {@code channelId/queryId}, as its latest
     * ADD with the channel's view and streaming flag.
     */
    public static final MapStateDescriptor<String, QueryCommand> QUERIES =
            new MapStateDescriptor<>(
                    "query-subscriptions", Types.STRING, TypeInformation.of(QueryCommand.class));

    /**
     * The subscriptions kept on the heap ({@link CachedSubscribers}), per hot market on average:
     * twice the workload's mean fan-out, so the hot markets' lists fit and one of thousands of
     * channels does not push them all out.
     */
    static final int SUBSCRIPTIONS_PER_HOT_MARKET = 16;

    private static final Logger LOG = LoggerFactory.getLogger(MarketReducer.class);

    private static final String CHANNEL_PREFIX = "stream:";
    private static final String MIRROR_PREFIX = "market:";

    private transient KeyContext keys;
    private transient boolean heapState;
    private transient CachedMarketState market;
    private transient CachedSubscribers subscribers;
    private transient ValueState<Long> throttleTimer;
    private transient ValueState<Long> boundaryTimer;
    private transient ValueState<Long> boundaryDue;
    private transient ValueState<Long> releaseTimer;
    private transient StreamMessages messages;

    private final long closedMarketTtlMs;
    private final int hotMarkets;
    private final long writeDelayMs;

    /**
     * Whether a query of the broadcast state has a time clause: derived from the broadcast state
     * (null until computed after a start), so a feed update reads {@link #BOUNDARY_DUE} only when a
     * boundary can be due at all.
     */
    private transient Boolean timeQueries;

    /** This run's epoch: set when the task (re)starts, so every restore gets a new one. */
    private transient long run;

    private transient Counter updatesApplied;
    private transient Counter staleUpdates;
    private transient Counter catalogChanges;
    private transient Counter snapshots;
    private transient Counter deltas;
    private transient Counter currents;
    private transient Counter removals;
    private transient Counter queryEvaluations;
    private transient Counter marketsReleased;
    private transient ReducerMetrics feedMetrics;

    /**
     * @param closedMarketTtl how long a closed market is kept before all its state is released
     * @param hotMarkets how many markets' states to keep on the heap ({@link CachedMarketState}),
     *     and {@link #SUBSCRIPTIONS_PER_HOT_MARKET} times as many subscriptions ({@link
     *     CachedSubscribers})
     * @param writeDelay how long a hot market's change may wait on the heap before it is written to
     *     {@link #MARKET} (checkpoints write back everything still waiting)
     */
    public MarketReducer(Duration closedMarketTtl, int hotMarkets, Duration writeDelay) {
        this.closedMarketTtlMs = closedMarketTtl.toMillis();
        this.hotMarkets = hotMarkets;
        this.writeDelayMs = writeDelay.toMillis();
    }

    /**
     * Set by {@link MarketReducerOperator}, which runs the reducer, before it opens it.
     *
     * @param keys sets the keyed state's current key, to write back other markets' states
     * @param heapState whether the keyed state is kept on the heap (the {@code hashmap} backend):
     *     the caches are then off, as they would save no read and only add copies and the
     *     checkpoint's write back (BENCHMARKS.md, run AA8)
     */
    void useKeyContext(KeyContext keys, boolean heapState) {
        this.keys = keys;
        this.heapState = heapState;
    }

    /** Writes the hot markets' changed states back to {@link #MARKET}. */
    void writeBack() throws Exception {
        market.writeBack();
    }

    @Override
    public void open(Configuration parameters) {
        if (keys == null) {
            throw new IllegalStateException(
                    "MarketReducer runs in a MarketReducerOperator: it writes the hot markets'"
                            + " states back under their own keys");
        }
        int cached = heapState ? 0 : hotMarkets;
        if (cached != hotMarkets
                && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            LOG.info("hot-markets={} ignored: the keyed state is on the heap already", hotMarkets);
        }
        market =
                new CachedMarketState(
                        getRuntimeContext().getState(MARKET), keys, cached, writeDelayMs);
        subscribers =
                new CachedSubscribers(
                        getRuntimeContext().getMapState(SUBSCRIBERS),
                        cached * SUBSCRIPTIONS_PER_HOT_MARKET,
                        // a broadcast scan reads no state first and asks after the last read:
                        // only which markets are held can differ, never what a subscriber gets
                        market::lastReadHeld);
        throttleTimer = getRuntimeContext().getState(THROTTLE_TIMER);
        boundaryTimer = getRuntimeContext().getState(BOUNDARY_TIMER);
        boundaryDue = getRuntimeContext().getState(BOUNDARY_DUE);
        releaseTimer = getRuntimeContext().getState(RELEASE_TIMER);
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
        queryEvaluations = metrics.counter("queryEvaluations");
        marketsReleased = metrics.counter("closedMarketsReleased");
        feedMetrics = new ReducerMetrics(metrics);
        market.registerMetrics(metrics);
    }

    @Override
    public void processElement(MarketInput input, ReadOnlyContext ctx, Collector<RedisWrite> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        if (input.update != null) {
            onUpdate(input.update, now, ctx, feedMetrics.track(out));
            feedMetrics.updateDone(input.update, now);
        } else if (input.work != null) {
            onWork(input.work, now, ctx, out);
        } else {
            onCatalog(input.catalog, now, ctx, out);
        }
    }

    // ---------------------------------------------------------------- feed updates

    private void onUpdate(
            MarketUpdate update, long now, ReadOnlyContext ctx, Collector<RedisWrite> out)
            throws Exception {
        MarketState state = market.value(ctx.getCurrentKey());
        boolean fresh = state == null;
        if (fresh) {
            state = new MarketState(update.marketId);
        } else if (update.seq <= state.seq) {
            staleUpdates.inc();
            if (takeDue(ctx)) {
                evaluateQueries(state, update.recordTime, now, ctx, out);
            }
            return;
        }
        boolean newEpoch = adoptEpoch(state) && !fresh;
        MarketStatus before = state.status;
        String eventBefore = state.eventId;
        boolean changed = state.applyFeed(update);
        market.update(state, now);
        if (changed) {
            updatesApplied.inc();
        }
        afterChange(state, changed, fresh, newEpoch, before, update.recordTime, now, ctx, out);
        // a price alone changes no query's answer: only the first data, the status or the event
        boolean relevant =
                changed
                        && (fresh
                                || state.status != before
                                || !Objects.equals(eventBefore, state.eventId));
        if (takeDue(ctx) || relevant) {
            evaluateQueries(state, update.recordTime, now, ctx, out);
        }
    }

    /** The market's catalog data changed (or it left the catalog): its subscribers get a delta. */
    private void onCatalog(
            MarketCatalog catalog, long now, ReadOnlyContext ctx, Collector<RedisWrite> out)
            throws Exception {
        MarketState state = market.value(ctx.getCurrentKey());
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
        market.update(state, now);
        if (changed) {
            catalogChanges.inc();
        }
        afterChange(state, changed, fresh, newEpoch, before, catalog.ts, now, ctx, out);
        if (takeDue(ctx) || changed) {
            evaluateQueries(state, catalog.ts, now, ctx, out);
        }
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
            ReadOnlyContext ctx,
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
            scheduleRelease(now + closedMarketTtlMs, ctx.timerService());
            return;
        }
        if (before == MarketStatus.CLOSED) {
            cancelRelease(ctx.timerService()); // reopened by the side that closed it
        }
        if (fresh || newEpoch) {
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
            ReadOnlyContext ctx,
            Collector<RedisWrite> out)
            throws Exception {
        byte[][] latestDelta = new byte[OddsFormat.count()][];
        List<Map.Entry<String, Subscription>> sentThrottled = null;
        long nextDeferred = Long.MAX_VALUE;
        for (Map.Entry<String, Subscription> entry : subscribers.entries(state.marketId)) {
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
                sent(sub, state, now);
                sentThrottled = add(sentThrottled, entry);
            } else {
                nextDeferred = Math.min(nextDeferred, sub.nextSendAt);
            }
        }
        putAll(state.marketId, sentThrottled);
        if (nextDeferred != Long.MAX_VALUE) {
            scheduleThrottle(nextDeferred, ctx.timerService());
        }
    }

    /**
     * Three kinds of timer share the market's key: the throttle timer, the query boundary timer and
     * the release timer of a closed market; each is known by its stored timestamp (several at once
     * when they coincide, as Flink keeps one timer per key and time). A timer matching neither was
     * orphaned by the broadcast side, which can clear the stored timestamp but cannot delete the
     * timer: it does nothing.
     */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RedisWrite> out)
            throws Exception {
        if (Objects.equals(releaseTimer.value(), timestamp)) {
            releaseTimer.clear();
            MarketState closed = market.value(ctx.getCurrentKey());
            if (closed != null && closed.status == MarketStatus.CLOSED) {
                release(closed, ctx.timerService(), out);
                return;
            }
        }
        boolean throttle = Objects.equals(throttleTimer.value(), timestamp);
        boolean boundary = Objects.equals(boundaryTimer.value(), timestamp);
        if (throttle) {
            throttleTimer.clear();
        }
        if (boundary) {
            boundaryTimer.clear();
        }
        boolean due = takeDue(ctx);
        if (!throttle && !boundary && !due) {
            return;
        }
        MarketState state = market.value(ctx.getCurrentKey());
        if (state == null) {
            return;
        }
        if (adoptEpoch(state)) {
            market.update(state, timestamp);
            resnapshot(state, state.updatedAt, timestamp, out);
        } else if (throttle) {
            flushThrottled(state, timestamp, ctx, out);
        }
        if (boundary || due) {
            evaluateQueries(state, timestamp, ctx.timerService().currentProcessingTime(), ctx, out);
        }
    }

    /**
     * Throttled subscribers whose interval has passed get the changes they were not sent, merged.
     */
    private void flushThrottled(
            MarketState state, long timestamp, ReadOnlyContext ctx, Collector<RedisWrite> out)
            throws Exception {
        List<Map.Entry<String, Subscription>> sent = null;
        long nextDeferred = Long.MAX_VALUE;
        for (Map.Entry<String, Subscription> entry : subscribers.entries(state.marketId)) {
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
                sent(sub, state, timestamp);
                sent = add(sent, entry);
            } else {
                nextDeferred = Math.min(nextDeferred, sub.nextSendAt);
            }
        }
        putAll(state.marketId, sent);
        if (nextDeferred != Long.MAX_VALUE) {
            scheduleThrottle(nextDeferred, ctx.timerService());
        }
    }

    // ---------------------------------------------------------------- channel work

    private void onWork(MarketWork work, long now, ReadOnlyContext ctx, Collector<RedisWrite> out)
            throws Exception {
        MarketState state = market.value(ctx.getCurrentKey());
        if (state != null && adoptEpoch(state)) {
            market.update(state, now);
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
        if (state != null && takeDue(ctx)) {
            evaluateQueries(state, work.ts, now, ctx, out);
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
            sub.listed = true; // it may have been held by a query only
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
        subscribers.put(work.marketId, work.channelId, sub);
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
                sent(sub, state, now);
            } else {
                snapshot(work.channelId, sub, state, work.ts, now, out);
            }
        } // else: pending, the first data starts it with a snapshot
        subscribers.put(work.marketId, work.channelId, sub);
    }

    /**
     * Removes the channel; tells a streaming subscriber why unless it disconnected. An UNSUBSCRIBE
     * of a market one of the channel's queries also holds only drops the list subscription;
     * DISCONNECT and expiry end the channel, so they remove it whatever holds it (the queries'
     * REMOVE, broadcast beside this work, then finds nothing left here).
     */
    private void leave(
            MarketWork work,
            MarketState state,
            RemovalReason reason,
            ReadOnlyContext ctx,
            Collector<RedisWrite> out)
            throws Exception {
        Subscription sub = subscribers.get(work.channelId);
        if (sub == null) {
            return;
        }
        if (reason == RemovalReason.UNSUBSCRIBED && sub.heldByQuery()) {
            sub.listed = false;
            subscribers.put(work.marketId, work.channelId, sub);
            return;
        }
        subscribers.remove(work.marketId, work.channelId);
        if (reason != null && sub.streaming) {
            removed(work.channelId, work.marketId, state, reason, out);
        }
        if (subscribers.isEmpty()) {
            clearThrottle(ctx.timerService());
        }
    }

    // ---------------------------------------------------------------- query subscriptions

    /**
     * The broadcast side: keeps the broadcast state and applies the one query to this subtask's
     * markets. What goes into the broadcast state depends on the command alone; the clock only
     * decides matches, which live in keyed state.
     */
    @Override
    public void processBroadcastElement(
            QueryCommand command, Context ctx, Collector<RedisWrite> out) throws Exception {
        BroadcastState<String, QueryCommand> queries = ctx.getBroadcastState(QUERIES);
        long now = ctx.currentProcessingTime();
        market.writeBack(); // the scans below visit the markets the keyed state holds
        switch (command.type) {
            case ADD:
                QueryCommand added = command.copy();
                queries.put(added.key(), added);
                ctx.applyToKeyedState(
                        MARKET,
                        (marketId, marketState) ->
                                applyAdded(added, marketState.value(), now, out));
                break;
            case REMOVE:
                QueryCommand removed = queries.get(command.key());
                if (removed == null) {
                    return; // unknown here too: nothing holds it
                }
                queries.remove(command.key());
                RemovalReason reason =
                        command.reason == null ? null : RemovalReason.valueOf(command.reason);
                boolean timed = removed.query.startsWithinMinutes != null;
                ctx.applyToKeyedState(
                        MARKET,
                        (marketId, marketState) ->
                                applyRemoved(
                                        command,
                                        reason,
                                        timed,
                                        marketState.value(),
                                        queries,
                                        now,
                                        out));
                break;
            case BEGIN:
                QueryCommand stored = queries.get(command.key());
                if (stored == null) {
                    return;
                }
                QueryCommand streaming = stored.copy();
                streaming.streaming = true;
                queries.put(streaming.key(), streaming);
                ctx.applyToKeyedState(
                        MARKET,
                        (marketId, marketState) ->
                                applyBegin(command, marketState.value(), now, out));
                break;
            default:
                throw new IllegalStateException("unhandled query command " + command.type);
        }
        timeQueries = anyTimeQuery(queries.immutableEntries());
    }

    /**
     * One market of a query ADD (inside {@code applyToKeyedState}: the keyed state is the visited
     * market's). A matching market joins, or takes the channel's new view; one that does not match
     * any more leaves unless something else holds it.
     */
    private void applyAdded(
            QueryCommand query, MarketState state, long now, Collector<RedisWrite> out)
            throws Exception {
        boolean matches = query.query.matches(state, now);
        boolean current = state.epochRun == run;
        Subscription sub = subscribers.get(query.channelId);
        if (sub == null) {
            if (matches) {
                sub = joined(query, new String[] {query.queryId});
                if (sub.streaming && current) {
                    snapshot(query.channelId, sub, state, query.ts, now, out);
                }
                subscribers.put(state.marketId, query.channelId, sub);
            }
        } else if (matches) {
            boolean holds = contains(sub.queries, query.queryId);
            OddsFormat format = formatOf(query);
            boolean newView = sub.oddsFormat != format || sub.throttleMs != query.throttleMs;
            sub.queries = with(sub.queries, query.queryId);
            sub.oddsFormat = format;
            sub.throttleMs = query.throttleMs;
            if (newView && sub.streaming && current) {
                snapshot(query.channelId, sub, state, query.ts, now, out);
            }
            if (!holds || newView) {
                subscribers.put(state.marketId, query.channelId, sub);
            }
        } else if (contains(sub.queries, query.queryId)) {
            sub.queries = without(sub.queries, query.queryId);
            release(query.channelId, sub, state, RemovalReason.QUERY_MISMATCH, out);
        }
        long boundary = query.query.nextBoundary(state, now);
        if (boundary != Long.MAX_VALUE) {
            Long due = boundaryDue.value();
            if (due == null || boundary < due) {
                boundaryDue.update(boundary);
            }
        }
    }

    /** One market of a query REMOVE: the query no longer holds it. */
    private void applyRemoved(
            QueryCommand command,
            RemovalReason reason,
            boolean timed,
            MarketState state,
            ReadOnlyBroadcastState<String, QueryCommand> queries,
            long now,
            Collector<RedisWrite> out)
            throws Exception {
        Subscription sub = subscribers.get(command.channelId);
        if (sub != null && contains(sub.queries, command.queryId)) {
            sub.queries = without(sub.queries, command.queryId);
            release(command.channelId, sub, state, reason, out);
        }
        if (timed && (boundaryTimer.value() != null || boundaryDue.value() != null)) {
            // the removed query may have been the only reason for a boundary: then release it
            // (an already registered timer cannot be deleted here and fires as a no-op)
            if (nextBoundary(state, now, queries.immutableEntries()) == Long.MAX_VALUE) {
                boundaryTimer.clear();
                boundaryDue.clear();
            }
        }
    }

    /** One market of a query BEGIN: what the query holds starts streaming. */
    private void applyBegin(
            QueryCommand command, MarketState state, long now, Collector<RedisWrite> out)
            throws Exception {
        Subscription sub = subscribers.get(command.channelId);
        if (sub == null || sub.streaming || !contains(sub.queries, command.queryId)) {
            return;
        }
        sub.streaming = true;
        if (state.epochRun == run) {
            snapshot(command.channelId, sub, state, command.ts, now, out);
        }
        subscribers.put(state.marketId, command.channelId, sub);
    }

    /**
     * Keeps a subscription still held (by list or another query), or removes it and tells a
     * streaming subscriber why (not when {@code reason} is null: the channel disconnected). The
     * broadcast side cannot delete timers: when the last subscription goes, the throttle timer's
     * timestamp is cleared and the timer fires as a no-op.
     */
    private void release(
            String channel,
            Subscription sub,
            MarketState state,
            RemovalReason reason,
            Collector<RedisWrite> out)
            throws Exception {
        if (sub.held()) {
            subscribers.put(state.marketId, channel, sub);
            return;
        }
        subscribers.remove(state.marketId, channel);
        if (reason != null && sub.streaming) {
            removed(channel, state.marketId, state, reason, out);
        }
        if (subscribers.isEmpty()) {
            throttleTimer.clear();
        }
    }

    /**
     * The keyed side: evaluates every query against the market after its catalog data, event or
     * status changed, or a time boundary passed. Newly matching channels join (a streaming one with
     * a snapshot), channels whose queries no longer match leave with {@code QUERY_MISMATCH} unless
     * listed. Then the boundary timer moves to the market's next boundary.
     */
    private void evaluateQueries(
            MarketState state, long ts, long now, ReadOnlyContext ctx, Collector<RedisWrite> out)
            throws Exception {
        Iterable<Map.Entry<String, QueryCommand>> queries =
                ctx.getBroadcastState(QUERIES).immutableEntries();
        if (!queries.iterator().hasNext()) {
            // no query anywhere: none can hold the market; spare the subscriber scan
            scheduleBoundary(Long.MAX_VALUE, ctx.timerService());
            return;
        }
        queryEvaluations.inc();
        // channel -> its matching query ids (sorted, so a subscription's list compares by value)
        TreeMap<String, List<String>> matching = new TreeMap<>();
        Map<String, QueryCommand> viewOf = new HashMap<>();
        for (Map.Entry<String, QueryCommand> entry : queries) {
            QueryCommand query = entry.getValue();
            if (query.query.matches(state, now)) {
                matching.computeIfAbsent(query.channelId, c -> new ArrayList<>())
                        .add(query.queryId);
                viewOf.putIfAbsent(query.channelId, query);
            }
        }

        List<Map.Entry<String, Subscription>> changed = null;
        List<Map.Entry<String, Subscription>> leaving = null;
        for (Map.Entry<String, Subscription> entry : subscribers.entries(state.marketId)) {
            Subscription sub = entry.getValue();
            String[] holding = sorted(matching.remove(entry.getKey()));
            if (Arrays.equals(sub.heldByQuery() ? sub.queries : null, holding)) {
                continue;
            }
            sub.queries = holding;
            if (sub.held()) {
                changed = add(changed, entry);
            } else {
                leaving = add(leaving, entry);
            }
        }
        putAll(state.marketId, changed);
        if (leaving != null) {
            for (Map.Entry<String, Subscription> entry : leaving) {
                subscribers.remove(state.marketId, entry.getKey());
                if (entry.getValue().streaming) {
                    removed(
                            entry.getKey(),
                            state.marketId,
                            state,
                            RemovalReason.QUERY_MISMATCH,
                            out);
                }
            }
            if (subscribers.isEmpty()) {
                clearThrottle(ctx.timerService());
            }
        }
        for (Map.Entry<String, List<String>> join : matching.entrySet()) {
            Subscription sub = joined(viewOf.get(join.getKey()), sorted(join.getValue()));
            if (sub.streaming) {
                snapshot(join.getKey(), sub, state, ts, now, out);
            }
            subscribers.put(state.marketId, join.getKey(), sub);
        }
        scheduleBoundary(nextBoundary(state, now, queries), ctx.timerService());
    }

    private static long nextBoundary(
            MarketState state, long now, Iterable<Map.Entry<String, QueryCommand>> queries) {
        long next = Long.MAX_VALUE;
        for (Map.Entry<String, QueryCommand> entry : queries) {
            next = Math.min(next, entry.getValue().query.nextBoundary(state, now));
        }
        return next;
    }

    /**
     * Takes a boundary the broadcast side left for this market; true when one was due (the caller
     * then evaluates the queries, which registers the timer, or acts at once if it has passed).
     */
    private boolean takeDue(ReadOnlyContext ctx) throws Exception {
        if (timeQueries == null) {
            timeQueries = anyTimeQuery(ctx.getBroadcastState(QUERIES).immutableEntries());
        }
        if (!timeQueries) {
            return false; // no boundary can be due: spares the hot path a state read
        }
        if (boundaryDue.value() == null) {
            return false;
        }
        boundaryDue.clear();
        return true;
    }

    private static boolean anyTimeQuery(Iterable<Map.Entry<String, QueryCommand>> queries) {
        for (Map.Entry<String, QueryCommand> entry : queries) {
            if (entry.getValue().query.startsWithinMinutes != null) {
                return true;
            }
        }
        return false;
    }

    private void scheduleBoundary(long at, TimerService timers) throws Exception {
        Long pending = boundaryTimer.value();
        if (pending != null && pending == at) {
            return;
        }
        if (pending != null && !timerInUse(pending, boundaryTimer)) {
            timers.deleteProcessingTimeTimer(pending); // unless another kind shares the timer
        }
        if (at == Long.MAX_VALUE) {
            boundaryTimer.clear();
        } else {
            timers.registerProcessingTimeTimer(at);
            boundaryTimer.update(at);
        }
    }

    /** A new subscription held by queries only, in the channel's view. */
    private static Subscription joined(QueryCommand query, String[] queryIds) {
        Subscription sub = new Subscription();
        sub.listed = false;
        sub.queries = queryIds;
        sub.oddsFormat = formatOf(query);
        sub.throttleMs = query.throttleMs;
        sub.streaming = query.streaming;
        return sub;
    }

    private static OddsFormat formatOf(QueryCommand query) {
        return query.oddsFormat == null ? OddsFormat.DECIMAL : query.oddsFormat;
    }

    private static boolean contains(String[] ids, String id) {
        return ids != null && Arrays.asList(ids).contains(id);
    }

    private static String[] with(String[] ids, String id) {
        if (contains(ids, id)) {
            return ids;
        }
        String[] grown = ids == null ? new String[1] : Arrays.copyOf(ids, ids.length + 1);
        grown[grown.length - 1] = id;
        Arrays.sort(grown);
        return grown;
    }

    private static String[] without(String[] ids, String id) {
        String[] rest = Arrays.stream(ids).filter(q -> !q.equals(id)).toArray(String[]::new);
        return rest.length == 0 ? null : rest;
    }

    private static String[] sorted(List<String> ids) {
        if (ids == null) {
            return null;
        }
        String[] array = ids.toArray(new String[0]);
        Arrays.sort(array);
        return array;
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
        for (Map.Entry<String, Subscription> entry : subscribers.entries(state.marketId)) {
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
                sent(sub, state, now);
                throttled = add(throttled, entry);
            }
        }
        putAll(state.marketId, throttled);
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
        sent(sub, state, now);
    }

    /**
     * The subscriber now holds the market's current version. Only a throttled one remembers it: an
     * unthrottled one gets every delta, so its position is the market's version and its
     * subscription keeps its two-byte form (the three longs would make it 27 bytes in RocksDB, a
     * million times over).
     */
    private static void sent(Subscription sub, MarketState state, long now) {
        sub.sentVersion = sub.throttled() ? state.version : 0;
        sub.nextSendAt = sub.throttled() ? now + sub.throttleMs : 0;
    }

    /** A closed market leaves every channel, and its subscriptions are released. */
    private void closeAll(MarketState state, TimerService timers, Collector<RedisWrite> out)
            throws Exception {
        for (Map.Entry<String, Subscription> entry : subscribers.entries(state.marketId)) {
            if (entry.getValue().streaming) {
                removed(entry.getKey(), state.marketId, state, RemovalReason.CLOSED, out);
            }
        }
        subscribers.clear(state.marketId);
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
        if (pending != null && !timerInUse(pending, throttleTimer)) {
            timers.deleteProcessingTimeTimer(pending); // unless another kind shares the timer
        }
        timers.registerProcessingTimeTimer(at);
        throttleTimer.update(at);
    }

    private void clearThrottle(TimerService timers) throws Exception {
        Long pending = throttleTimer.value();
        if (pending != null) {
            if (!timerInUse(pending, throttleTimer)) {
                timers.deleteProcessingTimeTimer(pending);
            }
            throttleTimer.clear();
        }
    }

    /** Whether a timer kind other than {@code except} stores this timestamp. */
    private boolean timerInUse(long at, ValueState<Long> except) throws Exception {
        // on the throttle path: no list allocated per call
        return stores(throttleTimer, at, except)
                || stores(boundaryTimer, at, except)
                || stores(releaseTimer, at, except);
    }

    private static boolean stores(ValueState<Long> kind, long at, ValueState<Long> except)
            throws Exception {
        return kind != except && Objects.equals(kind.value(), at);
    }

    private void scheduleRelease(long at, TimerService timers) throws Exception {
        if (releaseTimer.value() == null) {
            timers.registerProcessingTimeTimer(at);
            releaseTimer.update(at);
        }
    }

    private void cancelRelease(TimerService timers) throws Exception {
        Long pending = releaseTimer.value();
        if (pending != null) {
            if (!timerInUse(pending, releaseTimer)) {
                timers.deleteProcessingTimeTimer(pending);
            }
            releaseTimer.clear();
        }
    }

    /**
     * A market closed for {@code closed-market-ttl}: all its state goes, with its Redis mirror.
     * From now on it is unknown: a subscription waits for its data as for any unknown market.
     */
    private void release(MarketState state, TimerService timers, Collector<RedisWrite> out)
            throws Exception {
        for (ValueState<Long> kind : List.of(throttleTimer, boundaryTimer)) {
            Long pending = kind.value();
            if (pending != null) {
                timers.deleteProcessingTimeTimer(pending);
            }
        }
        market.clear(state.marketId);
        subscribers.clear(state.marketId);
        throttleTimer.clear();
        boundaryTimer.clear();
        boundaryDue.clear();
        releaseTimer.clear();
        out.collect(RedisWrite.delete(MIRROR_PREFIX + state.marketId));
        marketsReleased.inc();
    }

    private static <T> List<T> add(List<T> list, T item) {
        List<T> result = list == null ? new ArrayList<>() : list;
        result.add(item);
        return result;
    }

    private void putAll(String marketId, List<Map.Entry<String, Subscription>> entries)
            throws Exception {
        if (entries != null) {
            for (Map.Entry<String, Subscription> entry : entries) {
                subscribers.put(marketId, entry.getKey(), entry.getValue());
            }
        }
    }
}

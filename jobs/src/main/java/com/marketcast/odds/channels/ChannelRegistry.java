package com.marketcast.odds.channels;

import com.marketcast.odds.Descriptors;
import com.marketcast.odds.model.Command;
import com.marketcast.odds.model.MarketQuery;
import com.marketcast.odds.model.OddsFormat;
import com.marketcast.odds.publish.RemovalReason;
import java.time.Duration;
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
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by channel id: holds each channel's view, its markets and its expiry, and expands every
 * command into per-market {@link MarketWork} for the market reducer.
 *
 * <p>A channel is created by OPEN, or implicitly (with the default view) by SUBSCRIBE or
 * BEGIN_STREAM. UNSUBSCRIBE, HEARTBEAT and DISCONNECT of an unknown channel create nothing. Every
 * command of a known channel renews its lease; when {@code channel-ttl} passes without one, the
 * channel expires exactly as if it had disconnected, except that streaming subscribers are told
 * ({@code removed / EXPIRED}). DISCONNECT and expiry clear every state entry and the timer.
 *
 * <p>Query subscriptions are kept here too (so DISCONNECT and expiry can end them), but which
 * markets a query holds is decided by the market reducer, which alone knows the markets: every
 * change of a query goes out as a {@link QueryCommand} on the side output {@link
 * Descriptors#QUERY_COMMANDS}, which the pipeline broadcasts to every reducer subtask.
 *
 * <p>The expiry timer is renewed lazily: a command only moves {@code lastSeen}, and the timer, when
 * it fires early, re-arms itself at {@code lastSeen + ttl}. That keeps a timer delete (a RocksDB
 * write) off the per-command path.
 */
public class ChannelRegistry extends KeyedProcessFunction<String, Command, MarketWork> {
    private static final long serialVersionUID = 1L;

    public static final ValueStateDescriptor<ChannelState> CHANNEL =
            new ValueStateDescriptor<>("channel", ChannelState.class);

    /** The channel's markets; the value is unused (MapState is the keyed set). */
    public static final MapStateDescriptor<String, Boolean> MARKETS =
            new MapStateDescriptor<>("channel-markets", Types.STRING, Types.BOOLEAN);

    /** The channel's query subscriptions by query id. */
    public static final MapStateDescriptor<String, MarketQuery> QUERIES =
            new MapStateDescriptor<>(
                    "channel-queries", Types.STRING, TypeInformation.of(MarketQuery.class));

    private final long ttlMillis;

    private transient ValueState<ChannelState> channel;
    private transient MapState<String, Boolean> markets;
    private transient MapState<String, MarketQuery> queries;
    private transient Counter expired;
    private transient Counter ignored;

    public ChannelRegistry(Duration ttl) {
        this.ttlMillis = ttl.toMillis();
    }

    @Override
    public void open(Configuration parameters) {
        channel = getRuntimeContext().getState(CHANNEL);
        markets = getRuntimeContext().getMapState(MARKETS);
        queries = getRuntimeContext().getMapState(QUERIES);
        expired = getRuntimeContext().getMetricGroup().counter("channelsExpired");
        ignored = getRuntimeContext().getMetricGroup().counter("commandsForUnknownChannels");
    }

    @Override
    public void processElement(Command command, Context ctx, Collector<MarketWork> out)
            throws Exception {
        ChannelState state = channel.value();
        long now = ctx.timerService().currentProcessingTime();
        if (state == null) {
            switch (command.type) {
                case OPEN:
                case SUBSCRIBE:
                case BEGIN_STREAM:
                    state = new ChannelState();
                    state.expiryTimer = now + ttlMillis;
                    ctx.timerService().registerProcessingTimeTimer(state.expiryTimer);
                    break;
                default:
                    ignored.inc();
                    return;
            }
        }
        state.lastSeen = now;

        switch (command.type) {
            case OPEN:
                open(command, state, ctx, out);
                break;
            case SUBSCRIBE:
                if (command.queryId != null) {
                    // the same query again changes nothing: no broadcast, no scan of every market
                    if (!command.query.equals(queries.get(command.queryId))) {
                        queries.put(command.queryId, command.query);
                        ctx.output(
                                Descriptors.QUERY_COMMANDS,
                                add(command.queryId, command.query, command, state));
                    }
                    break;
                }
                for (String marketId : command.markets) {
                    if (!markets.contains(marketId)) {
                        markets.put(marketId, Boolean.TRUE);
                        out.collect(subscribe(marketId, command, state));
                    }
                }
                break;
            case BEGIN_STREAM:
                state.streaming = true;
                // A subset is the resync of single markets. A market a query holds is not in
                // this channel's list (only the reducer knows it), so with queries the subset goes
                // to the reducer as is: it answers only markets the channel holds.
                boolean anyQuery = command.markets != null && !queries.isEmpty();
                for (String marketId :
                        command.markets == null ? markets.keys() : List.of(command.markets)) {
                    if (command.markets == null || anyQuery || markets.contains(marketId)) {
                        MarketWork work =
                                MarketWork.of(
                                        WorkType.BEGIN,
                                        marketId,
                                        command.channelId,
                                        command.recordTime);
                        work.since = command.since;
                        out.collect(work);
                    }
                }
                if (command.markets == null) {
                    for (String queryId : queries.keys()) {
                        ctx.output(
                                Descriptors.QUERY_COMMANDS,
                                QueryCommand.of(
                                        QueryCommand.Type.BEGIN,
                                        command.channelId,
                                        queryId,
                                        command.recordTime));
                    }
                }
                break;
            case UNSUBSCRIBE:
                if (command.queryId != null) {
                    if (queries.contains(command.queryId)) {
                        queries.remove(command.queryId);
                        ctx.output(
                                Descriptors.QUERY_COMMANDS,
                                remove(
                                        command.channelId,
                                        command.queryId,
                                        RemovalReason.UNSUBSCRIBED,
                                        command.recordTime));
                    }
                    break;
                }
                for (String marketId : command.markets) {
                    if (markets.contains(marketId)) {
                        markets.remove(marketId);
                        out.collect(
                                MarketWork.of(
                                        WorkType.UNSUBSCRIBE,
                                        marketId,
                                        command.channelId,
                                        command.recordTime));
                    }
                }
                break;
            case HEARTBEAT:
                break;
            case DISCONNECT:
                release(WorkType.DISCONNECT, command.channelId, command.recordTime, ctx, out);
                ctx.timerService().deleteProcessingTimeTimer(state.expiryTimer);
                return;
            default:
                throw new IllegalStateException("unhandled command " + command.type);
        }
        channel.update(state);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<MarketWork> out)
            throws Exception {
        ChannelState state = channel.value();
        if (state == null || timestamp != state.expiryTimer) {
            return;
        }
        long due = state.lastSeen + ttlMillis;
        if (due > timestamp) {
            state.expiryTimer = due;
            ctx.timerService().registerProcessingTimeTimer(due);
            channel.update(state);
            return;
        }
        expired.inc();
        release(WorkType.EXPIRE, ctx.getCurrentKey(), timestamp, ctx, out);
    }

    /**
     * A (re-)OPEN sets the view; markets already subscribed, by list or by query, take the new
     * view.
     */
    private void open(Command command, ChannelState state, Context ctx, Collector<MarketWork> out)
            throws Exception {
        OddsFormat format = command.oddsFormat == null ? OddsFormat.DECIMAL : command.oddsFormat;
        boolean changed = format != state.oddsFormat || command.throttleMs != state.throttleMs;
        state.oddsFormat = format;
        state.throttleMs = command.throttleMs;
        if (changed) {
            for (String marketId : markets.keys()) {
                out.collect(subscribe(marketId, command, state));
            }
            for (Map.Entry<String, MarketQuery> query : queries.entries()) {
                ctx.output(
                        Descriptors.QUERY_COMMANDS,
                        add(query.getKey(), query.getValue(), command, state));
            }
        }
    }

    private static QueryCommand add(
            String queryId, MarketQuery query, Command command, ChannelState state) {
        QueryCommand add =
                QueryCommand.of(
                        QueryCommand.Type.ADD, command.channelId, queryId, command.recordTime);
        add.query = query;
        add.oddsFormat = state.oddsFormat;
        add.throttleMs = state.throttleMs;
        add.streaming = state.streaming;
        return add;
    }

    private static QueryCommand remove(
            String channelId, String queryId, RemovalReason reason, long ts) {
        QueryCommand remove = QueryCommand.of(QueryCommand.Type.REMOVE, channelId, queryId, ts);
        remove.reason = reason == null ? null : reason.name();
        return remove;
    }

    private static MarketWork subscribe(String marketId, Command command, ChannelState state) {
        MarketWork work =
                MarketWork.of(WorkType.SUBSCRIBE, marketId, command.channelId, command.recordTime);
        work.oddsFormat = state.oddsFormat;
        work.throttleMs = state.throttleMs;
        work.streaming = state.streaming;
        return work;
    }

    private void release(
            WorkType type, String channelId, long ts, Context ctx, Collector<MarketWork> out)
            throws Exception {
        List<String> held = new ArrayList<>();
        markets.keys().forEach(held::add);
        for (String marketId : held) {
            out.collect(MarketWork.of(type, marketId, channelId, ts));
        }
        RemovalReason reason = type == WorkType.EXPIRE ? RemovalReason.EXPIRED : null;
        for (String queryId : queries.keys()) {
            ctx.output(Descriptors.QUERY_COMMANDS, remove(channelId, queryId, reason, ts));
        }
        markets.clear();
        queries.clear();
        channel.clear();
    }
}

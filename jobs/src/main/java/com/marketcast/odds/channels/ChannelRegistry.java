package com.marketcast.odds.channels;

import com.marketcast.odds.model.Command;
import com.marketcast.odds.model.OddsFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
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

    private final long ttlMillis;

    private transient ValueState<ChannelState> channel;
    private transient MapState<String, Boolean> markets;
    private transient Counter expired;
    private transient Counter ignored;

    public ChannelRegistry(Duration ttl) {
        this.ttlMillis = ttl.toMillis();
    }

    @Override
    public void open(Configuration parameters) {
        channel = getRuntimeContext().getState(CHANNEL);
        markets = getRuntimeContext().getMapState(MARKETS);
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
                open(command, state, out);
                break;
            case SUBSCRIBE:
                for (String marketId : command.markets) {
                    if (!markets.contains(marketId)) {
                        markets.put(marketId, Boolean.TRUE);
                        out.collect(subscribe(marketId, command, state));
                    }
                }
                break;
            case BEGIN_STREAM:
                state.streaming = true;
                for (String marketId :
                        command.markets == null ? markets.keys() : List.of(command.markets)) {
                    if (command.markets == null || markets.contains(marketId)) {
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
                break;
            case UNSUBSCRIBE:
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
                release(WorkType.DISCONNECT, command.channelId, command.recordTime, out);
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
        release(WorkType.EXPIRE, ctx.getCurrentKey(), timestamp, out);
    }

    /** A (re-)OPEN sets the view; markets already subscribed take the new view. */
    private void open(Command command, ChannelState state, Collector<MarketWork> out)
            throws Exception {
        OddsFormat format = command.oddsFormat == null ? OddsFormat.DECIMAL : command.oddsFormat;
        boolean changed = format != state.oddsFormat || command.throttleMs != state.throttleMs;
        state.oddsFormat = format;
        state.throttleMs = command.throttleMs;
        if (changed) {
            for (String marketId : markets.keys()) {
                out.collect(subscribe(marketId, command, state));
            }
        }
    }

    private static MarketWork subscribe(String marketId, Command command, ChannelState state) {
        MarketWork work =
                MarketWork.of(WorkType.SUBSCRIBE, marketId, command.channelId, command.recordTime);
        work.oddsFormat = state.oddsFormat;
        work.throttleMs = state.throttleMs;
        work.streaming = state.streaming;
        return work;
    }

    private void release(WorkType type, String channelId, long ts, Collector<MarketWork> out)
            throws Exception {
        List<String> held = new ArrayList<>();
        markets.keys().forEach(held::add);
        for (String marketId : held) {
            out.collect(MarketWork.of(type, marketId, channelId, ts));
        }
        markets.clear();
        channel.clear();
    }
}

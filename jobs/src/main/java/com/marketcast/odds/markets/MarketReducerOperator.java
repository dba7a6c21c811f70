package com.marketcast.odds.markets;

import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.channels.QueryCommand;
import java.time.Duration;
import java.util.List;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;

/**
 * Runs the {@link MarketReducer}: Flink's operator of {@code keyBy(...).connect(broadcast)
 * .process(...)}, which also lets the reducer write the hot markets' states back to the keyed state
 * ({@link CachedMarketState}) under their own keys, before every snapshot of it. It tells the
 * reducer whether the keyed state is on the heap, where the caches are off.
 *
 * <p>A function alone cannot do that: it sees the keyed state of the current key only. So the
 * pipeline connects the keyed inputs with the broadcast queries and {@code transform}s them with
 * this operator; the graph, the operator's state and its uid are those {@code process} builds.
 */
public final class MarketReducerOperator
        extends CoBroadcastWithKeyedOperator<String, MarketInput, QueryCommand, RedisWrite> {
    private static final long serialVersionUID = 1L;

    /** See {@link MarketReducer#MarketReducer(Duration, int, Duration)}. */
    public MarketReducerOperator(Duration closedMarketTtl, int hotMarkets, Duration writeDelay) {
        super(
                new MarketReducer(closedMarketTtl, hotMarkets, writeDelay),
                List.of(MarketReducer.QUERIES));
    }

    @Override
    public void open() throws Exception {
        // before super.open() opens the reducer
        reducer().useKeyContext(this, getKeyedStateBackend() instanceof HeapKeyedStateBackend);
        super.open();
    }

    /** Flink takes the keyed state's snapshot right after this: it must hold every change. */
    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        reducer().writeBack();
        super.snapshotState(context);
    }

    private MarketReducer reducer() {
        return (MarketReducer) userFunction;
    }
}

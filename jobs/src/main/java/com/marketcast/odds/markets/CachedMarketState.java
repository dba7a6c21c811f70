package com.marketcast.odds.markets;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ValueState;

/**
 * The reducer's {@link MarketReducer#MARKET} state, with the states of the markets touched last
 * kept on the heap in front of it.
 *
 * <p>Why: on RocksDB every read of a market's state is a native get (the memtables, then the SST
 * files) and a decode of its strings, about a third of the reducer's time per update
 * (BENCHMARKS.md, "The market state on the heap in front of RocksDB"). Updates are skewed: the
 * in-play markets take most of them, and they stay in a cache of a few thousand.
 *
 * <p>Writes go through to the keyed state, so a cached state is always the stored one; the cache is
 * transient and starts empty after every restore or rescale. The reducer's broadcast side reads the
 * keyed state directly and never writes it. Hits and writes copy (a field-wise copy, far cheaper
 * than a get): the caller gets a state it may change as it would one read from RocksDB, and the
 * cache never shares an instance with the heap backend, whose asynchronous snapshots rely on the
 * states they hold not being changed in place.
 */
final class CachedMarketState {
    private final ValueState<MarketState> stored;
    private final int capacity;
    private final Map<String, MarketState> recent;

    /**
     * @param stored the market state of the current key
     * @param capacity how many markets' states to keep; 0 keeps none
     */
    CachedMarketState(ValueState<MarketState> stored, int capacity) {
        this.stored = stored;
        this.capacity = capacity;
        this.recent =
                new LinkedHashMap<>(16, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, MarketState> eldest) {
                        return size() > capacity;
                    }
                };
    }

    /**
     * The state of {@code marketId}, the current key; null while it has none. A hit is a copy of
     * the cached state; a miss is what the keyed state returns, as without the cache, and the cache
     * keeps a copy of it.
     */
    MarketState value(String marketId) throws IOException {
        MarketState cached = recent.get(marketId);
        if (cached != null) {
            return MarketStateSerializer.INSTANCE.copy(cached);
        }
        MarketState state = stored.value();
        if (state != null && capacity > 0) {
            recent.put(marketId, MarketStateSerializer.INSTANCE.copy(state));
        }
        return state;
    }

    /** Writes the state of the current key (its {@code marketId}). */
    void update(MarketState state) throws IOException {
        stored.update(state);
        if (capacity > 0) {
            recent.put(state.marketId, MarketStateSerializer.INSTANCE.copy(state));
        }
    }

    /** Removes the state of {@code marketId}, the current key. */
    void clear(String marketId) {
        stored.clear();
        recent.remove(marketId);
    }
}

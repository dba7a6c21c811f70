package com.marketcast.odds.markets;

import java.io.IOException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.operators.KeyContext;

/**
 * The reducer's {@link MarketReducer#MARKET} state, with the states of the markets touched last
 * kept on the heap in front of it and written back to it.
 *
 * <p>Why: on RocksDB every read of a market's state is a native get (the memtables, then the SST
 * files) and a decode of its strings, and every write a native put, RocksDB's flushes and its
 * compactions: most of the reducer's time per update (BENCHMARKS.md, "The market state on the heap
 * in front of RocksDB" and "Hot market states written back at checkpoints"). Updates are skewed:
 * the in-play markets take most of them, stay in a cache of a few thousand, and change many times
 * between two checkpoints.
 *
 * <p>Writes stay on the heap, marked changed, until {@link #writeBack()}, which the reducer's
 * operator calls before every snapshot of the keyed state (so checkpoints, savepoints, restores and
 * rescaling see every change) and the reducer before every scan of the keyed state. A changed state
 * pushed out of the cache is written then. Each write back sets the keyed state's current key to
 * the market written and then back. The cache is transient and starts empty after every restore.
 *
 * <p>Hits and writes copy (a field-wise copy, far cheaper than a get): the caller gets a state it
 * may change as it would one read from RocksDB. A cached state is never changed in place, so the
 * instance written back may be shared with the heap backend, whose asynchronous snapshots rely on
 * the states they hold not being changed.
 */
final class CachedMarketState {
    private final ValueState<MarketState> stored;
    private final KeyContext keys;
    private final int capacity;
    private final LinkedHashMap<String, MarketState> recent;

    /** The markets whose cached state is newer than the stored one. */
    private final Set<String> changed = new HashSet<>();

    /**
     * @param stored the market state of the current key
     * @param keys sets the current key of {@code stored} to write back other markets' states
     * @param capacity how many markets' states to keep; 0 keeps none and writes through
     */
    CachedMarketState(ValueState<MarketState> stored, KeyContext keys, int capacity) {
        this.stored = stored;
        this.keys = keys;
        this.capacity = capacity;
        this.recent = new LinkedHashMap<>(16, 0.75f, true);
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
            keep(marketId, MarketStateSerializer.INSTANCE.copy(state));
        }
        return state;
    }

    /** Sets the state of the current key (its {@code marketId}); the keyed state gets it later. */
    void update(MarketState state) throws IOException {
        if (capacity == 0) {
            stored.update(state);
            return;
        }
        keep(state.marketId, MarketStateSerializer.INSTANCE.copy(state));
        changed.add(state.marketId);
    }

    /** Removes the state of {@code marketId}, the current key, from both. */
    void clear(String marketId) {
        stored.clear();
        recent.remove(marketId);
        changed.remove(marketId);
    }

    /** Writes every changed state to the keyed state. */
    void writeBack() throws IOException {
        if (changed.isEmpty()) {
            return;
        }
        Object current = keys.getCurrentKey();
        for (String marketId : changed) {
            keys.setCurrentKey(marketId);
            stored.update(recent.get(marketId));
        }
        changed.clear();
        restore(current);
    }

    /** How many markets' states wait for {@link #writeBack()}. */
    int changedCount() {
        return changed.size();
    }

    private void keep(String marketId, MarketState state) throws IOException {
        recent.put(marketId, state);
        if (recent.size() <= capacity) {
            return;
        }
        Iterator<Map.Entry<String, MarketState>> eldest = recent.entrySet().iterator();
        Map.Entry<String, MarketState> evicted = eldest.next();
        eldest.remove();
        if (changed.remove(evicted.getKey())) {
            Object current = keys.getCurrentKey();
            keys.setCurrentKey(evicted.getKey());
            stored.update(evicted.getValue());
            restore(current);
        }
    }

    /** Before the first record there is no current key to go back to. */
    private void restore(Object key) {
        if (key != null) {
            keys.setCurrentKey(key);
        }
    }
}

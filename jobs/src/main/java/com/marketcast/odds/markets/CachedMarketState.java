package com.marketcast.odds.markets;

import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.streaming.api.operators.KeyContext;

/**
 * The reducer's {@link MarketReducer#MARKET} state, with the states of the markets touched last
 * kept on the heap in front of it and written back to it.
 *
 * <p>Why: on RocksDB every read of a market's state is a native get (the memtables, then the SST
 * files) and a decode of its strings, and every write a native put, RocksDB's flushes and its
 * compactions: most of the reducer's time per update (BENCHMARKS.md, "The market state on the heap
 * in front of RocksDB" and "Hot market states written back late"). Updates are skewed: the in-play
 * markets take most of them, stay in a cache of a few thousand, and change many times between two
 * checkpoints.
 *
 * <p>Writes stay on the heap, marked changed, until the first of:
 *
 * <ul>
 *   <li>the write delay has passed since the first change not written yet (a later update writes it
 *       back, as it is then: a market changing many times a second is written about once);
 *   <li>the state is pushed out of the cache;
 *   <li>{@link #writeBack()}, which the reducer's operator calls before every snapshot of the keyed
 *       state (so checkpoints, savepoints, restores and rescaling see every change) and the reducer
 *       before every scan of the keyed state.
 * </ul>
 *
 * <p>Each write back sets the keyed state's current key to the market written and then back. The
 * cache is transient and starts empty after every restore.
 *
 * <p>The cache owns its states and hands them out: a hit returns the cached instance, which the
 * caller changes in place and passes to {@link #update}, so a hit allocates nothing. States cross
 * to the keyed state as copies, both ways: a heap backend (also under the changelog backend) keeps
 * the instances it is given and returns its own, whose asynchronous snapshots rely on them not
 * being changed. A caller that changes a state it read must {@link #update} it.
 */
final class CachedMarketState {
    private final ValueState<MarketState> stored;
    private final KeyContext keys;
    private final int capacity;
    private final LinkedHashMap<String, MarketState> recent;

    /**
     * The markets whose cached state is newer than the stored one, with the time of the first
     * change not written yet, in that order.
     */
    private final LinkedHashMap<String, Long> changed = new LinkedHashMap<>();

    private final long writeDelayMs;

    /**
     * At most the time of the oldest change in {@link #changed}: an update looks at that change
     * only once this is older than the write delay, so most updates open no iterator.
     */
    private long oldestChangeAt = Long.MAX_VALUE;

    /** Whether the last {@link #value} found its market held: read before, not pushed out since. */
    private boolean lastReadHeld;

    private Counter hits = new SimpleCounter();
    private Counter misses = new SimpleCounter();

    /**
     * @param stored the market state of the current key
     * @param keys sets the current key of {@code stored} to write back other markets' states
     * @param capacity how many markets' states to keep; 0 keeps none and writes through
     * @param writeDelayMs how long a change may wait on the heap before it is written back
     */
    CachedMarketState(
            ValueState<MarketState> stored, KeyContext keys, int capacity, long writeDelayMs) {
        this.stored = stored;
        this.keys = keys;
        this.capacity = capacity;
        this.writeDelayMs = writeDelayMs;
        this.recent = new LinkedHashMap<>(16, 0.75f, true);
    }

    /**
     * The state of {@code marketId}, the current key; null while it has none. A hit is the cached
     * state itself; a miss is a copy of the keyed state's, which the cache keeps from now on.
     * Without capacity it is what the keyed state returns.
     */
    MarketState value(String marketId) throws IOException {
        MarketState cached = recent.get(marketId);
        lastReadHeld = cached != null;
        if (cached != null) {
            hits.inc();
            return cached;
        }
        misses.inc();
        MarketState state = stored.value();
        if (state == null || capacity == 0) {
            return state;
        }
        MarketState own = MarketStateSerializer.INSTANCE.copy(state);
        keep(marketId, own);
        return own;
    }

    /**
     * Sets the state of the current key (its {@code marketId}) at processing time {@code now}; the
     * keyed state gets it later. Writes back the changes older than the write delay.
     */
    void update(MarketState state, long now) throws IOException {
        if (capacity == 0) {
            stored.update(state);
            return;
        }
        if (recent.get(state.marketId) != state) {
            keep(state.marketId, state); // a new market's first state: the cache takes it over
        }
        changed.putIfAbsent(state.marketId, now);
        oldestChangeAt = Math.min(oldestChangeAt, now);
        if (oldestChangeAt > now - writeDelayMs) {
            return;
        }
        // one at most per update: the writes never outnumber the updates, and a backlog left by a
        // pause is written over the next updates instead of at once
        Iterator<Map.Entry<String, Long>> oldest = changed.entrySet().iterator();
        Map.Entry<String, Long> first = oldest.next();
        oldestChangeAt = first.getValue(); // still a bound for the next one once this is written
        if (oldestChangeAt <= now - writeDelayMs) {
            oldest.remove();
            writeAs(first.getKey(), recent.get(first.getKey()));
        }
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
        for (String marketId : changed.keySet()) {
            keys.setCurrentKey(marketId);
            stored.update(MarketStateSerializer.INSTANCE.copy(recent.get(marketId)));
        }
        changed.clear();
        restore(current);
    }

    /**
     * Whether the last {@link #value} was a hit: the market was read before and not pushed out
     * since, so it is read again and again. {@link CachedSubscribers} admits only such markets.
     */
    boolean lastReadHeld() {
        return lastReadHeld;
    }

    /**
     * Registers the cache's metrics, to size {@code hot-markets} by: the counters {@code
     * hotMarketStateHits} and {@code hotMarketStateMisses} (reads of a market's state found on the
     * heap, and read from the keyed state) and the gauge {@code hotMarketStatesHeld}. None without
     * capacity.
     */
    void registerMetrics(MetricGroup group) {
        if (capacity == 0) {
            return;
        }
        hits = group.counter("hotMarketStateHits");
        misses = group.counter("hotMarketStateMisses");
        group.gauge("hotMarketStatesHeld", recent::size);
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
        if (changed.remove(evicted.getKey()) != null) {
            writeAs(evicted.getKey(), evicted.getValue());
        }
    }

    /** Writes a copy of {@code state} as {@code marketId}'s, then goes back to the current key. */
    private void writeAs(String marketId, MarketState state) throws IOException {
        Object current = keys.getCurrentKey();
        keys.setCurrentKey(marketId);
        stored.update(MarketStateSerializer.INSTANCE.copy(state));
        restore(current);
    }

    /** Before the first record there is no current key to go back to. */
    private void restore(Object key) {
        if (key != null) {
            keys.setCurrentKey(key);
        }
    }
}

package com.marketcast.odds.markets;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ValueState;
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
 * <p>Which markets stay is Caffeine's W-TinyLFU: a market read for the first time waits in a small
 * window and stays only if it is read more often than the market it would push out. Under the
 * feed's skew most misses are markets read once in a while; kept in a plain LRU order, each stayed
 * until thousands of other markets had been read, seconds, and every young collection copied it
 * (BENCHMARKS.md, "The hot markets' caches and the TaskManager's young collections"). Caffeine runs
 * its maintenance on the calling thread ({@code executor(Runnable::run)}), so a changed state is
 * written back inside the {@code put} that pushes it out, on the task's thread, with the current
 * key set to it and then back, like every other write back. The cache is transient and starts empty
 * after every restore.
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
    private final Cache<String, MarketState> recent;

    /**
     * A failed write back of a state pushed out, thrown by the call that pushed it out: Caffeine
     * logs and drops what its listeners throw.
     */
    private RuntimeException evictionFailure;

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
        this.recent =
                Caffeine.newBuilder()
                        .maximumSize(capacity)
                        .executor(Runnable::run)
                        .<String, MarketState>evictionListener(this::writeBackPushedOut)
                        .build();
    }

    /**
     * The state of {@code marketId}, the current key; null while it has none. A hit is the cached
     * state itself; a miss is a copy of the keyed state's, which the cache takes in (and keeps if
     * the market is read often enough). Without capacity it is what the keyed state returns.
     */
    MarketState value(String marketId) throws IOException {
        MarketState cached = recent.getIfPresent(marketId);
        lastReadHeld = cached != null;
        if (cached != null) {
            return cached;
        }
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
        // marked first: should the cache push this very state out at once, it is written back
        changed.putIfAbsent(state.marketId, now);
        if (held(state.marketId) != state) {
            keep(state.marketId, state); // a new market's first state: the cache takes it over
        }
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
            writeAs(first.getKey(), held(first.getKey()));
        }
    }

    /** Removes the state of {@code marketId}, the current key, from both. */
    void clear(String marketId) {
        stored.clear();
        recent.invalidate(marketId);
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
            stored.update(MarketStateSerializer.INSTANCE.copy(held(marketId)));
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

    /** How many markets' states wait for {@link #writeBack()}. */
    int changedCount() {
        return changed.size();
    }

    private void keep(String marketId, MarketState state) throws IOException {
        recent.put(marketId, state);
        RuntimeException failure = evictionFailure;
        if (failure != null) {
            evictionFailure = null;
            if (failure instanceof UncheckedIOException) {
                throw ((UncheckedIOException) failure).getCause();
            }
            throw failure;
        }
    }

    /** The cached state of {@code marketId}, read without counting as a use. */
    private MarketState held(String marketId) {
        return recent.policy().getIfPresentQuietly(marketId);
    }

    /** Caffeine's eviction listener: writes a changed state back as it leaves the cache. */
    private void writeBackPushedOut(String marketId, MarketState state, RemovalCause cause) {
        if (changed.remove(marketId) == null) {
            return;
        }
        try {
            writeAs(marketId, state);
        } catch (IOException e) {
            evictionFailure = new UncheckedIOException(e);
        } catch (RuntimeException e) {
            evictionFailure = e;
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

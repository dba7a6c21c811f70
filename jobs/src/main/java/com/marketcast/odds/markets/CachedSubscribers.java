package com.marketcast.odds.markets;

import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.state.MapState;

/**
 * The reducer's {@link MarketReducer#SUBSCRIBERS} state, with the subscriptions of the markets read
 * last kept on the heap in front of it, so an update of a hot market does not open a RocksDB
 * iterator over its subscribers.
 *
 * <p>Unlike {@link CachedMarketState}, which writes a changed state back late, writes go through to
 * the keyed state at once, and to the market's cached subscriptions too: a held market stays held
 * through subscription churn. Why not drop it and read it again: a market with thousands of
 * channels sees a subscribe or unsubscribe every fraction of a second, and each read made as many
 * objects again.
 *
 * <p>Only a market read again while its state is held in {@link CachedMarketState} is admitted:
 * under the feed's skew most markets outside the hot set are read once in a while, and holding
 * their subscriptions until other markets push them out made objects that live for seconds, which
 * every young collection copies: a sixth of what the TaskManager's copied (BENCHMARKS.md, "The hot
 * markets' caches and the TaskManager's young collections").
 *
 * <p>A held market iterates in the keyed state's order at its read, with later subscriptions last:
 * the order of a market's messages to different channels, which nothing relies on. The cache is
 * transient, and holds copies of the keyed state's subscriptions, never its instances or the
 * caller's: the heap backend (also under the changelog backend) keeps what it is given. A hit is
 * the cached subscriptions themselves, so a hot market's update allocates nothing per subscriber; a
 * caller that changes one must {@link #put} it. Point reads ({@link #get}, {@link #isEmpty}) go to
 * the keyed state. Every method takes the current key, the market: the broadcast side writes here
 * inside {@code applyToKeyedState} too.
 */
final class CachedSubscribers {
    private final MapState<String, Subscription> stored;
    private final int capacity;
    private final BooleanSupplier admit;
    private final LinkedHashMap<String, LinkedHashMap<String, Subscription>> recent =
            new LinkedHashMap<>(16, 0.75f, true);

    /** How many subscriptions {@link #recent} holds, over all its markets. */
    private int held;

    /**
     * @param stored the subscriptions of the current key
     * @param capacity how many subscriptions to keep, over all markets; 0 keeps none
     * @param admit whether the market read now is to be held: asked on a miss
     */
    CachedSubscribers(MapState<String, Subscription> stored, int capacity, BooleanSupplier admit) {
        this.stored = stored;
        this.capacity = capacity;
        this.admit = admit;
    }

    /**
     * The market's subscriptions. A hit is the cached ones, not to be changed but through {@link
     * #put} and {@link #remove}, and not while iterating; a miss is what the keyed state returns,
     * as without the cache, and the cache keeps copies of it.
     */
    Iterable<Map.Entry<String, Subscription>> entries(String marketId) throws Exception {
        LinkedHashMap<String, Subscription> cached = recent.get(marketId);
        if (cached != null) {
            return Collections.unmodifiableCollection(cached.entrySet());
        }
        if (capacity == 0 || !admit.getAsBoolean()) {
            return stored.entries();
        }
        List<Map.Entry<String, Subscription>> read = new ArrayList<>();
        for (Map.Entry<String, Subscription> entry : stored.entries()) {
            read.add(new SimpleEntry<>(entry.getKey(), entry.getValue()));
        }
        remember(marketId, read);
        return read;
    }

    Subscription get(String channelId) throws Exception {
        return stored.get(channelId);
    }

    boolean isEmpty() throws Exception {
        return stored.isEmpty();
    }

    void put(String marketId, String channelId, Subscription subscription) throws Exception {
        stored.put(channelId, subscription);
        LinkedHashMap<String, Subscription> cached = recent.get(marketId);
        if (cached == null) {
            return;
        }
        if (cached.put(channelId, SubscriptionSerializer.INSTANCE.copy(subscription)) == null) {
            held++;
            evictBeyondCapacity();
        }
    }

    void remove(String marketId, String channelId) throws Exception {
        stored.remove(channelId);
        LinkedHashMap<String, Subscription> cached = recent.get(marketId);
        if (cached != null && cached.remove(channelId) != null) {
            held--;
        }
    }

    void clear(String marketId) {
        stored.clear();
        LinkedHashMap<String, Subscription> dropped = recent.remove(marketId);
        if (dropped != null) {
            held -= dropped.size();
        }
    }

    private void remember(String marketId, List<Map.Entry<String, Subscription>> entries) {
        if (entries.size() > capacity) {
            return; // more than the whole cache: stays in the keyed state only
        }
        LinkedHashMap<String, Subscription> copies = new LinkedHashMap<>();
        for (Map.Entry<String, Subscription> entry : entries) {
            copies.put(entry.getKey(), SubscriptionSerializer.INSTANCE.copy(entry.getValue()));
        }
        recent.put(marketId, copies);
        held += copies.size();
        evictBeyondCapacity();
    }

    /**
     * Drops the markets read least recently until the cache is within its capacity; the market just
     * written or read is the last to go, once it alone is over.
     */
    private void evictBeyondCapacity() {
        var eldest = recent.entrySet().iterator();
        while (held > capacity) {
            held -= eldest.next().getValue().size();
            eldest.remove();
        }
    }
}

package com.marketcast.odds.markets;

import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;

/**
 * The reducer's {@link MarketReducer#SUBSCRIBERS} state, with the subscriptions of the markets read
 * last kept on the heap in front of it, so an update of a hot market does not open a RocksDB
 * iterator over its subscribers.
 *
 * <p>Unlike {@link CachedMarketState}, which writes a changed state back late, writes go through to
 * the keyed state at once and drop the market's cached list (it is read again as the keyed state
 * iterates it, in the same order). As there, the cache is transient and holds copies of the keyed
 * state's subscriptions, never its instances. A hit is the cached list itself, so a hot market's
 * update allocates nothing per subscriber; a caller that changes one of its subscriptions must
 * {@link #put} it, which drops the list. Point reads ({@link #get}, {@link #isEmpty}) go to the
 * keyed state. Every method takes the current key, the market: the broadcast side writes here
 * inside {@code applyToKeyedState} too.
 */
final class CachedSubscribers {
    private final MapState<String, Subscription> stored;
    private final int capacity;
    private final LinkedHashMap<String, List<Map.Entry<String, Subscription>>> recent =
            new LinkedHashMap<>(16, 0.75f, true);

    /** How many subscriptions {@link #recent} holds, over all its markets. */
    private int held;

    /**
     * @param stored the subscriptions of the current key
     * @param capacity how many subscriptions to keep, over all markets; 0 keeps none
     */
    CachedSubscribers(MapState<String, Subscription> stored, int capacity) {
        this.stored = stored;
        this.capacity = capacity;
    }

    /**
     * The market's subscriptions, in the keyed state's order. A hit is the cached list, not to be
     * changed but through {@link #put} and {@link #remove}; a miss is what the keyed state returns,
     * as without the cache, and the cache keeps a copy of it.
     */
    Iterable<Map.Entry<String, Subscription>> entries(String marketId) throws Exception {
        List<Map.Entry<String, Subscription>> cached = recent.get(marketId);
        if (cached != null) {
            return Collections.unmodifiableList(cached);
        }
        if (capacity == 0) {
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
        forget(marketId);
    }

    void remove(String marketId, String channelId) throws Exception {
        stored.remove(channelId);
        forget(marketId);
    }

    void clear(String marketId) {
        stored.clear();
        forget(marketId);
    }

    private void remember(String marketId, List<Map.Entry<String, Subscription>> entries) {
        if (entries.size() > capacity) {
            return; // more than the whole cache: stays in the keyed state only
        }
        recent.put(marketId, copies(entries));
        held += entries.size();
        var eldest = recent.entrySet().iterator();
        while (held > capacity) {
            held -= eldest.next().getValue().size();
            eldest.remove();
        }
    }

    private void forget(String marketId) {
        List<Map.Entry<String, Subscription>> dropped = recent.remove(marketId);
        if (dropped != null) {
            held -= dropped.size();
        }
    }

    private static List<Map.Entry<String, Subscription>> copies(
            Iterable<Map.Entry<String, Subscription>> entries) {
        List<Map.Entry<String, Subscription>> copies = new ArrayList<>();
        for (Map.Entry<String, Subscription> entry : entries) {
            copies.add(
                    new SimpleEntry<>(
                            entry.getKey(),
                            SubscriptionSerializer.INSTANCE.copy(entry.getValue())));
        }
        return copies;
    }
}

package com.marketcast.odds.markets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.junit.jupiter.api.Test;

/** The heap cache of subscriptions on its own; {@link HotMarketsTest} runs it in the reducer. */
class CachedSubscribersTest {
    private final CountingMapState stored = new CountingMapState();

    @Test
    void aMarketReadTwiceIsIteratedOnceAndWritesReachBothTheKeyedStateAndTheHeldMarket()
            throws Exception {
        CachedSubscribers cache = new CachedSubscribers(stored, 16, () -> true);
        put(cache, "m1", "c1", "c2");
        assertThat(channels(cache.entries("m1"))).containsExactly("c1", "c2");
        assertThat(channels(cache.entries("m1"))).containsExactly("c1", "c2");
        assertThat(stored.iterations).isEqualTo(1);

        stored.key = "m1";
        cache.put("m1", "c3", new Subscription());
        assertThat(channels(cache.entries("m1"))).containsExactly("c1", "c2", "c3");
        cache.remove("m1", "c1");
        assertThat(channels(cache.entries("m1"))).containsExactly("c2", "c3");
        assertThat(stored.maps.get("m1")).containsOnlyKeys("c2", "c3");
        assertThat(stored.iterations).isEqualTo(1); // held through the churn, never read again
        cache.clear("m1");
        assertThat(cache.entries("m1")).isEmpty();
        assertThat(stored.iterations).isEqualTo(2);
    }

    @Test
    void theCapacityCountsSubscriptionsAndTheMarketReadLeastRecentlyGoesFirst() throws Exception {
        CachedSubscribers cache = new CachedSubscribers(stored, 4, () -> true);
        put(cache, "m1", "c1", "c2");
        put(cache, "m2", "c1", "c2");
        put(cache, "m3", "c1", "c2", "c3", "c4", "c5"); // more than the whole cache
        read(cache, "m1", "m2", "m1", "m3", "m3");
        assertThat(stored.iterations).isEqualTo(4); // m1, m2 once; m3 each time

        put(cache, "m4", "c1");
        read(cache, "m4"); // 5 held: m2, read least recently, goes
        assertThat(stored.iterations).isEqualTo(5);
        read(cache, "m1", "m4");
        assertThat(stored.iterations).isEqualTo(5);
        read(cache, "m2");
        assertThat(stored.iterations).isEqualTo(6);
    }

    @Test
    void aHeldMarketGrowingOverTheCapacityPushesTheLeastRecentlyReadOut() throws Exception {
        CachedSubscribers cache = new CachedSubscribers(stored, 4, () -> true);
        put(cache, "m1", "c1", "c2");
        put(cache, "m2", "c1", "c2");
        read(cache, "m1", "m2"); // 4 held
        stored.key = "m2";
        cache.put("m2", "c3", new Subscription()); // 5: m1 goes
        read(cache, "m2");
        assertThat(stored.iterations).isEqualTo(2);
        read(cache, "m1");
        assertThat(stored.iterations).isEqualTo(3); // m2's 3 and m1's 2: m2 went
        stored.key = "m1";
        cache.put("m1", "c3", new Subscription());
        cache.put("m1", "c4", new Subscription());
        cache.put("m1", "c5", new Subscription()); // 5 alone: more than the whole cache
        read(cache, "m1");
        assertThat(stored.iterations).isEqualTo(4);
        assertThat(channels(cache.entries("m1"))).containsExactly("c1", "c2", "c3", "c4", "c5");
    }

    @Test
    void hitsAreTheCachesOwnSubscriptionsAndAChangeIsPutNoCapacityMeansEveryReadIterates()
            throws Exception {
        CachedSubscribers cache = new CachedSubscribers(stored, 16, () -> true);
        put(cache, "m1", "c1");
        stored.key = "m1";
        // a miss hands out what the keyed state gave (as without the cache): changed, not written
        first(cache.entries("m1")).sentVersion = 7;
        Subscription held = first(cache.entries("m1")); // the cache kept a copy of its own
        assertThat(held.sentVersion).isZero();
        assertThat(first(cache.entries("m1"))).isSameAs(held); // a hit allocates no copy

        held.sentVersion = 8; // a change is put: the keyed state gets it, the cache a copy
        cache.put("m1", "c1", held);
        assertThat(stored.maps.get("m1").get("c1").sentVersion).isEqualTo(8);
        assertThat(first(cache.entries("m1"))).isNotSameAs(held);
        assertThat(first(cache.entries("m1")).sentVersion).isEqualTo(8);
        assertThat(stored.iterations).isEqualTo(1);
        assertThatThrownBy(
                        () -> {
                            var entries = cache.entries("m1").iterator();
                            entries.next();
                            entries.remove();
                        })
                .isInstanceOf(UnsupportedOperationException.class);

        CachedSubscribers none = new CachedSubscribers(stored, 0, () -> true);
        none.entries("m1");
        none.entries("m1");
        assertThat(stored.iterations).isEqualTo(3);
    }

    @Test
    void onlyAMarketTheAdmissionNamesIsHeld() throws Exception {
        boolean[] admit = {false};
        CachedSubscribers cache = new CachedSubscribers(stored, 16, () -> admit[0]);
        put(cache, "m1", "c1");
        read(cache, "m1", "m1");
        assertThat(stored.iterations).isEqualTo(2); // read once in a while: not held
        admit[0] = true;
        read(cache, "m1", "m1");
        assertThat(stored.iterations).isEqualTo(3);
        admit[0] = false; // asked on a miss only: a held market stays
        read(cache, "m1");
        assertThat(stored.iterations).isEqualTo(3);
    }

    private static Subscription first(Iterable<Map.Entry<String, Subscription>> entries) {
        return entries.iterator().next().getValue();
    }

    private void put(CachedSubscribers cache, String market, String... channels) throws Exception {
        stored.key = market;
        for (String channel : channels) {
            cache.put(market, channel, new Subscription());
        }
    }

    private void read(CachedSubscribers cache, String... markets) throws Exception {
        for (String market : markets) {
            stored.key = market;
            cache.entries(market);
        }
    }

    private static List<String> channels(Iterable<Map.Entry<String, Subscription>> entries) {
        List<String> channels = new ArrayList<>();
        entries.forEach(entry -> channels.add(entry.getKey()));
        return channels;
    }

    /** A keyed map state of a test-set current key that counts its iterations. */
    private static final class CountingMapState implements MapState<String, Subscription> {
        final Map<String, Map<String, Subscription>> maps = new HashMap<>();
        String key;
        int iterations;

        private Map<String, Subscription> map() {
            return maps.computeIfAbsent(key, k -> new LinkedHashMap<>());
        }

        @Override
        public Subscription get(String channel) {
            return SubscriptionSerializer.INSTANCE.copy(map().get(channel));
        }

        @Override
        public void put(String channel, Subscription value) {
            map().put(channel, SubscriptionSerializer.INSTANCE.copy(value));
        }

        @Override
        public void putAll(Map<String, Subscription> values) {
            values.forEach(this::put);
        }

        @Override
        public void remove(String channel) {
            map().remove(channel);
        }

        @Override
        public boolean contains(String channel) {
            return map().containsKey(channel);
        }

        @Override
        public Iterable<Map.Entry<String, Subscription>> entries() {
            iterations++;
            return Map.copyOf(map()).entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .toList();
        }

        @Override
        public Iterable<String> keys() {
            return map().keySet();
        }

        @Override
        public Iterable<Subscription> values() {
            return map().values();
        }

        @Override
        public Iterator<Map.Entry<String, Subscription>> iterator() {
            return entries().iterator();
        }

        @Override
        public boolean isEmpty() {
            return map().isEmpty();
        }

        @Override
        public void clear() {
            map().clear();
        }
    }
}

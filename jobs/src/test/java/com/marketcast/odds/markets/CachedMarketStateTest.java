package com.marketcast.odds.markets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.streaming.api.operators.KeyContext;
import org.junit.jupiter.api.Test;

/**
 * The heap cache of market states on its own, with a keyed state and current key of its own; {@link
 * HotMarketsTest} runs it in the reducer on Flink's backends.
 */
class CachedMarketStateTest {
    /** A write delay no test reaches: changes wait for a write back or an eviction. */
    private static final long NEVER = Long.MAX_VALUE;

    @Test
    void aStateWrittenIsReadFromTheHeapAndAnEvictedOneFromTheKeyedState() throws Exception {
        CountingState stored = new CountingState();
        CachedMarketState cache = new CachedMarketState(stored, stored, 1, NEVER);
        stored.key = "m1";
        cache.update(state("m1", 1), 0);
        assertThat(cache.value("m1").version).isEqualTo(1);
        assertThat(stored.reads).isZero();
        assertThat(stored.values).isEmpty(); // not written yet

        stored.key = "m2"; // another market's write evicts m1 (capacity 1), which is written now
        cache.update(state("m2", 7), 0);
        assertThat(stored.values).containsOnlyKeys("m1");
        assertThat(stored.values.get("m1").version).isEqualTo(1);
        assertThat(stored.key).isEqualTo("m2"); // and the current key is m2 again
        stored.key = "m1";
        assertThat(cache.value("m1").version).isEqualTo(1);
        assertThat(stored.reads).isEqualTo(1);
        assertThat(cache.value("m1").version).isEqualTo(1); // and it is held again
        assertThat(stored.reads).isEqualTo(1);
        assertThat(stored.values).containsOnlyKeys("m1", "m2"); // m2, changed, was pushed out
        assertThat(stored.values.get("m2").version).isEqualTo(7);
    }

    @Test
    void itsMetricsCountHitsMissesAndStatesHeld() throws Exception {
        CountingState stored = new CountingState();
        CachedMarketState cache = new CachedMarketState(stored, stored, 16, NEVER);
        InterceptingOperatorMetricGroup group = new InterceptingOperatorMetricGroup();
        cache.registerMetrics(group);
        stored.key = "m1";
        cache.update(state("m1", 1), 0); // a write is no read
        cache.value("m1");
        cache.value("m1");
        stored.key = "m2";
        stored.values.put("m2", state("m2", 5));
        cache.value("m2");
        assertThat(((Counter) group.get("hotMarketStateHits")).getCount()).isEqualTo(2);
        assertThat(((Counter) group.get("hotMarketStateMisses")).getCount()).isEqualTo(1);
        assertThat(((Gauge<?>) group.get("hotMarketStatesHeld")).getValue()).isEqualTo(2);

        InterceptingOperatorMetricGroup none = new InterceptingOperatorMetricGroup();
        new CachedMarketState(stored, stored, 0, NEVER).registerMetrics(none);
        assertThat(none.get("hotMarketStateHits")).isNull(); // no cache, no metrics
    }

    @Test
    void changesReachTheKeyedStateOnWriteBackOnceEach() throws Exception {
        CountingState stored = new CountingState();
        CachedMarketState cache = new CachedMarketState(stored, stored, 16, NEVER);
        for (int version = 1; version <= 3; version++) {
            stored.key = "m1";
            cache.update(state("m1", version), 0);
            stored.key = "m2";
            cache.update(state("m2", 10 + version), 0);
        }
        stored.key = "m3";
        cache.value("m3"); // read only: nothing to write
        assertThat(stored.values).isEmpty();
        assertThat(cache.changedCount()).isEqualTo(2);

        cache.writeBack();
        assertThat(stored.writes).isEqualTo(2);
        assertThat(stored.values.get("m1").version).isEqualTo(3);
        assertThat(stored.values.get("m2").version).isEqualTo(13);
        assertThat(stored.key).isEqualTo("m3");
        cache.writeBack();
        assertThat(stored.writes).isEqualTo(2);

        stored.key = "m1";
        cache.update(state("m1", 4), 0);
        for (int m = 5; m < 30; m++) { // 25 other markets: m2, m1 and m5-m13 are pushed out
            stored.key = "m" + m;
            cache.update(state(stored.key, 1), 0);
        }
        assertThat(stored.values.get("m1").version).isEqualTo(4); // written when pushed out
        assertThat(stored.writes).isEqualTo(2 + 1 + 9);
        cache.writeBack();
        assertThat(stored.writes).isEqualTo(2 + 1 + 9 + 16); // the 16 held, once each
        assertThat(stored.key).isEqualTo("m29");
    }

    @Test
    void callersChangeTheCachedStateInPlaceAndTheKeyedStateGetsCopies() throws Exception {
        CountingState stored = new CountingState();
        CachedMarketState cache = new CachedMarketState(stored, stored, 16, NEVER);
        stored.key = "m1";
        MarketState written = state("m1", 1);
        cache.update(written, 0);
        assertThat(cache.value("m1")).isSameAs(written); // the cache took the new state over
        assertThat(cache.lastReadHeld()).isTrue();

        MarketState read = cache.value("m1");
        read.version = 2;
        read.selections[0].price = 3.0;
        cache.update(read, 0);
        cache.writeBack();
        MarketState kept = stored.values.get("m1");
        assertThat(kept.version).isEqualTo(2);
        assertThat(kept.selections[0].price).isEqualTo(3.0);
        assertThat(stored.written.get(0)).isNotSameAs(read); // a copy: the cache changes its own

        stored.key = "m2";
        stored.values.put("m2", state("m2", 5));
        MarketState missed = cache.value("m2");
        assertThat(cache.lastReadHeld()).isFalse();
        assertThat(missed).isNotSameAs(stored.returned.get(stored.returned.size() - 1));
        assertThat(cache.value("m2")).isSameAs(missed); // held from now on, read once
        assertThat(stored.reads).isEqualTo(1);
    }

    @Test
    void aChangeIsWrittenBackOnceItIsOlderThanTheWriteDelay() throws Exception {
        CountingState stored = new CountingState();
        CachedMarketState cache = new CachedMarketState(stored, stored, 16, 100);
        stored.key = "m1";
        cache.update(state("m1", 1), 0);
        stored.key = "m2";
        cache.update(state("m2", 1), 50);
        stored.key = "m1";
        cache.update(state("m1", 2), 60); // still waiting since 0
        assertThat(stored.writes).isZero();

        stored.key = "m3";
        cache.update(state("m3", 1), 100); // m1's first change is 100 ms old: written, as it is now
        assertThat(stored.values).containsOnlyKeys("m1");
        assertThat(stored.values.get("m1").version).isEqualTo(2);
        assertThat(stored.key).isEqualTo("m3");
        cache.update(state("m3", 2), 149);
        assertThat(stored.writes).isEqualTo(1);
        cache.update(state("m3", 3), 150); // m2's turn
        assertThat(stored.values).containsOnlyKeys("m1", "m2");

        stored.key = "m1";
        cache.update(state("m1", 3), 160); // m1 waits again, from 160
        cache.writeBack(); // a checkpoint writes what is left: m3 and m1
        assertThat(stored.writes).isEqualTo(4);
        assertThat(stored.values.get("m1").version).isEqualTo(3);
        assertThat(stored.values.get("m3").version).isEqualTo(3);
    }

    @Test
    void aClearedStateIsGoneFromBothAndNoCapacityMeansEveryReadAndWriteGoesToTheKeyedState()
            throws Exception {
        CountingState stored = new CountingState();
        CachedMarketState cache = new CachedMarketState(stored, stored, 16, NEVER);
        stored.key = "m1";
        cache.update(state("m1", 1), 0);
        cache.clear("m1");
        assertThat(cache.value("m1")).isNull();
        cache.writeBack(); // the cleared change is not written after all
        assertThat(stored.values).isEmpty();

        CachedMarketState none = new CachedMarketState(stored, stored, 0, NEVER);
        none.update(state("m1", 2), 0);
        assertThat(stored.writes).isEqualTo(1); // written through at once
        assertThat(none.value("m1").version).isEqualTo(2);
        assertThat(none.value("m1").version).isEqualTo(2);
        assertThat(stored.reads).isEqualTo(3); // the read after the clear and these two
    }

    private static MarketState state(String marketId, long version) {
        MarketState state = new MarketState(marketId);
        state.version = version;
        state.selections = new Selection[] {new Selection("home", 1.5, version)};
        return state;
    }

    /** A keyed value state and its current key, counting its reads and writes. */
    private static final class CountingState implements ValueState<MarketState>, KeyContext {
        final Map<String, MarketState> values = new HashMap<>();
        String key;
        final List<MarketState> written = new ArrayList<>();
        final List<MarketState> returned = new ArrayList<>();
        int reads;
        int writes;

        @Override
        public MarketState value() {
            reads++;
            MarketState value = MarketStateSerializer.INSTANCE.copy(values.get(key));
            returned.add(value);
            return value;
        }

        @Override
        public void update(MarketState value) {
            writes++;
            written.add(value);
            values.put(key, MarketStateSerializer.INSTANCE.copy(value));
        }

        @Override
        public void setCurrentKey(Object key) {
            this.key = (String) key;
        }

        @Override
        public Object getCurrentKey() {
            return key;
        }

        @Override
        public void clear() {
            values.remove(key);
        }
    }
}

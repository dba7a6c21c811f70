package com.marketcast.odds.markets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ValueState;
import org.junit.jupiter.api.Test;

/** The heap cache of market states on its own; {@link HotMarketsTest} runs it in the reducer. */
class CachedMarketStateTest {
    @Test
    void aStateWrittenIsReadFromTheHeapAndAnEvictedOneFromTheKeyedState() throws Exception {
        CountingState stored = new CountingState();
        CachedMarketState cache = new CachedMarketState(stored, 1);
        stored.key = "m1";
        cache.update(state("m1", 1));
        assertThat(cache.value("m1").version).isEqualTo(1);
        assertThat(stored.reads).isZero();

        stored.key = "m2"; // another market's write evicts m1 (capacity 1)
        cache.update(state("m2", 7));
        stored.key = "m1";
        assertThat(cache.value("m1").version).isEqualTo(1);
        assertThat(stored.reads).isEqualTo(1);
        assertThat(cache.value("m1").version).isEqualTo(1); // and it is held again
        assertThat(stored.reads).isEqualTo(1);
    }

    @Test
    void callersGetCopiesAndTheCacheKeepsItsOwn() throws Exception {
        CountingState stored = new CountingState();
        CachedMarketState cache = new CachedMarketState(stored, 16);
        stored.key = "m1";
        MarketState written = state("m1", 1);
        cache.update(written);
        written.selections[0].price = 9.0; // changed after the write, not written again

        MarketState read = cache.value("m1");
        assertThat(read.selections[0].price).isEqualTo(1.5);
        read.version = 2;
        read.selections[0].price = 3.0; // changed by the caller, not written
        assertThat(cache.value("m1").version).isEqualTo(1);
        assertThat(cache.value("m1").selections[0].price).isEqualTo(1.5);
        assertThat(cache.value("m1")).isNotSameAs(cache.value("m1"));
    }

    @Test
    void aClearedStateIsGoneFromBothAndNoCapacityMeansEveryReadGoesToTheKeyedState()
            throws Exception {
        CountingState stored = new CountingState();
        CachedMarketState cache = new CachedMarketState(stored, 16);
        stored.key = "m1";
        cache.update(state("m1", 1));
        cache.clear("m1");
        assertThat(cache.value("m1")).isNull();
        assertThat(stored.values).isEmpty();

        CachedMarketState none = new CachedMarketState(stored, 0);
        none.update(state("m1", 2));
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

    /** A keyed value state of a test-set current key that counts its reads. */
    private static final class CountingState implements ValueState<MarketState> {
        final Map<String, MarketState> values = new HashMap<>();
        String key;
        int reads;

        @Override
        public MarketState value() {
            reads++;
            return MarketStateSerializer.INSTANCE.copy(values.get(key));
        }

        @Override
        public void update(MarketState value) {
            values.put(key, MarketStateSerializer.INSTANCE.copy(value));
        }

        @Override
        public void clear() {
            values.remove(key);
        }
    }
}

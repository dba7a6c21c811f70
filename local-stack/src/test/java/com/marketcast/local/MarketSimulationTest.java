package com.marketcast.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The feed's invariants over a long run with a fixed seed and a fake clock (200 updates/s). */
class MarketSimulationTest {
    private static final long SEED = 42;
    private static final int MARKETS = 300;
    private static final int UPDATES = 200_000;
    private static final long START = 1_732_260_000_000L;
    private static final long STEP_MS = 5;

    private static List<FeedUpdate> feed;

    @BeforeAll
    static void generate() {
        feed = run(SEED, MARKETS, UPDATES);
    }

    static List<FeedUpdate> run(long seed, int markets, int updates) {
        MarketSimulation simulation = new MarketSimulation(markets, seed);
        List<FeedUpdate> out = new ArrayList<>(updates);
        for (int i = 0; i < updates; i++) {
            out.add(simulation.next(START + i * STEP_MS));
        }
        return out;
    }

    @Test
    void pricesAreFiniteAboveOneAndOnTwoDecimals() {
        for (FeedUpdate update : feed) {
            for (FeedUpdate.Price p : update.selections()) {
                assertThat(p.price())
                        .as("%s", update)
                        .isFinite()
                        .isGreaterThanOrEqualTo(MarketSimulation.MIN_PRICE);
                assertThat(Math.abs(p.price() * 100 - Math.round(p.price() * 100)))
                        .as("%s", update)
                        .isLessThan(1e-6);
                // 1 / (P_MIN × (1 + 7 %)) is the longest price the model can make
                assertThat(p.price()).isLessThan(100.0);
            }
        }
    }

    @Test
    void seqStartsAtOneAndGrowsByOnePerMarket() {
        Map<String, Long> lastSeq = new HashMap<>();
        for (FeedUpdate update : feed) {
            long expected = lastSeq.getOrDefault(update.marketId(), 0L) + 1;
            assertThat(update.seq()).as("%s", update).isEqualTo(expected);
            lastSeq.put(update.marketId(), update.seq());
        }
    }

    @Test
    void closedMarketsGetNoFurtherUpdatesAndAreReplaced() {
        Set<String> closed = new HashSet<>();
        Set<String> seen = new HashSet<>();
        for (FeedUpdate update : feed) {
            assertThat(closed)
                    .as("update after CLOSED: %s", update)
                    .doesNotContain(update.marketId());
            if ("CLOSED".equals(update.status())) {
                closed.add(update.marketId());
            }
            seen.add(update.marketId());
        }
        // ~0.05 % of 200k updates close a market: each replaced by a new id
        assertThat(closed).hasSizeGreaterThan(20);
        assertThat(seen).hasSizeGreaterThan(MARKETS + closed.size() / 2);
        assertThat(seen.size()).isLessThanOrEqualTo(MARKETS + closed.size());
    }

    @Test
    void everyMarketStartsWithAFullOpenUpdate() {
        Map<String, Integer> selectionCount = new HashMap<>();
        for (FeedUpdate update : feed) {
            if (!selectionCount.containsKey(update.marketId())) {
                assertThat(update.seq()).isEqualTo(1);
                assertThat(update.status()).isEqualTo("OPEN");
                assertThat(update.selections()).hasSizeBetween(2, 3);
                selectionCount.put(update.marketId(), update.selections().size());
            } else {
                // a partial update names only the market's own selections
                assertThat(update.selections().size())
                        .isLessThanOrEqualTo(selectionCount.get(update.marketId()));
            }
        }
        // the first `markets` updates announce every market once
        assertThat(feed.subList(0, MARKETS).stream().map(FeedUpdate::marketId).distinct())
                .hasSize(MARKETS);
    }

    @Test
    void suspendedMarketsOnlyReopenAfterAFewSeconds() {
        Map<String, Long> suspendedAt = new HashMap<>();
        int suspensions = 0;
        for (FeedUpdate update : feed) {
            Long since = suspendedAt.get(update.marketId());
            if (since != null) {
                // the next update of a suspended market reopens it (or closes it: never here)
                assertThat(update.status()).as("%s", update).isEqualTo("OPEN");
                assertThat(update.ts() - since).isBetween(2_000L, 6_000L);
                suspendedAt.remove(update.marketId());
            }
            if ("SUSPENDED".equals(update.status())) {
                assertThat(update.selections()).isEmpty();
                suspendedAt.put(update.marketId(), update.ts());
                suspensions++;
            }
        }
        assertThat(suspensions).isGreaterThan(200);
    }

    @Test
    void priceMovesChangeAtLeastOnePrice() {
        Map<String, Map<String, Double>> prices = new HashMap<>();
        for (FeedUpdate update : feed) {
            Map<String, Double> held =
                    prices.computeIfAbsent(update.marketId(), id -> new HashMap<>());
            if (update.status() == null) {
                assertThat(update.selections()).isNotEmpty();
                boolean moved =
                        update.selections().stream()
                                .anyMatch(p -> !Double.valueOf(p.price()).equals(held.get(p.id())));
                assertThat(moved).as("%s", update).isTrue();
            }
            update.selections().forEach(p -> held.put(p.id(), p.price()));
        }
    }

    @Test
    void hotMarketsMoveMoreThanColdOnes() {
        Map<String, Integer> perMarket = new HashMap<>();
        feed.subList(MARKETS, feed.size())
                .forEach(u -> perMarket.merge(u.marketId(), 1, Integer::sum));
        List<Integer> counts =
                perMarket.values().stream().sorted(java.util.Comparator.reverseOrder()).toList();
        int top10 = counts.subList(0, 10).stream().mapToInt(Integer::intValue).sum();
        // Zipf over 300 slots: the 10 hottest get H(10)/H(300), about 47 %, of the updates
        assertThat(top10).isGreaterThan((feed.size() - MARKETS) * 35 / 100);
        assertThat(counts.get(0)).isGreaterThan(20 * counts.get(counts.size() / 2));
    }

    @Test
    void theSameSeedReplaysTheSameFeed() {
        assertThat(run(SEED, MARKETS, 20_000)).isEqualTo(feed.subList(0, 20_000));
        assertThat(run(SEED + 1, MARKETS, 20_000)).isNotEqualTo(feed.subList(0, 20_000));
    }

    @Test
    void aSingleMarketAlwaysHasAnUpdate() {
        // with one market the feed must bring its reopening forward rather than stall
        List<FeedUpdate> tiny = run(7, 1, 50_000);
        assertThat(tiny).hasSize(50_000).doesNotContainNull();
    }

    @Test
    void hottestMarketsAreTheFirstSlots() {
        MarketSimulation simulation = new MarketSimulation(10, SEED);
        assertThat(simulation.openMarketIds(3)).containsExactly("m-1001", "m-1002", "m-1003");
        assertThat(simulation.markets()).hasSize(10);
        assertThat(simulation.markets().get(0).selectionIds()).isNotEmpty();
    }
}

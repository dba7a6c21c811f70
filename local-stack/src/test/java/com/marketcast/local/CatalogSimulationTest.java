package com.marketcast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The feed of a catalog's markets: it never invents or closes one; removals and additions. */
class CatalogSimulationTest {
    private static final long START = 1_732_260_000_000L;

    private static List<MarketSimulation.MarketInfo> catalog(int n) {
        return IntStream.range(0, n)
                .mapToObj(
                        k ->
                                new MarketSimulation.MarketInfo(
                                        "m-" + (1001 + k),
                                        "e-" + (1 + k / 3),
                                        "football",
                                        "Premier League",
                                        "MATCH_ODDS",
                                        "Match Odds",
                                        k % 3 == 2
                                                ? List.of("over", "under")
                                                : List.of("home", "draw", "away")))
                .toList();
    }

    private static List<FeedUpdate> run(MarketSimulation simulation, int from, int updates) {
        List<FeedUpdate> out = new ArrayList<>();
        for (int i = from; i < from + updates; i++) {
            out.add(simulation.next(START + i * 5L));
        }
        return out;
    }

    private static List<Long> seqs(int n) {
        return LongStream.rangeClosed(1, n).boxed().toList();
    }

    @Test
    void feedsOnlyTheCatalogsMarketsWithTheirSelectionsAndNeverClosesOne() {
        List<MarketSimulation.MarketInfo> markets = catalog(60);
        List<FeedUpdate> feed = run(new MarketSimulation(markets, 7), 0, 50_000);

        Set<String> ids = new HashSet<>();
        markets.forEach(m -> ids.add(m.marketId()));
        assertThat(feed).allSatisfy(u -> assertThat(ids).contains(u.marketId()));
        assertThat(feed).noneMatch(u -> "CLOSED".equals(u.status()));
        // announced first, in catalog order
        assertThat(feed.subList(0, 60))
                .extracting(FeedUpdate::marketId)
                .containsExactlyElementsOf(
                        markets.stream().map(MarketSimulation.MarketInfo::marketId).toList());
        for (FeedUpdate update : feed) {
            MarketSimulation.MarketInfo info =
                    markets.get(Integer.parseInt(update.marketId().substring(2)) - 1001);
            assertThat(update.selections())
                    .allSatisfy(p -> assertThat(info.selectionIds()).contains(p.id()));
            assertThat(update.eventId()).isEqualTo(info.eventId());
        }
        // the first markets of the list are the hottest
        long first = feed.stream().filter(u -> u.marketId().equals("m-1001")).count();
        long last = feed.stream().filter(u -> u.marketId().equals("m-1060")).count();
        assertThat(first).isGreaterThan(10 * last);
    }

    @Test
    void aRemovedMarketGetsNoUpdateAndAnAddedOneIsAnnouncedInFull() {
        MarketSimulation simulation = new MarketSimulation(catalog(30), 11);
        run(simulation, 0, 1_000);
        assertThat(simulation.remove("m-1001")).isTrue();
        assertThat(simulation.remove("m-1001")).isFalse();
        MarketSimulation.MarketInfo added =
                new MarketSimulation.MarketInfo(
                        "m-5000",
                        "e-99",
                        "tennis",
                        "ATP Paris",
                        "NEXT_SCORE",
                        "Next Score",
                        List.of("home", "away"));
        assertThat(simulation.add(added)).isTrue();

        List<FeedUpdate> after = run(simulation, 1_000, 5_000);
        assertThat(after).noneMatch(u -> u.marketId().equals("m-1001"));
        FeedUpdate announced =
                after.stream().filter(u -> u.marketId().equals("m-5000")).findFirst().orElseThrow();
        assertThat(announced.seq()).isEqualTo(1);
        assertThat(announced.status()).isEqualTo("OPEN");
        assertThat(announced.selections())
                .extracting(FeedUpdate.Price::id)
                .containsExactly("home", "away");
        assertThat(simulation.markets())
                .extracting(MarketSimulation.MarketInfo::marketId)
                .contains("m-5000")
                .doesNotContain("m-1001");
        // a market it feeds already is not added twice
        assertThat(simulation.add(added)).isFalse();
        assertThat(simulation.size()).isEqualTo(30);
    }

    @Test
    void withoutAFreeSlotAnAddedMarketTakesANewColdestSlotAndIsFedOnce() {
        MarketSimulation simulation = new MarketSimulation(catalog(30), 13);
        run(simulation, 0, 500);
        MarketSimulation.MarketInfo added =
                new MarketSimulation.MarketInfo(
                        "m-9001",
                        "e-501",
                        "tennis",
                        "ATP Paris",
                        "WINNER",
                        "Winner",
                        List.of("home", "away"));
        assertThat(simulation.add(added)).isTrue();
        assertThat(simulation.size()).isEqualTo(31);

        List<FeedUpdate> after = run(simulation, 500, 20_000);
        assertThat(after.get(0).marketId()).isEqualTo("m-9001");
        List<FeedUpdate> fed = after.stream().filter(u -> u.marketId().equals("m-9001")).toList();
        assertThat(fed).extracting(FeedUpdate::seq).containsExactlyElementsOf(seqs(fed.size()));
        // the coldest slot: priced, but far less often than the hottest market
        long hottest = after.stream().filter(u -> u.marketId().equals("m-1001")).count();
        assertThat((long) fed.size()).isGreaterThan(1).isLessThan(hottest / 5);
        assertThat(simulation.markets().get(30).marketId()).isEqualTo("m-9001");
    }

    @Test
    void aMarketAddedBeforeTheStartUpAnnouncementEndsIsAnnouncedOnce() {
        MarketSimulation simulation = new MarketSimulation(catalog(30), 17);
        run(simulation, 0, 5);
        // slot 20 is freed before it was announced, and a new market takes it
        assertThat(simulation.remove("m-1021")).isTrue();
        MarketSimulation.MarketInfo added =
                new MarketSimulation.MarketInfo(
                        "m-9002",
                        "e-7",
                        "football",
                        "Premier League",
                        "NEXT_SCORE",
                        "Next Score",
                        List.of("home", "away"));
        assertThat(simulation.add(added)).isTrue();
        List<FeedUpdate> after = run(simulation, 5, 200);
        assertThat(after).noneMatch(u -> u.marketId().equals("m-1021"));
        // one announcement (seq 1, OPEN, every price), then moves: seq 1, 2, 3, ...
        List<FeedUpdate> fed = after.stream().filter(u -> u.marketId().equals("m-9002")).toList();
        assertThat(fed).isNotEmpty();
        assertThat(fed.get(0).status()).isEqualTo("OPEN");
        assertThat(fed).extracting(FeedUpdate::seq).containsExactlyElementsOf(seqs(fed.size()));
    }

    @Test
    void theSameSeedGivesTheSameFeed() {
        assertThat(run(new MarketSimulation(catalog(40), 3), 0, 5_000))
                .isEqualTo(run(new MarketSimulation(catalog(40), 3), 0, 5_000));
    }

    @Test
    void rejectsAnEmptyCatalog() {
        assertThatThrownBy(() -> new MarketSimulation(List.of(), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no market");
    }
}

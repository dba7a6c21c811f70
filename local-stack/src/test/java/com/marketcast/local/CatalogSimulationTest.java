package com.marketcast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
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
        // every slot is taken again: a further market is not fed
        assertThat(simulation.add(added)).isFalse();
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

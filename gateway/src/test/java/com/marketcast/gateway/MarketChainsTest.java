package com.marketcast.gateway;

import static com.marketcast.gateway.MarketChains.Verdict.AWAITING_RESYNC;
import static com.marketcast.gateway.MarketChains.Verdict.DUPLICATE;
import static com.marketcast.gateway.MarketChains.Verdict.FORWARD;
import static com.marketcast.gateway.MarketChains.Verdict.GAP;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The subscriber rules of PROTOCOL section 3, as the gateway applies them per channel. */
class MarketChainsTest {
    private final MarketChains chains = new MarketChains(2_000);

    @Test
    void forwardsASnapshotThenTheDeltasThatChainOnIt() {
        assertThat(chains.accept("snapshot", "m", 5, 10, -1, 0)).isEqualTo(FORWARD);
        assertThat(chains.accept("delta", "m", 5, 11, 10, 0)).isEqualTo(FORWARD);
        assertThat(chains.accept("delta", "m", 5, 12, 11, 0)).isEqualTo(FORWARD);
    }

    @Test
    void dropsRepeatsAndOlderMessages() {
        chains.accept("snapshot", "m", 5, 10, -1, 0);
        chains.accept("delta", "m", 5, 11, 10, 0);
        assertThat(chains.accept("delta", "m", 5, 11, 10, 0)).isEqualTo(DUPLICATE);
        assertThat(chains.accept("delta", "m", 5, 9, 8, 0)).isEqualTo(DUPLICATE);
        assertThat(chains.accept("snapshot", "m", 5, 10, -1, 0)).isEqualTo(DUPLICATE);
        assertThat(chains.accept("snapshot", "m", 4, 50, -1, 0)).isEqualTo(DUPLICATE);
        assertThat(chains.accept("delta", "m", 4, 51, 50, 0)).isEqualTo(DUPLICATE);
        // a snapshot of the same version is applied (a resync or a view change)
        assertThat(chains.accept("snapshot", "m", 5, 11, -1, 0)).isEqualTo(FORWARD);
    }

    @Test
    void aGapAsksForOneResyncUntilTheSnapshotOrTheRetryTime() {
        chains.accept("snapshot", "m", 5, 10, -1, 0);
        assertThat(chains.accept("delta", "m", 5, 13, 12, 100)).isEqualTo(GAP);
        assertThat(chains.accept("delta", "m", 5, 14, 13, 200)).isEqualTo(AWAITING_RESYNC);
        assertThat(chains.accept("delta", "m", 5, 15, 14, 2_200)).isEqualTo(GAP);
        assertThat(chains.accept("snapshot", "m", 5, 15, -1, 2_300)).isEqualTo(FORWARD);
        assertThat(chains.accept("delta", "m", 5, 16, 15, 2_400)).isEqualTo(FORWARD);
        assertThat(chains.accept("delta", "m", 5, 18, 17, 2_500)).isEqualTo(GAP);
    }

    @Test
    void aNewEpochStartsWithASnapshotAndADeltaOfItBeforeThatIsAGap() {
        chains.accept("snapshot", "m", 5, 10, -1, 0);
        assertThat(chains.accept("delta", "m", 6, 11, 10, 0)).isEqualTo(GAP);
        assertThat(chains.accept("snapshot", "m", 6, 3, -1, 0)).isEqualTo(FORWARD);
        assertThat(chains.accept("delta", "m", 6, 4, 3, 0)).isEqualTo(FORWARD);
    }

    @Test
    void aDeltaOfAnUnknownMarketIsAGapAndCurrentKeepsTheChain() {
        assertThat(chains.accept("delta", "m", 5, 11, 10, 0)).isEqualTo(GAP);
        assertThat(chains.accept("current", "n", 5, 7, -1, 0)).isEqualTo(FORWARD);
        assertThat(chains.accept("delta", "n", 5, 8, 7, 0)).isEqualTo(FORWARD);
    }

    @Test
    void removedForgetsTheMarket() {
        chains.accept("snapshot", "m", 5, 10, -1, 0);
        assertThat(chains.accept("removed", "m", 5, 11, -1, 0)).isEqualTo(FORWARD);
        assertThat(chains.markets()).isZero();
        // a market released and started afresh begins again at version 1
        assertThat(chains.accept("snapshot", "m", 5, 1, -1, 0)).isEqualTo(FORWARD);
        assertThat(chains.accept("removed", "m", 5, 0, -1, 0)).isEqualTo(DUPLICATE);
    }

    @Test
    void afterARedisReconnectionStaleDeltasWaitForTheResyncSnapshot() {
        chains.accept("snapshot", "m", 5, 10, -1, 0);
        chains.awaitResyncOfAll(1_000);
        assertThat(chains.accept("delta", "m", 5, 14, 13, 1_100)).isEqualTo(AWAITING_RESYNC);
        assertThat(chains.accept("snapshot", "m", 5, 14, -1, 1_200)).isEqualTo(FORWARD);
    }
}

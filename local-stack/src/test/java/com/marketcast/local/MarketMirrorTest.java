package com.marketcast.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a mirrored market counts as known to the job: catalog name and prices as asked. */
class MarketMirrorTest {
    private static final String CATALOG_ONLY =
            "{\"marketId\":\"m-1\",\"name\":\"Match Odds\",\"status\":\"OPEN\",\"selections\":"
                    + "[{\"id\":\"home\",\"name\":\"Arsenal\",\"price\":null,\"display\":null}]}";
    private static final String FEED_ONLY =
            "{\"marketId\":\"m-1\",\"name\":null,\"status\":\"OPEN\",\"selections\":"
                    + "[{\"id\":\"home\",\"name\":null,\"price\":1.85,\"display\":\"1.85\"}]}";
    private static final String BOTH =
            "{\"marketId\":\"m-1\",\"name\":\"Match Odds\",\"status\":\"OPEN\",\"selections\":"
                    + "[{\"id\":\"home\",\"name\":\"Arsenal\",\"price\":1.85,\"display\":\"1.85\"},"
                    + "{\"id\":\"away\",\"name\":\"Chelsea\",\"price\":4.2,\"display\":\"4.20\"}]}";

    @Test
    void namesNeedTheCatalogAndPricesNeedEverySelectionPriced() {
        assertThat(MarketMirror.ready(null, true, false)).isFalse();
        assertThat(MarketMirror.ready(CATALOG_ONLY, true, false)).isTrue();
        assertThat(MarketMirror.ready(CATALOG_ONLY, true, true)).isFalse();
        assertThat(MarketMirror.ready(FEED_ONLY, true, false)).isFalse();
        assertThat(MarketMirror.ready(FEED_ONLY, false, true)).isTrue();
        assertThat(MarketMirror.ready(BOTH, true, true)).isTrue();
        assertThat(MarketMirror.ready("{not json", false, false)).isFalse();
    }
}

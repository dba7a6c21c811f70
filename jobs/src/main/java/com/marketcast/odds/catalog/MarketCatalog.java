package com.marketcast.odds.catalog;

/**
 * A market's catalog data joined with its event, keyed by market id: the market reducer's catalog
 * input. {@code market} null means the market left the catalog (deleted).
 */
public class MarketCatalog {
    public String marketId;
    public MarketRow market;
    public EventRow event;
    public long ts;

    public MarketCatalog() {}

    public static MarketCatalog of(MarketRow market, EventRow event, long ts) {
        MarketCatalog catalog = new MarketCatalog();
        catalog.marketId = market.marketId;
        catalog.market = market;
        catalog.event = event;
        catalog.ts = ts;
        return catalog;
    }

    public static MarketCatalog deleted(String marketId, long ts) {
        MarketCatalog catalog = new MarketCatalog();
        catalog.marketId = marketId;
        catalog.ts = ts;
        return catalog;
    }

    @Override
    public String toString() {
        return "MarketCatalog{" + marketId + " " + market + " " + event + "}";
    }
}

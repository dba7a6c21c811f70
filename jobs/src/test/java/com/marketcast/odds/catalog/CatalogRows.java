package com.marketcast.odds.catalog;

import com.marketcast.odds.model.MarketStatus;

/** Catalog rows and changes for tests. */
public final class CatalogRows {
    private CatalogRows() {}

    public static EventRow event(String id, String name) {
        EventRow event = new EventRow();
        event.eventId = id;
        event.name = name;
        event.sport = "football";
        event.competition = "Premier League";
        event.startTime = 1_800_000_000_000L;
        return event;
    }

    public static MarketRow market(
            String id, String eventId, MarketStatus status, String... names) {
        MarketRow market = new MarketRow();
        market.marketId = id;
        market.eventId = eventId;
        market.name = "Match result";
        market.type = "MATCH_RESULT";
        market.status = status;
        String[] ids = {"home", "draw", "away"};
        market.selections = new SelectionName[names.length];
        for (int i = 0; i < names.length; i++) {
            market.selections[i] = new SelectionName(ids[i], names[i]);
        }
        return market;
    }

    public static CatalogChange upsert(EventRow event, long ts) {
        CatalogChange change = new CatalogChange();
        change.table = "events";
        change.event = event;
        change.ts = ts;
        return change;
    }

    public static CatalogChange upsert(MarketRow market, long ts) {
        CatalogChange change = new CatalogChange();
        change.table = "markets";
        change.market = market;
        change.ts = ts;
        return change;
    }

    public static CatalogChange deleteMarket(String marketId, String eventId, long ts) {
        CatalogChange change = new CatalogChange();
        change.table = "markets";
        change.deleted = true;
        change.deletedId = marketId;
        change.previousEventId = eventId;
        change.ts = ts;
        return change;
    }
}

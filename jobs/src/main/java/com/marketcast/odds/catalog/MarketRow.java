package com.marketcast.odds.catalog;

import com.marketcast.odds.model.MarketStatus;

/** A row of the catalog's {@code markets} table (PROTOCOL section 5). */
public class MarketRow {
    public String marketId;
    public String eventId;
    public String name;

    /** Null when the market has none. */
    public String type;

    public MarketStatus status = MarketStatus.OPEN;
    public SelectionName[] selections = new SelectionName[0];

    public MarketRow() {}

    @Override
    public String toString() {
        return "MarketRow{" + marketId + " of " + eventId + " " + name + " " + status + "}";
    }
}

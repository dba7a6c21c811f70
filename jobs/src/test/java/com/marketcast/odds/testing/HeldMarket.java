package com.marketcast.odds.testing;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** What a subscriber (or the independent expectation) holds of one market: status and prices. */
public final class HeldMarket {
    public long epoch;
    public long version;
    public String status;
    public final Map<String, Double> prices = new TreeMap<>();

    /** Catalog data as last received (null without a catalog). */
    public String name;

    public String eventName;
    public long startTime;

    public HeldMarket() {}

    public HeldMarket(String status, Map<String, Double> prices) {
        this.status = status;
        this.prices.putAll(prices);
    }

    HeldMarket copy() {
        HeldMarket copy = new HeldMarket(status, prices);
        copy.epoch = epoch;
        copy.version = version;
        copy.name = name;
        copy.eventName = eventName;
        copy.startTime = startTime;
        return copy;
    }

    /** Equal in content (status and prices), whatever the epoch and version. */
    public boolean sameContent(HeldMarket other) {
        return other != null && Objects.equals(status, other.status) && prices.equals(other.prices);
    }

    @Override
    public String toString() {
        return (name == null ? "" : name + " of " + eventName + " ")
                + status
                + prices
                + "@"
                + epoch
                + "/"
                + version;
    }
}

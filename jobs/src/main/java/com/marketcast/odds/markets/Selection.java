package com.marketcast.odds.markets;

/**
 * A selection of a market's state, with the market version that last changed its price or name. The
 * price is NaN until the feed sends one (the catalog may name a selection first).
 */
public class Selection {
    public String id;
    public double price;
    public long version;

    /** The catalog's name; null until known. */
    public String name;

    public Selection() {}

    public Selection(String id, double price, long version) {
        this.id = id;
        this.price = price;
        this.version = version;
    }
}

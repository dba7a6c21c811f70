package com.marketcast.odds.markets;

/** A selection of a market's state, with the market version that last changed its price. */
public class Selection {
    public String id;
    public double price;
    public long version;

    public Selection() {}

    public Selection(String id, double price, long version) {
        this.id = id;
        this.price = price;
        this.version = version;
    }
}

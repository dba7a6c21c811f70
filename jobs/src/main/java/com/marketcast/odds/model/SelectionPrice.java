package com.marketcast.odds.model;

/** One selection's new price in a feed update: decimal odds, finite and greater than 1.0. */
public class SelectionPrice {
    public String id;
    public double price;

    public SelectionPrice() {}

    public SelectionPrice(String id, double price) {
        this.id = id;
        this.price = price;
    }

    @Override
    public String toString() {
        return id + "@" + price;
    }
}

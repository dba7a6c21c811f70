package com.marketcast.odds.catalog;

/** A selection as the catalog names it: {@code {"id":"home","name":"Arsenal"}}. */
public class SelectionName {
    public String id;
    public String name;

    public SelectionName() {}

    public SelectionName(String id, String name) {
        this.id = id;
        this.name = name;
    }
}

package com.marketcast.odds.catalog;

import java.util.Objects;

/** A row of the catalog's {@code events} table (PROTOCOL section 5). */
public class EventRow {
    public String eventId;
    public String name;
    public String sport;

    /** Null when the event has none. */
    public String competition;

    /** Epoch milliseconds. */
    public long startTime;

    public boolean inPlay;

    public EventRow() {}

    public boolean sameAs(EventRow other) {
        return other != null
                && Objects.equals(eventId, other.eventId)
                && Objects.equals(name, other.name)
                && Objects.equals(sport, other.sport)
                && Objects.equals(competition, other.competition)
                && startTime == other.startTime
                && inPlay == other.inPlay;
    }

    @Override
    public String toString() {
        return "EventRow{"
                + eventId
                + " "
                + name
                + " "
                + sport
                + "/"
                + competition
                + " start="
                + startTime
                + (inPlay ? " in-play" : "")
                + "}";
    }
}

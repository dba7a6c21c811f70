package com.marketcast.odds.catalog;

/**
 * One change of the catalog as captured from PostgreSQL: an upsert or delete of an event or a
 * market row. {@code error} is set instead when the row could not be read (it becomes a dead
 * letter).
 */
public class CatalogChange {
    /** The row after the change; null for a delete. Exactly one of event / market is relevant. */
    public EventRow event;

    public MarketRow market;
    public boolean deleted;

    /** For a market update: the event it belonged to before, when it moved to another event. */
    public String previousEventId;

    /** Commit time of the change (the snapshot read time for snapshot rows). */
    public long ts;

    /** The table the row comes from: {@code events} or {@code markets}. */
    public String table;

    /** The key of the deleted row, for deletes. */
    public String deletedId;

    /** Set on the copy of a market update that tells its previous event the market left it. */
    public boolean movedAway;

    public String error;
    public String payload;

    public CatalogChange() {}

    public boolean isEvent() {
        return "events".equals(table);
    }

    /** The join's key: the event the change belongs to. */
    public String eventKey() {
        if (isEvent()) {
            return deleted ? deletedId : event.eventId;
        }
        return deleted || movedAway ? previousEventId : market.eventId;
    }

    /** The notice to a market's previous event that the market moved to another event. */
    public CatalogChange movedAwayNotice() {
        CatalogChange notice = new CatalogChange();
        notice.table = table;
        notice.movedAway = true;
        notice.deletedId = market.marketId;
        notice.previousEventId = previousEventId;
        notice.ts = ts;
        return notice;
    }

    @Override
    public String toString() {
        return "CatalogChange{"
                + table
                + (deleted ? " delete " + deletedId : " " + (event != null ? event : market))
                + (error == null ? "" : " error=" + error)
                + "}";
    }
}

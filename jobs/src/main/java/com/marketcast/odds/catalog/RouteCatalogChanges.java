package com.marketcast.odds.catalog;

import com.marketcast.odds.Descriptors;
import com.marketcast.odds.ingest.DeadLetter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Sends unreadable catalog rows to the dead letters, and for a market that moved to another event
 * adds a notice keyed by the event it left, so that event stops enriching it.
 */
public class RouteCatalogChanges extends ProcessFunction<CatalogChange, CatalogChange> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(CatalogChange change, Context ctx, Collector<CatalogChange> out) {
        if (change.error != null) {
            ctx.output(
                    Descriptors.DEAD_LETTERS,
                    new DeadLetter("catalog." + change.table, 0, -1, change.error, change.payload));
            return;
        }
        out.collect(change);
        if (!change.deleted && change.market != null && change.previousEventId != null) {
            out.collect(change.movedAwayNotice());
        }
    }
}

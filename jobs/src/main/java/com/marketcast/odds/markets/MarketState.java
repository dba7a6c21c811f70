package com.marketcast.odds.markets;

import com.marketcast.odds.catalog.EventRow;
import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.catalog.SelectionName;
import com.marketcast.odds.model.MarketStatus;
import com.marketcast.odds.model.MarketUpdate;
import com.marketcast.odds.model.SelectionPrice;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A market's current state in the job: the feed's prices and status joined with its catalog data.
 *
 * <p>{@code version} grows by one for every applied change. Each selection, the status, the
 * market's own catalog fields and its event remember the version that last changed them, so the
 * changes since any earlier version (a throttled channel's merged delta) are derived from the state
 * itself instead of being buffered per channel.
 *
 * <p><b>Status from two sources.</b> The feed and the catalog (a trader) each hold a status; the
 * market's status is the stricter of the two: CLOSED if either says CLOSED, else SUSPENDED if
 * either says SUSPENDED, else OPEN. So a suspension from either side holds until that same side
 * reopens.
 *
 * <p>{@code epoch} names the run of the job the versions belong to: after a restore, replay may
 * interleave inputs differently, so the first touch of a market in a new run moves it to a new,
 * larger epoch and re-snapshots its subscribers. {@code epochRun} records the run that did so.
 */
@TypeInfo(MarketStateSerializer.Factory.class)
public class MarketState {
    public String marketId;
    public String eventId;
    public MarketStatus status = MarketStatus.OPEN;

    /** The feed's last status; null until the feed sent one. */
    public MarketStatus feedStatus;

    /** The catalog's status; null while the market is not in the catalog. */
    public MarketStatus catalogStatus;

    public long statusVersion;
    public long version;

    /** The last applied feed sequence number. */
    public long seq = -1;

    /** Record time of the last applied change. */
    public long updatedAt;

    public long epoch;
    public long epochRun;
    public Selection[] selections = new Selection[0];

    // catalog data; null until the catalog provides it
    public String name;
    public String type;
    public long infoVersion;
    public EventRow event;
    public long eventVersion;

    public MarketState() {}

    public MarketState(String marketId) {
        this.marketId = marketId;
    }

    public Selection selection(String id) {
        for (Selection selection : selections) {
            if (selection.id.equals(id)) {
                return selection;
            }
        }
        return null;
    }

    /** Applies a feed update; returns whether anything changed (then the version moved by one). */
    boolean applyFeed(MarketUpdate update) {
        long next = version + 1;
        boolean changed = false;
        seq = update.seq;
        if (update.eventId != null && event == null && !update.eventId.equals(eventId)) {
            // the catalog's event, once known, is authoritative; an equal id keeps the held string,
            // so a state changed in place does not point at every update's own
            eventId = update.eventId;
        }
        if (update.status != null) {
            feedStatus = update.status;
        }
        for (SelectionPrice price : update.selections) {
            Selection selection = selection(price.id);
            if (selection == null) {
                addSelection(new Selection(price.id, price.price, next));
                changed = true;
            } else if (selection.price != price.price) {
                selection.price = price.price;
                selection.version = next;
                changed = true;
            }
        }
        return commit(changed | updateStatus(next), next, update.recordTime);
    }

    /** Applies the market's catalog row and event; returns whether anything changed. */
    boolean applyCatalog(MarketCatalog catalog) {
        long next = version + 1;
        boolean changed = false;
        if (catalog.market == null) {
            catalogStatus = MarketStatus.CLOSED; // deleted from the catalog: it is gone
        } else {
            catalogStatus = catalog.market.status;
            if (!Objects.equals(name, catalog.market.name)
                    || !Objects.equals(type, catalog.market.type)) {
                name = catalog.market.name;
                type = catalog.market.type;
                infoVersion = next;
                changed = true;
            }
            if (catalog.event != null && !catalog.event.sameAs(event)) {
                event = catalog.event;
                eventId = catalog.event.eventId;
                eventVersion = next;
                changed = true;
            }
            for (SelectionName named : catalog.market.selections) {
                Selection selection = selection(named.id);
                if (selection == null) {
                    Selection added = new Selection(named.id, Double.NaN, next);
                    added.name = named.name;
                    addSelection(added);
                    changed = true;
                } else if (!Objects.equals(selection.name, named.name)) {
                    selection.name = named.name;
                    selection.version = next;
                    changed = true;
                }
            }
        }
        return commit(changed | updateStatus(next), next, catalog.ts);
    }

    /**
     * A market the job has never seen data of starts at version 1 whatever the first input says.
     */
    private boolean commit(boolean changed, long next, long ts) {
        if (changed || version == 0) {
            version = next;
            updatedAt = ts;
            return true;
        }
        return false;
    }

    private boolean updateStatus(long next) {
        MarketStatus effective = strictest(feedStatus, catalogStatus);
        if (effective == status) {
            return false;
        }
        status = effective;
        statusVersion = next;
        return true;
    }

    static MarketStatus strictest(MarketStatus feed, MarketStatus catalog) {
        if (feed == MarketStatus.CLOSED || catalog == MarketStatus.CLOSED) {
            return MarketStatus.CLOSED;
        }
        if (feed == MarketStatus.SUSPENDED || catalog == MarketStatus.SUSPENDED) {
            return MarketStatus.SUSPENDED;
        }
        return MarketStatus.OPEN;
    }

    private void addSelection(Selection selection) {
        Selection[] grown = Arrays.copyOf(selections, selections.length + 1);
        grown[selections.length] = selection;
        selections = grown;
    }
}

package com.marketcast.odds.markets;

import com.marketcast.odds.model.MarketStatus;

/**
 * A market's current state in the job.
 *
 * <p>{@code version} grows by one for every applied change. Each selection and the status remember
 * the version that last changed them, so the changes since any earlier version (a throttled
 * channel's merged delta) are derived from the state itself instead of being buffered per channel.
 *
 * <p>{@code epoch} names the run of the job the versions belong to: after a restore, replay may
 * interleave inputs differently, so the first touch of a market in a new run moves it to a new,
 * larger epoch and re-snapshots its subscribers. {@code epochRun} records the run that did so.
 */
public class MarketState {
    public String marketId;
    public String eventId;
    public MarketStatus status = MarketStatus.OPEN;
    public long statusVersion;
    public long version;

    /** The last applied feed sequence number. */
    public long seq = -1;

    /** Record time of the last applied change. */
    public long updatedAt;

    public long epoch;
    public long epochRun;
    public Selection[] selections = new Selection[0];

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

    void addSelection(Selection selection) {
        Selection[] grown = java.util.Arrays.copyOf(selections, selections.length + 1);
        grown[selections.length] = selection;
        selections = grown;
    }
}

package com.marketcast.odds.model;

import java.util.Arrays;

/**
 * A validated record of the {@code market-updates} topic (PROTOCOL section 1).
 *
 * <p>{@code recordTime} is the Kafka record timestamp: the {@code ts} every message caused by this
 * update carries, so end-to-end latency is measured from the moment the update entered Kafka.
 */
public class MarketUpdate {
    public String marketId;

    /** Optional; null when the feed did not send it. */
    public String eventId;

    public long seq;

    /** The feed's own {@code ts} field. */
    public long ts;

    /** Null when the update does not change the status. */
    public MarketStatus status;

    /** A partial update: listed selections replace their price. Never null, may be empty. */
    public SelectionPrice[] selections = new SelectionPrice[0];

    public long recordTime;

    public MarketUpdate() {}

    @Override
    public String toString() {
        return "MarketUpdate{"
                + marketId
                + " seq="
                + seq
                + " status="
                + status
                + " selections="
                + Arrays.toString(selections)
                + "}";
    }
}

package com.marketcast.odds.channels;

import com.marketcast.odds.model.OddsFormat;

/**
 * One channel command expanded to one market, keyed by market id: the registry's output and the
 * market reducer's command input.
 */
public class MarketWork {
    public WorkType type;
    public String marketId;
    public String channelId;

    /** The channel's view (SUBSCRIBE only). */
    public OddsFormat oddsFormat;

    public long throttleMs;

    /** SUBSCRIBE: the channel already streams, so the market starts with a snapshot at once. */
    public boolean streaming;

    /** BEGIN: markets unchanged since then get a {@code current} marker; null for a snapshot. */
    public Long since;

    /** The command's Kafka record time: the {@code ts} of the messages it causes. */
    public long ts;

    public MarketWork() {}

    public static MarketWork of(WorkType type, String marketId, String channelId, long ts) {
        MarketWork work = new MarketWork();
        work.type = type;
        work.marketId = marketId;
        work.channelId = channelId;
        work.ts = ts;
        return work;
    }

    @Override
    public String toString() {
        return type
                + "{"
                + channelId
                + " -> "
                + marketId
                + (streaming ? " streaming" : "")
                + (since == null ? "" : " since=" + since)
                + "}";
    }
}

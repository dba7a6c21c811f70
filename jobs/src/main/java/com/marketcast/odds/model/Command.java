package com.marketcast.odds.model;

import java.util.Arrays;

/**
 * A validated record of the {@code stream-commands} topic (PROTOCOL section 2). Fields a type does
 * not use are null.
 */
public class Command {
    public CommandType type;
    public String channelId;

    /** OPEN only; null means the default (DECIMAL). */
    public OddsFormat oddsFormat;

    /** OPEN only; 0 means every change is sent at once. */
    public long throttleMs;

    /**
     * SUBSCRIBE / UNSUBSCRIBE by list: the markets; BEGIN_STREAM: an optional subset (null = all).
     * Null for the query form.
     */
    public String[] markets;

    /** SUBSCRIBE / UNSUBSCRIBE by query: the query's id within the channel. */
    public String queryId;

    /** SUBSCRIBE by query only. */
    public MarketQuery query;

    /** BEGIN_STREAM only: markets unchanged since this time get a {@code current} marker. */
    public Long since;

    /** The Kafka record timestamp. */
    public long recordTime;

    public Command() {}

    @Override
    public String toString() {
        return type
                + "{"
                + channelId
                + (markets == null ? "" : " markets=" + Arrays.toString(markets))
                + (queryId == null ? "" : " queryId=" + queryId)
                + (query == null ? "" : " query=" + query)
                + (oddsFormat == null ? "" : " " + oddsFormat)
                + (throttleMs == 0 ? "" : " throttleMs=" + throttleMs)
                + (since == null ? "" : " since=" + since)
                + "}";
    }
}

package com.marketcast.odds.channels;

import com.marketcast.odds.model.MarketQuery;
import com.marketcast.odds.model.OddsFormat;

/**
 * A change of one channel's query subscription, broadcast from the registry to every market reducer
 * subtask: which markets a query holds is only known where the markets are.
 *
 * <p>The reducer keeps the latest ADD (with BEGIN folded in) of every live query in its broadcast
 * state, so an entry carries everything needed to let a market join later: the query, the channel's
 * view and whether the channel streams.
 */
public class QueryCommand {
    /** What the reducer does with the query. */
    public enum Type {
        /** Add or replace the query (a new query, a changed query or a new view). */
        ADD,
        /** Drop the query; markets it alone held leave the channel. */
        REMOVE,
        /** The channel began streaming: markets the query holds start with a snapshot. */
        BEGIN
    }

    public Type type;
    public String channelId;
    public String queryId;

    /** ADD only. */
    public MarketQuery query;

    /** ADD only: the channel's view. */
    public OddsFormat oddsFormat;

    public long throttleMs;

    /** ADD: the channel already streams, so a joining market starts with a snapshot at once. */
    public boolean streaming;

    /**
     * REMOVE only: the {@link com.marketcast.odds.publish.RemovalReason} name a streaming
     * subscriber is told, or null to remove silently (DISCONNECT).
     */
    public String reason;

    /** The command's Kafka record time (or the expiry time): the {@code ts} of its messages. */
    public long ts;

    public QueryCommand() {}

    public static QueryCommand of(Type type, String channelId, String queryId, long ts) {
        QueryCommand command = new QueryCommand();
        command.type = type;
        command.channelId = channelId;
        command.queryId = queryId;
        command.ts = ts;
        return command;
    }

    /** The broadcast state key: unique per channel and query. */
    public String key() {
        return key(channelId, queryId);
    }

    public static String key(String channelId, String queryId) {
        return channelId + "/" + queryId;
    }

    public QueryCommand copy() {
        QueryCommand copy = of(type, channelId, queryId, ts);
        copy.query = query;
        copy.oddsFormat = oddsFormat;
        copy.throttleMs = throttleMs;
        copy.streaming = streaming;
        copy.reason = reason;
        return copy;
    }

    @Override
    public String toString() {
        return type
                + "{"
                + key()
                + (query == null ? "" : " " + query)
                + (streaming ? " streaming" : "")
                + (reason == null ? "" : " " + reason)
                + "}";
    }
}

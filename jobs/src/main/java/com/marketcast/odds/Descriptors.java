package com.marketcast.odds;

import com.marketcast.odds.channels.QueryCommand;
import com.marketcast.odds.ingest.DeadLetter;
import org.apache.flink.util.OutputTag;

/** Output tags and operator ids shared by the pipeline, its functions and their tests. */
public final class Descriptors {
    private Descriptors() {}

    /** Records that failed validation, with a reason; they go to the {@code dead-letters} topic. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    /**
     * The channel registry's query subscription changes, broadcast to every market reducer subtask.
     */
    public static final OutputTag<QueryCommand> QUERY_COMMANDS =
            new OutputTag<>("query-commands") {};

    // Operator uids: stable across refactorings so savepoints keep restoring. Never rename one.
    public static final String UPDATES_SOURCE = "market-updates-source";
    public static final String COMMANDS_SOURCE = "stream-commands-source";
    public static final String PARSE_UPDATES = "parse-market-updates";
    public static final String PARSE_COMMANDS = "parse-stream-commands";
    public static final String CATALOG_SOURCE = "catalog-cdc-source";
    public static final String ROUTE_CATALOG = "route-catalog-changes";
    public static final String CATALOG_JOIN = "catalog-join";
    public static final String CHANNEL_REGISTRY = "channel-registry";
    public static final String MARKET_REDUCER = "market-reducer";
    public static final String REDIS_SINK = "redis-sink";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
}

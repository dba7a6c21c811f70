package com.marketcast.odds.publish;

/** Why a market left a channel (the {@code reason} of a {@code removed} message). */
public enum RemovalReason {
    CLOSED,
    UNSUBSCRIBED,
    QUERY_MISMATCH,
    EXPIRED
}

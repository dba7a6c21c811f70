package com.marketcast.odds.model;

/** The commands of the {@code stream-commands} topic (PROTOCOL section 2). */
public enum CommandType {
    OPEN,
    SUBSCRIBE,
    BEGIN_STREAM,
    UNSUBSCRIBE,
    HEARTBEAT,
    DISCONNECT
}

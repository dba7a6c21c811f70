package com.marketcast.odds.channels;

/** What the channel registry asks of one market for one channel. */
public enum WorkType {
    /** Add the channel (or update its view); start streaming at once if the channel streams. */
    SUBSCRIBE,
    /** Send the initial state (snapshot, or {@code current} with {@code since}), then deltas. */
    BEGIN,
    /** Remove the channel; a streaming subscriber gets {@code removed / UNSUBSCRIBED}. */
    UNSUBSCRIBE,
    /** Remove the channel silently: it disconnected, nobody listens. */
    DISCONNECT,
    /** Remove the channel; a streaming subscriber gets {@code removed / EXPIRED}. */
    EXPIRE
}

package com.marketcast.gateway;

/**
 * At most {@code perSecond} events in any one-second window, counted in fixed windows: enough to
 * stop a client that floods its WebSocket, without a timer per connection.
 */
final class RateLimit {
    private final int perSecond;
    private long windowStart;
    private int count;

    RateLimit(int perSecond) {
        this.perSecond = perSecond;
    }

    /** Counts an event at {@code nowMs}; false when it is over the limit. */
    synchronized boolean tryAcquire(long nowMs) {
        if (nowMs - windowStart >= 1000) {
            windowStart = nowMs;
            count = 0;
        }
        return ++count <= perSecond;
    }
}

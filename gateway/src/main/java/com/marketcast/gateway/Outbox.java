package com.marketcast.gateway;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The bounded queue of messages waiting to go out on one WebSocket.
 *
 * <p>Order matters only within a market (PROTOCOL section 3), so the queue may drop a market's
 * waiting messages as a whole: a snapshot or a removal makes everything queued before it for that
 * market obsolete, and a full queue drops the messages of the market it overflows on (and, if that
 * is not enough, of the oldest waiting markets) and reports them, so the relay resyncs those
 * markets instead of losing changes silently. A slow client thus gets fewer, fresher messages.
 */
final class Outbox {
    private record Entry(String marketId, String text) {}

    private final int capacity;
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private final Map<String, Integer> queuedPerMarket = new HashMap<>();

    Outbox(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Queues a message; {@code supersedes} (a snapshot or removal) first drops the market's queued
     * ones. Returns the markets whose queued messages were dropped to make room (they need a
     * resync), the message's own market included when it was dropped too.
     */
    List<String> offer(String marketId, String text, boolean supersedes) {
        if (supersedes && queuedPerMarket.containsKey(marketId)) {
            drop(marketId);
        }
        if (queue.size() < capacity) {
            add(marketId, text);
            return List.of();
        }
        List<String> dropped = new java.util.ArrayList<>();
        if (queuedPerMarket.containsKey(marketId)) {
            drop(marketId);
        }
        if (!supersedes) {
            // this market's chain is broken from here: its resync snapshot replaces the message
            dropped.add(marketId);
        }
        while (queue.size() >= capacity) {
            String oldest = queue.peekFirst().marketId();
            drop(oldest);
            dropped.add(oldest);
        }
        if (supersedes) {
            add(marketId, text);
        }
        return dropped;
    }

    /** The next message to send, or null. */
    String poll() {
        Entry e = queue.pollFirst();
        if (e == null) {
            return null;
        }
        queuedPerMarket.computeIfPresent(e.marketId(), (k, n) -> n == 1 ? null : n - 1);
        return e.text();
    }

    /** Queues a message of no market (the ACK, an error) ahead of the bound. */
    void offerControl(String text) {
        queue.addFirst(new Entry("", text));
    }

    int size() {
        return queue.size();
    }

    private void add(String marketId, String text) {
        queue.addLast(new Entry(marketId, text));
        queuedPerMarket.merge(marketId, 1, Integer::sum);
    }

    private void drop(String marketId) {
        for (Iterator<Entry> it = queue.iterator(); it.hasNext(); ) {
            if (it.next().marketId().equals(marketId)) {
                it.remove();
            }
        }
        queuedPerMarket.remove(marketId);
    }
}

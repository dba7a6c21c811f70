package com.marketcast.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards one channel's Redis messages to one WebSocket with the section 3 rules applied:
 * duplicates dropped, a gap answered by a resync of that market (the fresh snapshot is forwarded
 * when it comes), and a slow client served through a bounded {@link Outbox} whose dropped markets
 * are resynced too. One message is in flight on the socket at a time; the rest wait in the outbox.
 */
final class StreamRelay {
    private static final Logger LOG = LoggerFactory.getLogger(StreamRelay.class);

    /** The socket the relay writes to (a Jetty session in the gateway, a list in tests). */
    interface Socket {
        /** Sends a text frame; exactly one of the callbacks runs when it is written or failed. */
        void send(String text, Runnable onSent, Consumer<Throwable> onFailed);
    }

    private final String channelId;
    private final ObjectMapper json;
    private final MarketChains chains;
    private final Outbox outbox;
    private final Socket socket;
    private final Consumer<List<String>> resync;
    private final LongSupplier clock;
    private boolean sending;
    private boolean pumping;
    private boolean closed;
    private long forwarded;
    private long duplicates;
    private long gaps;
    private long conflated;

    StreamRelay(
            String channelId,
            ObjectMapper json,
            int outboxCapacity,
            Socket socket,
            Consumer<List<String>> resync,
            LongSupplier clock) {
        this.channelId = channelId;
        this.json = json;
        this.chains = new MarketChains(2_000);
        this.outbox = new Outbox(outboxCapacity);
        this.socket = socket;
        this.resync = resync;
        this.clock = clock;
    }

    /** Sends a control message (the ACK, an error) ahead of the queued stream. */
    synchronized void sendControl(String text) {
        if (!closed) {
            outbox.offerControl(text);
            pump();
        }
    }

    /** One message of {@code stream:{channelId}}. */
    void onStreamMessage(String text) {
        JsonNode m;
        try {
            m = json.readTree(text);
        } catch (IOException e) {
            LOG.warn("Not JSON on stream:{}, dropped", channelId);
            return;
        }
        String type = m.path("type").asText();
        String marketId = m.path("marketId").asText();
        List<String> toResync;
        synchronized (this) {
            if (closed) {
                return;
            }
            long now = clock.getAsLong();
            MarketChains.Verdict verdict =
                    chains.accept(
                            type,
                            marketId,
                            m.path("epoch").asLong(),
                            m.path("version").asLong(),
                            m.path("prev").asLong(-1),
                            now);
            switch (verdict) {
                case FORWARD -> {
                    forwarded++;
                    boolean supersedes = type.equals("snapshot") || type.equals("removed");
                    toResync = outbox.offer(marketId, text, supersedes);
                    for (String dropped : toResync) {
                        chains.forgetForResync(dropped, now);
                    }
                    conflated += toResync.size();
                    pump();
                }
                case GAP -> {
                    gaps++;
                    toResync = List.of(marketId);
                }
                case DUPLICATE -> {
                    duplicates++;
                    toResync = List.of();
                }
                default -> toResync = List.of();
            }
        }
        if (!toResync.isEmpty()) {
            resync.accept(toResync.stream().distinct().toList());
        }
    }

    /** After a Redis reconnection: the gateway re-begins the channel; stale deltas wait for it. */
    synchronized void awaitResyncOfAll() {
        chains.awaitResyncOfAll(clock.getAsLong());
    }

    synchronized void close() {
        closed = true;
    }

    synchronized String stats() {
        return String.format(
                "forwarded %d, duplicates %d, gaps %d, conflated %d, queued %d",
                forwarded, duplicates, gaps, conflated, outbox.size());
    }

    synchronized long forwarded() {
        return forwarded;
    }

    private void pump() {
        if (pumping) {
            return; // a send completed inline: the loop below goes on
        }
        pumping = true;
        try {
            while (!sending && !closed) {
                String next = outbox.poll();
                if (next == null) {
                    return;
                }
                sending = true;
                socket.send(next, this::onSent, this::onFailed);
            }
        } finally {
            pumping = false;
        }
    }

    private synchronized void onSent() {
        sending = false;
        pump();
    }

    private synchronized void onFailed(Throwable error) {
        LOG.debug("WebSocket write of channel {} failed", channelId, error);
        closed = true;
    }
}

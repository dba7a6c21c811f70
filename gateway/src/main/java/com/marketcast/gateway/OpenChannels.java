package com.marketcast.gateway;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

/**
 * The channels this gateway created and has not ended: whether each has begun streaming (a Redis
 * reconnection re-begins those), its WebSocket if one is open, and the grace timer that sends
 * DISCONNECT when a closed WebSocket is not reopened. A channel the gateway no longer knows gets
 * 404: a SUBSCRIBE would otherwise reopen a channel the job has released.
 */
final class OpenChannels {
    /** One channel; its fields are guarded by the channel itself. */
    static final class Channel {
        final String id;
        private boolean begun;
        private StreamSocket socket;
        private ScheduledFuture<?> grace;
        private long lastActivity;

        Channel(String id, long now) {
            this.id = id;
            this.lastActivity = now;
        }

        synchronized boolean begun() {
            return begun;
        }

        synchronized void markBegun() {
            begun = true;
        }

        synchronized StreamSocket socket() {
            return socket;
        }

        /** Attaches a socket, cancelling a grace timer; returns the socket it replaces. */
        synchronized StreamSocket attach(StreamSocket next) {
            if (grace != null) {
                grace.cancel(false);
                grace = null;
            }
            StreamSocket previous = socket;
            socket = next;
            return previous;
        }

        /** Detaches the socket if it is still the attached one; true when it was. */
        synchronized boolean detach(StreamSocket closing) {
            if (socket != closing) {
                return false;
            }
            socket = null;
            return true;
        }

        synchronized void graceTimer(ScheduledFuture<?> timer) {
            grace = timer;
        }

        synchronized void touch(long now) {
            lastActivity = now;
        }

        synchronized boolean idleSince(long cutoff) {
            return socket == null && grace == null && lastActivity < cutoff;
        }
    }

    private final Map<String, Channel> channels = new ConcurrentHashMap<>();

    Channel add(String id, long now) {
        Channel channel = new Channel(id, now);
        channels.put(id, channel);
        return channel;
    }

    Optional<Channel> get(String id) {
        return Optional.ofNullable(channels.get(id));
    }

    Channel remove(String id) {
        return channels.remove(id);
    }

    Collection<Channel> all() {
        return channels.values();
    }

    int size() {
        return channels.size();
    }
}

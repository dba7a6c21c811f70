package com.marketcast.odds.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A subscriber on a real Redis connection that applies the PROTOCOL section 3 rules to every {@code
 * stream:*} channel: it holds (epoch, version) and the market content per channel and market,
 * ignores duplicates, and on a gap asks for a resync (BEGIN_STREAM for that market) through the
 * given callback. Tests compare what it ends up holding with the expected state.
 *
 * <p>When Redis goes away it reconnects, and since pub-sub loses what was published meanwhile, it
 * reports the reconnection so the test can resync every channel (as the gateway does).
 */
public final class ProtocolSubscriber implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One received message, for chain assertions. */
    public static final class Received {
        public final String channel;
        public final String marketId;
        public final String type;
        public final long epoch;
        public final long version;
        public final long prev;
        public final String reason;

        /** The input record's time ({@code ts}), 0 for messages without one. */
        public final long ts;

        /** When this subscriber received the message (epoch ms). */
        public final long receivedAt;

        /** The message as received. */
        public final JsonNode message;

        Received(String channel, JsonNode message) {
            this.receivedAt = System.currentTimeMillis();
            this.message = message;
            this.ts = message.path("ts").asLong(0);
            this.channel = channel;
            this.marketId = message.get("marketId").asText();
            this.type = message.get("type").asText();
            this.epoch = message.get("epoch").asLong();
            this.version = message.get("version").asLong();
            this.prev = message.path("prev").asLong(-1);
            this.reason = message.path("reason").asText(null);
        }

        @Override
        public String toString() {
            return type
                    + " "
                    + marketId
                    + " "
                    + epoch
                    + "/"
                    + (prev >= 0 ? prev + "->" : "")
                    + version
                    + (reason == null ? "" : " " + reason);
        }
    }

    private final BiConsumer<String, String> resync;
    private final String host;
    private final int port;
    private volatile Runnable onReconnect = () -> {};
    private volatile boolean closed;
    private volatile PubSub pubSub;
    private int connections;
    private final Map<String, Map<String, HeldMarket>> held = new HashMap<>();
    private final Map<String, List<Received>> log = new HashMap<>();
    private final Set<String> resyncPending = new HashSet<>();
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final Thread thread;
    private int gaps;
    private int duplicates;

    /** {@code resync} receives (channelId, marketId) when a gap was seen. */
    public ProtocolSubscriber(String host, int port, BiConsumer<String, String> resync) {
        this.resync = resync;
        this.host = host;
        this.port = port;
        this.thread = new Thread(this::listen, "protocol-subscriber");
        thread.setDaemon(true);
        thread.start();
        try {
            if (!subscribed.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("pattern subscription not confirmed by Redis");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A copy of what the subscriber holds on a channel, by market. */
    public synchronized Map<String, HeldMarket> held(String channelId) {
        Map<String, HeldMarket> copy = new HashMap<>();
        held.getOrDefault(channelId, Map.of())
                .forEach((market, state) -> copy.put(market, state.copy()));
        return copy;
    }

    /** Every message received on a channel, in order. */
    public synchronized List<Received> received(String channelId) {
        return new ArrayList<>(log.getOrDefault(channelId, List.of()));
    }

    public synchronized int gaps() {
        return gaps;
    }

    public synchronized int duplicates() {
        return duplicates;
    }

    /** Called after the subscription is live again on a new connection. */
    public void onReconnect(Runnable action) {
        this.onReconnect = action;
    }

    public synchronized int connections() {
        return connections;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        PubSub current = pubSub;
        if (current != null && current.isSubscribed()) {
            current.punsubscribe();
        }
        thread.join(5_000);
    }

    /** Subscribes, and after a lost connection subscribes again until closed. */
    private void listen() {
        while (!closed) {
            try (Jedis jedis = new Jedis(host, port)) {
                pubSub = new PubSub();
                jedis.psubscribe(pubSub, "stream:*");
            } catch (JedisConnectionException lost) {
                // Redis is down or restarting: try again shortly
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
        }
    }

    private synchronized void onMessage(String redisChannel, String text) {
        String channel = redisChannel.substring("stream:".length());
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON on " + redisChannel + ": " + text, e);
        }
        Received received = new Received(channel, message);
        log.computeIfAbsent(channel, c -> new ArrayList<>()).add(received);
        Map<String, HeldMarket> markets = held.computeIfAbsent(channel, c -> new HashMap<>());
        HeldMarket current = markets.get(received.marketId);
        String resyncKey = channel + "|" + received.marketId;

        switch (received.type) {
            case "snapshot":
                if (current == null || newerOrSame(received, current)) {
                    HeldMarket next = new HeldMarket();
                    next.epoch = received.epoch;
                    next.version = received.version;
                    JsonNode market = message.get("market");
                    next.status = market.get("status").asText();
                    next.name = market.path("name").asText(null);
                    readEvent(next, market.path("event"));
                    for (JsonNode selection : market.get("selections")) {
                        if (!selection.path("price").isNull()) {
                            next.prices.put(
                                    selection.get("id").asText(),
                                    selection.get("price").asDouble());
                        }
                    }
                    markets.put(received.marketId, next);
                    resyncPending.remove(resyncKey);
                }
                break;
            case "current":
                if (current != null && newerOrSame(received, current)) {
                    current.epoch = received.epoch;
                    current.version = received.version;
                }
                break;
            case "delta":
                if (current != null
                        && received.epoch == current.epoch
                        && received.prev == current.version) {
                    JsonNode changes = message.get("changes");
                    if (changes.has("status")) {
                        current.status = changes.get("status").asText();
                    }
                    if (changes.has("name")) {
                        current.name = changes.get("name").asText(null);
                    }
                    if (changes.has("event")) {
                        readEvent(current, changes.get("event"));
                    }
                    for (JsonNode selection : changes.path("selections")) {
                        if (!selection.path("price").isNull()) {
                            current.prices.put(
                                    selection.get("id").asText(),
                                    selection.get("price").asDouble());
                        }
                    }
                    current.version = received.version;
                } else if (current != null
                        && received.epoch == current.epoch
                        && received.version <= current.version) {
                    duplicates++;
                } else {
                    gaps++;
                    if (resyncPending.add(resyncKey)) {
                        resync.accept(channel, received.marketId);
                    }
                }
                break;
            case "removed":
                markets.remove(received.marketId);
                break;
            default:
                throw new IllegalStateException("unknown message type " + received.type);
        }
    }

    private static void readEvent(HeldMarket held, JsonNode event) {
        held.eventName = event.path("name").asText(null);
        held.startTime = event.path("startTime").asLong(0);
    }

    private static boolean newerOrSame(Received message, HeldMarket held) {
        return message.epoch > held.epoch
                || (message.epoch == held.epoch && message.version >= held.version);
    }

    private final class PubSub extends JedisPubSub {
        @Override
        public void onPSubscribe(String pattern, int subscribedChannels) {
            int count;
            synchronized (ProtocolSubscriber.this) {
                count = ++connections;
            }
            subscribed.countDown();
            if (count > 1) {
                onReconnect.run();
            }
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
            ProtocolSubscriber.this.onMessage(channel, message);
        }
    }
}

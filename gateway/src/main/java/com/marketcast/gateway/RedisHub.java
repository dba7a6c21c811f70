package com.marketcast.gateway;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The gateway's one Redis pub-sub connection: {@code stream:{channelId}} channels are subscribed
 * and unsubscribed on it as WebSockets come and go.
 *
 * <p>{@link #subscribe} returns a future that completes when Redis confirms the subscription, so
 * the WebSocket's ACK means "listening" (PROTOCOL section 7). When the connection is lost (a Redis
 * restart) it reconnects with backoff, subscribes every channel again and then reports {@link
 * Listener#onResubscribed}: pub-sub loses what was published meanwhile, so the gateway resyncs. The
 * reconnection is complete when a PING sent after the SUBSCRIBE comes back: Redis answers in order,
 * so every channel is live by then.
 */
final class RedisHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisHub.class);
    private static final String PREFIX = "stream:";

    /** Always subscribed: SUBSCRIBE needs one channel, and no publisher uses this one. */
    private static final String CONTROL = "marketcast:gateway:control";

    private static final Duration MIN_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    /** What the hub reports. Called on the hub's thread: must not block. */
    interface Listener {
        void onMessage(String channelId, String message);

        void onResubscribed();
    }

    private final URI uri;
    private final Listener listener;
    private final Map<String, CompletableFuture<Void>> live = new ConcurrentHashMap<>();
    private final Thread thread;
    private final Object writeLock = new Object();
    private volatile PubSub pubSub;
    private volatile boolean closed;
    private volatile boolean connected;

    RedisHub(String redisUri, Listener listener) {
        this.uri = URI.create(redisUri);
        this.listener = listener;
        this.thread = new Thread(this::run, "gateway-redis-pubsub");
        thread.setDaemon(true);
        thread.start();
    }

    /** Subscribes {@code stream:{channelId}}; completes once Redis confirms it. */
    CompletableFuture<Void> subscribe(String channelId) {
        CompletableFuture<Void> confirmed = new CompletableFuture<>();
        live.put(PREFIX + channelId, confirmed);
        write(p -> p.subscribe(PREFIX + channelId));
        return confirmed;
    }

    void unsubscribe(String channelId) {
        if (live.remove(PREFIX + channelId) != null) {
            write(p -> p.unsubscribe(PREFIX + channelId));
        }
    }

    boolean connected() {
        return connected;
    }

    /**
     * Writes on the pub-sub connection; without one (Redis away) nothing is written: the
     * reconnection subscribes everything in {@link #live}.
     */
    private void write(java.util.function.Consumer<PubSub> command) {
        synchronized (writeLock) {
            PubSub current = pubSub;
            if (current == null || !connected) {
                return;
            }
            try {
                command.accept(current);
            } catch (JedisException lost) {
                LOG.debug("Redis write failed; the reconnection resubscribes", lost);
            }
        }
    }

    private void run() {
        boolean first = true;
        Duration backoff = MIN_BACKOFF;
        while (!closed) {
            try (Jedis jedis = new Jedis(uri)) {
                PubSub next = new PubSub(!first);
                pubSub = next;
                jedis.subscribe(next, CONTROL);
            } catch (JedisException | IllegalStateException lost) {
                if (closed) {
                    break;
                }
                if (connected || first) {
                    LOG.warn(
                            "Redis pub-sub connection to {}:{} lost or refused ({}); reconnecting",
                            uri.getHost(),
                            uri.getPort(),
                            lost.getMessage());
                }
            } finally {
                connected = false;
            }
            first = false;
            if (!closed) {
                LockSupport.parkNanos(backoff.toNanos());
                backoff =
                        backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                                ? MAX_BACKOFF
                                : backoff.multipliedBy(2);
            }
            if (connected) {
                backoff = MIN_BACKOFF;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (writeLock) {
            PubSub current = pubSub;
            if (current != null && connected) {
                try {
                    current.unsubscribe();
                } catch (JedisException ignored) {
                    // closing anyway
                }
            }
        }
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class PubSub extends JedisPubSub {
        private final boolean reconnection;

        PubSub(boolean reconnection) {
            this.reconnection = reconnection;
        }

        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            if (channel.equals(CONTROL)) {
                synchronized (writeLock) {
                    connected = true;
                    String[] channels = live.keySet().toArray(String[]::new);
                    if (channels.length > 0) {
                        subscribe(channels);
                    }
                    ping();
                }
                LOG.info(
                        "Redis pub-sub connected to {}:{} ({} channels)",
                        uri.getHost(),
                        uri.getPort(),
                        live.size());
                return;
            }
            CompletableFuture<Void> confirmed = live.get(channel);
            if (confirmed != null) {
                confirmed.complete(null);
            }
        }

        @Override
        public void onPong(String pattern) {
            if (reconnection) {
                listener.onResubscribed();
            }
        }

        @Override
        public void onMessage(String channel, String message) {
            if (channel.startsWith(PREFIX)) {
                listener.onMessage(channel.substring(PREFIX.length()), message);
            }
        }
    }
}

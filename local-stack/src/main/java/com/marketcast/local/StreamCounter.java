package com.marketcast.local;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Counts every message on every subscriber channel with one pattern subscription ({@code PSUBSCRIBE
 * stream:*}) on its own connection: the stack's measure of messages delivered.
 */
final class StreamCounter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamCounter.class);
    static final String PATTERN = "stream:*";

    private final URI redis;
    private final AtomicLong messages = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Jedis jedis;
    private volatile JedisPubSub pubSub;

    StreamCounter(String redisUri) {
        this.redis = URI.create(redisUri);
        this.thread = new Thread(this::subscribeLoop, "stream-counter");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    long messages() {
        return messages.get();
    }

    private void subscribeLoop() {
        while (running) {
            try (Jedis connection = new Jedis(redis)) {
                jedis = connection;
                JedisPubSub listener =
                        new JedisPubSub() {
                            @Override
                            public void onPMessage(String pattern, String channel, String message) {
                                messages.incrementAndGet();
                            }
                        };
                pubSub = listener;
                connection.psubscribe(listener, PATTERN);
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warn(
                            "Counter of {}: Redis connection lost ({}); reconnecting",
                            PATTERN,
                            e.getMessage());
                    try {
                        Thread.sleep(Duration.ofSeconds(1).toMillis());
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        JedisPubSub listener = pubSub;
        try {
            if (listener != null && listener.isSubscribed()) {
                listener.punsubscribe();
            }
        } catch (RuntimeException ignored) {
            // the connection is gone already
        }
        Jedis connection = jedis;
        if (connection != null) {
            connection.close();
        }
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

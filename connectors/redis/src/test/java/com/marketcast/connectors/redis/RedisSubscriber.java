package com.marketcast.connectors.redis;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * A real Redis subscriber on its own thread (jedis' subscribe blocks), collecting every message per
 * channel in arrival order. Tests wait on it with deadlines.
 */
final class RedisSubscriber implements AutoCloseable {
    private final Jedis jedis;
    private final Thread thread;
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final Map<String, List<String>> byChannel = new HashMap<>();
    private final JedisPubSub pubSub;
    private int count;
    private volatile Exception failure;

    private RedisSubscriber(String redisUri, String pattern) {
        this.jedis = new Jedis(URI.create(redisUri));
        this.pubSub =
                new JedisPubSub() {
                    @Override
                    public void onPSubscribe(String p, int subscribedChannels) {
                        subscribed.countDown();
                    }

                    @Override
                    public void onPMessage(String p, String channel, String message) {
                        received(channel, message);
                    }
                };
        this.thread =
                new Thread(
                        () -> {
                            try {
                                jedis.psubscribe(pubSub, pattern);
                            } catch (Exception e) {
                                // expected when a test stops the server under this subscriber
                                failure = e;
                            }
                        },
                        "test-subscriber-" + pattern);
        thread.setDaemon(true);
    }

    /** Subscribes to a channel pattern and returns once Redis confirmed the subscription. */
    static RedisSubscriber psubscribe(String redisUri, String pattern) throws InterruptedException {
        RedisSubscriber subscriber = new RedisSubscriber(redisUri, pattern);
        subscriber.thread.start();
        if (!subscriber.subscribed.await(5, TimeUnit.SECONDS)) {
            subscriber.close();
            throw new AssertionError(
                    "no subscription confirmation for "
                            + pattern
                            + ", error: "
                            + subscriber.failure);
        }
        return subscriber;
    }

    private synchronized void received(String channel, String message) {
        byChannel.computeIfAbsent(channel, c -> new ArrayList<>()).add(message);
        count++;
        notifyAll();
    }

    synchronized int count() {
        return count;
    }

    synchronized List<String> messages(String channel) {
        return List.copyOf(byChannel.getOrDefault(channel, List.of()));
    }

    synchronized Map<String, List<String>> all() {
        Map<String, List<String>> copy = new HashMap<>();
        byChannel.forEach((channel, messages) -> copy.put(channel, List.copyOf(messages)));
        return copy;
    }

    /** Waits until at least {@code expected} messages arrived. */
    synchronized void awaitCount(int expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count < expected) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(
                        "expected " + expected + " messages within " + timeout + ", got " + count);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (pubSub.isSubscribed()) {
            try {
                pubSub.punsubscribe();
            } catch (Exception serverGone) {
                // the connection is already dead; closing it below is enough
            }
        }
        thread.join(TimeUnit.SECONDS.toMillis(5));
        jedis.close();
    }
}

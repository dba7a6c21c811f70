package com.marketcast.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * A live tail of one Redis pub-sub channel {@code stream:{channelId}}: each message printed on one
 * line, with its end-to-end latency ({@code now - ts}) and a check of the (epoch, version) chain of
 * PROTOCOL section 3, so a gap or reordering shows up in the demo at once.
 *
 * <p>It subscribes on its own thread and reconnects after a Redis outage; {@link #awaitSubscribed}
 * returns once Redis has confirmed the subscription, after which BEGIN_STREAM may be sent.
 */
final class ChannelTail implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelTail.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    private static final Duration RECONNECT_DELAY = Duration.ofSeconds(1);

    /** The (epoch, version) a subscriber holds for a market. */
    private record Held(long epoch, long version) {}

    private final URI redis;
    private final String channel;
    private final String label;
    private final PrintStream out;
    private final Map<String, Held> held = new HashMap<>();
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Jedis jedis;
    private volatile JedisPubSub pubSub;

    ChannelTail(String redisUri, String channelId, String label, PrintStream out) {
        this.redis = URI.create(redisUri);
        this.channel = "stream:" + channelId;
        this.label = label;
        this.out = out;
        this.thread = new Thread(this::subscribeLoop, "tail-" + label);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Whether Redis confirmed the subscription within the timeout. */
    boolean awaitSubscribed(Duration timeout) throws InterruptedException {
        return subscribed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void subscribeLoop() {
        while (running) {
            try (Jedis connection = new Jedis(redis)) {
                jedis = connection;
                JedisPubSub listener =
                        new JedisPubSub() {
                            @Override
                            public void onSubscribe(String name, int count) {
                                subscribed.countDown();
                            }

                            @Override
                            public void onMessage(String name, String message) {
                                out.println(render(message, System.currentTimeMillis()));
                            }
                        };
                pubSub = listener;
                connection.subscribe(listener, channel);
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warn(
                            "Tail of {}: Redis connection lost ({}); reconnecting",
                            channel,
                            e.getMessage());
                    sleepQuietly(RECONNECT_DELAY);
                }
            }
        }
    }

    /** One line per message: type, market, version chain, what it says, and its latency. */
    String render(String message, long now) {
        JsonNode m;
        try {
            m = JSON.readTree(message);
        } catch (Exception e) {
            return prefix(now) + "unparsable: " + abbreviate(message);
        }
        String type = m.path("type").asText("?");
        String market = m.path("marketId").asText("?");
        long epoch = m.path("epoch").asLong();
        long version = m.path("version").asLong();
        StringBuilder line = new StringBuilder(prefix(now));
        line.append(String.format("%-8s %-8s ", type, market));
        switch (type) {
            case "snapshot" -> {
                line.append('v').append(version).append("  ");
                JsonNode state = m.path("market");
                line.append(state.path("status").asText("?")).append("  ");
                if (state.path("name").isTextual()) {
                    // enriched from the catalog
                    line.append(state.path("name").asText())
                            .append(" · ")
                            .append(state.path("event").path("name").asText("?"))
                            .append("  ");
                }
                line.append(selections(state.path("selections")));
                accept(market, epoch, version, true, 0, line);
            }
            case "delta" -> {
                long prev = m.path("prev").asLong();
                line.append('v').append(prev).append("->").append(version).append("  ");
                line.append(changes(m.path("changes")));
                accept(market, epoch, version, false, prev, line);
            }
            case "current" -> {
                line.append('v').append(version).append("  unchanged");
                accept(market, epoch, version, true, 0, line);
            }
            case "removed" -> {
                line.append('v').append(version).append("  ").append(m.path("reason").asText("?"));
                held.remove(market);
            }
            default -> line.append(abbreviate(message));
        }
        if (m.has("ts")) {
            line.append("  (").append(now - m.path("ts").asLong()).append(" ms)");
        }
        return line.toString();
    }

    /** Applies the PROTOCOL section 3 rules and notes on the line when the chain breaks. */
    private void accept(
            String market, long epoch, long version, boolean full, long prev, StringBuilder line) {
        Held h = held.get(market);
        if (full) {
            if (h == null || epoch > h.epoch() || (epoch == h.epoch() && version >= h.version())) {
                held.put(market, new Held(epoch, version));
            } else {
                line.append("  [stale, ignored]");
            }
        } else if (h != null && epoch == h.epoch() && prev == h.version()) {
            held.put(market, new Held(epoch, version));
        } else if (h != null && epoch == h.epoch() && version <= h.version()) {
            line.append("  [duplicate, ignored]");
        } else {
            line.append("  [GAP: held ")
                    .append(h == null ? "nothing" : "v" + h.version())
                    .append(']');
        }
    }

    private String prefix(long now) {
        return TIME.format(Instant.ofEpochMilli(now)) + " " + label + " ";
    }

    private static String selections(JsonNode selections) {
        StringJoiner joined = new StringJoiner(" | ");
        for (JsonNode s : selections) {
            String price = s.has("display") ? s.path("display").asText() : s.path("price").asText();
            String name = s.path("name").isTextual() ? s.path("name").asText() : null;
            joined.add((name != null ? name : s.path("id").asText("?")) + " " + price);
        }
        return joined.toString();
    }

    private static String changes(JsonNode changes) {
        StringJoiner joined = new StringJoiner("  ");
        Iterator<Map.Entry<String, JsonNode>> fields = changes.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().equals("selections") && field.getValue().isArray()) {
                joined.add(selections(field.getValue()));
            } else if (field.getValue().isValueNode()) {
                joined.add(field.getKey() + " " + field.getValue().asText());
            } else {
                joined.add(field.getKey() + " " + abbreviate(field.getValue().toString()));
            }
        }
        return joined.toString();
    }

    private static String abbreviate(String text) {
        return text.length() <= 160 ? text : text.substring(0, 157) + "...";
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        JedisPubSub listener = pubSub;
        try {
            if (listener != null && listener.isSubscribed()) {
                listener.unsubscribe();
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

package com.marketcast.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marketcast.embedded.EmbeddedKafka;
import com.marketcast.embedded.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * A quick load run of one gateway on this machine: N channels with a WebSocket each, and a
 * publisher that sends each channel a snapshot and then a chain of deltas through real Redis
 * pub-sub at a fixed total rate, for a bounded time. It reports the connections held and the
 * messages per second the clients received. Everything runs on loopback and stops by itself.
 *
 * <p>{@code GatewayLoad [--connections 500] [--rate 20000] [--seconds 20]} (BENCHMARKS.md).
 */
public final class GatewayLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int connections = Integer.parseInt(a.getOrDefault("connections", "500"));
        int rate = Integer.parseInt(a.getOrDefault("rate", "20000"));
        int seconds = Math.min(120, Integer.parseInt(a.getOrDefault("seconds", "20")));

        try (RedisServer redis = RedisServer.start();
                EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("stream-commands", 2);
            Gateway gateway =
                    Gateway.start(
                            GatewayOptions.fromMap(
                                    Map.of(
                                            "host", "127.0.0.1",
                                            "port", "0",
                                            "bootstrap-servers", kafka.bootstrapServers(),
                                            "redis", redis.uri(),
                                            "max-connections-per-ip",
                                                    Integer.toString(connections + 10)),
                                    name -> null));
            try {
                run(gateway.port(), redis, connections, rate, seconds, gateway);
            } finally {
                gateway.close();
            }
        }
    }

    private static void run(
            int port, RedisServer redis, int connections, int rate, int seconds, Gateway gateway)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        AtomicLong received = new AtomicLong();
        CountDownLatch acked = new CountDownLatch(connections);
        List<String> channels = new ArrayList<>();
        List<WebSocket> sockets = new ArrayList<>();
        long openStart = System.nanoTime();
        for (int i = 0; i < connections; i++) {
            HttpResponse<String> created =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create(
                                                    "http://127.0.0.1:" + port + "/api/channels"))
                                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(created.body());
            String channel = body.get("channelId").asText();
            channels.add(channel);
            WebSocket ws =
                    http.newWebSocketBuilder()
                            .buildAsync(
                                    URI.create("ws://127.0.0.1:" + port + "/ws/" + channel),
                                    new Counter(received, acked))
                            .get(10, TimeUnit.SECONDS);
            ws.sendText(
                    "{\"type\":\"auth\",\"token\":\"" + body.get("token").asText() + "\"}", true);
            sockets.add(ws);
        }
        if (!acked.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(acked.getCount() + " sockets got no ACK");
        }
        System.out.printf(
                "%d WebSockets open and acknowledged in %.1f s (gateway holds %d)%n",
                connections, (System.nanoTime() - openStart) / 1e9, gateway.openSockets());
        long base = received.get();

        long published = 0;
        long[] versions = new long[connections];
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        int batch = Math.max(1, rate / 200); // 200 pipelined batches a second
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            while (System.nanoTime() < end) {
                Pipeline p = jedis.pipelined();
                for (int k = 0; k < batch; k++) {
                    int c = (int) (published % connections);
                    long v = ++versions[c];
                    p.publish(
                            "stream:" + channels.get(c),
                            v == 1
                                    ? StreamJson.snapshot("m-1", 1, v)
                                    : StreamJson.delta("m-1", 1, v, v - 1));
                    published++;
                }
                p.sync();
                long due = start + (long) (published * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        // let the last messages arrive (bounded)
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.get() - base < published && System.nanoTime() < settle) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        long delivered = received.get() - base;
        System.out.printf(
                "published %d messages in %.1f s (%.0f/s); clients received %d (%.0f/s over the"
                        + " publishing time); %d market resyncs (gaps, slow-client conflation);"
                        + " %d WebSockets open at the end%n",
                published,
                elapsed,
                published / elapsed,
                delivered,
                delivered / elapsed,
                gateway.marketResyncs(),
                gateway.openSockets());
        sockets.forEach(ws -> ws.abort());
    }

    /** Counts text messages; the first (the ACK) opens the socket for the run. */
    private static final class Counter implements WebSocket.Listener {
        private final AtomicLong received;
        private final CountDownLatch acked;
        private boolean first = true;

        Counter(AtomicLong received, CountDownLatch acked) {
            this.received = received;
            this.acked = acked;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            if (last) {
                if (first) {
                    first = false;
                    acked.countDown();
                } else {
                    received.incrementAndGet();
                }
            }
            ws.request(1);
            return CompletableFuture.completedFuture(null);
        }
    }
}

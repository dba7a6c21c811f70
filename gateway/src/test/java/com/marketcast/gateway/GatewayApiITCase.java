package com.marketcast.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marketcast.embedded.EmbeddedKafka;
import com.marketcast.embedded.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Every call of the gateway against a real Kafka broker and a real redis-server: the commands it
 * writes (exactly PROTOCOL section 2), the refusals (401, 403, 400, 404, 429, WebSocket close
 * codes), and the WebSocket relay fed through real Redis pub-sub (ACK, duplicates, gaps, the Redis
 * restart, the reconnect grace and the heartbeats).
 */
class GatewayApiITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String SECRET = "a-test-secret-that-is-long-enough-for-hs256!";
    private static final String COMMANDS = "stream-commands";

    private static RedisServer redis;
    private static EmbeddedKafka kafka;
    private static Gateway gateway;
    private static CommandLog commands;
    private static HttpClient http;
    private static String origin;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        kafka = EmbeddedKafka.start();
        kafka.createTopic(COMMANDS, 2);
        GatewayOptions options =
                GatewayOptions.fromMap(
                        Map.of(
                                "host", "127.0.0.1",
                                "port", "0",
                                "bootstrap-servers", kafka.bootstrapServers(),
                                "redis", redis.uri(),
                                "allowed-origins", "http://page.example",
                                "channel-ttl", "3s",
                                "reconnect-grace", "1s",
                                "max-connections-per-ip", "6",
                                "max-messages-per-second", "5"),
                        name -> name.equals(GatewayOptions.SECRET_ENV) ? SECRET : null);
        gateway = Gateway.start(options);
        commands = new CommandLog(kafka.bootstrapServers(), COMMANDS);
        http = HttpClient.newHttpClient();
        origin = "http://page.example";
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (commands != null) {
            commands.close();
        }
        kafka.close();
        redis.close();
    }

    // --- control API ----------------------------------------------------------------------------

    @Test
    void createsAChannelWithAnUnguessableIdAndABoundToken() throws Exception {
        HttpResponse<String> created =
                call(
                        "POST",
                        "/api/channels",
                        "{\"oddsFormat\":\"FRACTIONAL\",\"throttleMs\":500}",
                        null);
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode body = JSON.readTree(created.body());
        String id = body.get("channelId").asText();
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(body.get("token").asText()).isNotBlank();
        await().atMost(WAIT)
                .untilAsserted(
                        () ->
                                assertThat(commands.of(id))
                                        .extracting(c -> c.key() + " " + c.value())
                                        .containsExactly(
                                                id
                                                        + " {\"type\":\"OPEN\",\"channelId\":\""
                                                        + id
                                                        + "\",\"oddsFormat\":\"FRACTIONAL\",\"throttleMs\":500}"));
        assertThat(channel().id).isNotEqualTo(id);
    }

    @Test
    void turnsEveryChannelCallIntoItsCommand() throws Exception {
        Channel c = channel();
        assertThat(
                        call(
                                        "POST",
                                        c.path("/subscriptions"),
                                        "{\"markets\":[\"m-1\",\"m-2\"]}",
                                        c.token)
                                .statusCode())
                .isEqualTo(202);
        assertThat(
                        call(
                                        "POST",
                                        c.path("/subscriptions"),
                                        "{\"queryId\":\"soon\",\"query\":{\"sport\":\"football\",\"startsWithinMinutes\":120}}",
                                        c.token)
                                .statusCode())
                .isEqualTo(202);
        assertThat(
                        call("DELETE", c.path("/subscriptions"), "{\"markets\":[\"m-2\"]}", c.token)
                                .statusCode())
                .isEqualTo(202);
        assertThat(
                        call("DELETE", c.path("/subscriptions"), "{\"queryId\":\"soon\"}", c.token)
                                .statusCode())
                .isEqualTo(202);
        assertThat(
                        call("POST", c.path("/begin"), "{\"since\":1732260000000}", c.token)
                                .statusCode())
                .isEqualTo(202);
        assertThat(
                        call("PUT", c.path("/view"), "{\"oddsFormat\":\"AMERICAN\"}", c.token)
                                .statusCode())
                .isEqualTo(202);
        HttpResponse<String> renewed = call("POST", c.path("/token"), "", c.token);
        assertThat(renewed.statusCode()).isEqualTo(200);
        String newToken = JSON.readTree(renewed.body()).get("token").asText();
        assertThat(call("DELETE", c.path(""), "", newToken).statusCode()).isEqualTo(204);

        String id = "\"channelId\":\"" + c.id + "\"";
        await().atMost(WAIT)
                .untilAsserted(
                        () ->
                                assertThat(commands.of(c.id))
                                        .extracting(cmd -> cmd.value().toString())
                                        .containsExactly(
                                                "{\"type\":\"OPEN\"," + id + "}",
                                                "{\"type\":\"SUBSCRIBE\","
                                                        + id
                                                        + ",\"markets\":[\"m-1\",\"m-2\"]}",
                                                "{\"type\":\"SUBSCRIBE\","
                                                        + id
                                                        + ",\"queryId\":\"soon\",\"query\":{\"sport\":\"football\",\"startsWithinMinutes\":120}}",
                                                "{\"type\":\"UNSUBSCRIBE\","
                                                        + id
                                                        + ",\"markets\":[\"m-2\"]}",
                                                "{\"type\":\"UNSUBSCRIBE\","
                                                        + id
                                                        + ",\"queryId\":\"soon\"}",
                                                "{\"type\":\"BEGIN_STREAM\","
                                                        + id
                                                        + ",\"since\":1732260000000}",
                                                "{\"type\":\"OPEN\","
                                                        + id
                                                        + ",\"oddsFormat\":\"AMERICAN\"}",
                                                "{\"type\":\"DISCONNECT\"," + id + "}"));
        // an ended channel is gone: no call can reopen it in the job
        HttpResponse<String> after =
                call("POST", c.path("/subscriptions"), "{\"markets\":[\"m-1\"]}", newToken);
        assertThat(after.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(after.body()).get("error").asText())
                .isEqualTo("channel_not_found");
    }

    @Test
    void refusesMissingExpiredForgedAndOtherChannelsTokens() throws Exception {
        Channel c = channel();
        Channel other = channel();
        String body = "{\"markets\":[\"m-1\"]}";
        String expired =
                new ChannelTokens(
                                SECRET.getBytes(StandardCharsets.UTF_8),
                                Duration.ofMinutes(1),
                                Clock.fixed(Instant.now().minusSeconds(120), ZoneOffset.UTC))
                        .issue(c.id);
        String forged =
                JWT.create()
                        .withIssuer("marketcast-gateway")
                        .withSubject(c.id)
                        .withExpiresAt(Instant.now().plusSeconds(600))
                        .sign(Algorithm.HMAC256("another-secret-another-secret-another-secret"));
        String unsigned = c.token.substring(0, c.token.lastIndexOf('.') + 1);
        String noneAlg =
                JWT.create()
                        .withIssuer("marketcast-gateway")
                        .withSubject(c.id)
                        .withExpiresAt(Instant.now().plusSeconds(600))
                        .sign(Algorithm.none());

        assertError(call("POST", c.path("/subscriptions"), body, null), 401, "token is required");
        assertError(call("POST", c.path("/subscriptions"), body, expired), 401, "expired");
        assertError(call("POST", c.path("/subscriptions"), body, forged), 401, "not valid");
        assertError(call("POST", c.path("/subscriptions"), body, unsigned), 401, "not valid");
        assertError(call("POST", c.path("/subscriptions"), body, noneAlg), 401, "not valid");
        assertError(
                call("POST", c.path("/subscriptions"), body, other.token), 403, "another channel");
        for (String[] route :
                new String[][] {
                    {"DELETE", "/subscriptions"},
                    {"POST", "/begin"},
                    {"DELETE", ""},
                    {"PUT", "/view"},
                    {"POST", "/token"}
                }) {
            assertThat(call(route[0], c.path(route[1]), "{}", other.token).statusCode())
                    .as(route[0] + " " + route[1])
                    .isEqualTo(403);
            assertThat(call(route[0], c.path(route[1]), "{}", null).statusCode()).isEqualTo(401);
        }
        // nothing reached the job but the OPEN
        onlyOpenReachedTheJob(c);
    }

    @Test
    void refusesMalformedBodiesWithAClearError() throws Exception {
        Channel c = channel();
        assertError(
                call("POST", c.path("/subscriptions"), "{not json", c.token),
                400,
                "not valid JSON");
        assertError(call("POST", c.path("/subscriptions"), "[1,2]", c.token), 400, "JSON object");
        assertError(call("POST", c.path("/subscriptions"), "", c.token), 400, "needs a JSON body");
        assertError(
                call("POST", c.path("/subscriptions"), "{\"markets\":\"m-1\"}", c.token),
                400,
                "array");
        assertError(
                call("POST", c.path("/subscriptions"), "{\"markets\":[]}", c.token),
                400,
                "non-empty");
        assertError(
                call("POST", c.path("/subscriptions"), "{\"markets\":[\"a b\"]}", c.token),
                400,
                "id of 1 to 128");
        assertError(
                call("POST", c.path("/subscriptions"), "{\"market\":[\"m-1\"]}", c.token),
                400,
                "unknown field 'market'");
        assertError(
                call(
                        "POST",
                        c.path("/subscriptions"),
                        "{\"markets\":[\"m-1\"],\"queryId\":\"q\",\"query\":{\"sport\":\"x\"}}",
                        c.token),
                400,
                "not both");
        assertError(
                call(
                        "POST",
                        c.path("/subscriptions"),
                        "{\"queryId\":\"q\",\"query\":{\"sprot\":\"x\"}}",
                        c.token),
                400,
                "unknown query clause 'sprot'");
        assertError(
                call("POST", c.path("/subscriptions"), "{\"queryId\":\"q\",\"query\":{}}", c.token),
                400,
                "at least one");
        assertError(
                call(
                        "POST",
                        c.path("/subscriptions"),
                        "{\"queryId\":\"q\",\"query\":{\"startsWithinMinutes\":0}}",
                        c.token),
                400,
                "from 1 to 10080");
        assertError(
                call("POST", c.path("/begin"), "{\"since\":\"yesterday\"}", c.token), 400, "since");
        assertError(
                call("PUT", c.path("/view"), "{\"oddsFormat\":\"ROMAN\"}", c.token),
                400,
                "oddsFormat");
        assertError(call("POST", "/api/channels", "{\"throttleMs\":-1}", null), 400, "throttleMs");
        assertError(call("GET", "/api/nothing", null, null), 404, "not found");
        onlyOpenReachedTheJob(c);
    }

    @Test
    void refusesAForeignOrigin() throws Exception {
        HttpResponse<String> refused =
                http.send(
                        HttpRequest.newBuilder(uri("/api/channels"))
                                .header("Origin", "http://evil.example")
                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertError(refused, 403, "origin http://evil.example is not allowed");

        Channel c = channel();
        assertThatThrownBy(() -> TestSocket.open(http, gateway.port(), c.id, "http://evil.example"))
                .hasCauseInstanceOf(WebSocketHandshakeException.class)
                .satisfies(
                        e ->
                                assertThat(
                                                ((WebSocketHandshakeException) e.getCause())
                                                        .getResponse()
                                                        .statusCode())
                                        .isEqualTo(403));
    }

    @Test
    void servesTheMarketViewFromTheMirror() throws Exception {
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            jedis.set("market:v-1", market("v-1", "e-1", "football", "Premier League", 2000));
            jedis.set("market:v-2", market("v-2", "e-2", "football", "La Liga", 1000));
            jedis.set("market:v-3", market("v-3", "e-3", "tennis", "ATP", 3000));
        }
        long before = System.currentTimeMillis();
        HttpResponse<String> all = call("GET", "/api/markets?sport=football", null, null);
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.headers().firstValue("Cache-Control")).hasValue("public, max-age=1");
        JsonNode view = JSON.readTree(all.body());
        assertThat(view.get("asOf").asLong()).isGreaterThanOrEqualTo(before);
        // ordered by start time
        assertThat(view.get("markets").findValuesAsText("marketId")).containsExactly("v-2", "v-1");
        assertThat(
                        JSON.readTree(
                                        call(
                                                        "GET",
                                                        "/api/markets?sport=football&competition=La%20Liga",
                                                        null,
                                                        null)
                                                .body())
                                .get("markets")
                                .findValuesAsText("marketId"))
                .containsExactly("v-2");
        assertThat(
                        JSON.readTree(call("GET", "/api/markets?eventId=e-3", null, null).body())
                                .get("markets")
                                .findValuesAsText("marketId"))
                .containsExactly("v-3");
    }

    // --- WebSocket ------------------------------------------------------------------------------

    @Test
    void acksOnceSubscribedAndForwardsTheChainWithDuplicatesDroppedAndGapsResynced()
            throws Exception {
        Channel c = channel();
        try (TestSocket ws = TestSocket.open(http, gateway.port(), c.id, origin);
                Jedis jedis = new Jedis(redis.host(), redis.port())) {
            ws.auth(c.token);
            assertThat(ws.await("ack", WAIT).get("channelId").asText()).isEqualTo(c.id);
            String stream = "stream:" + c.id;
            jedis.publish(stream, StreamJson.snapshot("m-1", 5, 10));
            jedis.publish(stream, StreamJson.delta("m-1", 5, 11, 10));
            jedis.publish(stream, StreamJson.delta("m-1", 5, 11, 10)); // duplicate
            jedis.publish(stream, StreamJson.delta("m-1", 5, 10, 9)); // older
            jedis.publish(stream, StreamJson.delta("m-1", 5, 14, 13)); // gap
            await().atMost(WAIT).until(() -> !commands.of(c.id, "BEGIN_STREAM").isEmpty());
            assertThat(commands.of(c.id, "BEGIN_STREAM").get(0).toString())
                    .isEqualTo(
                            "{\"type\":\"BEGIN_STREAM\",\"channelId\":\""
                                    + c.id
                                    + "\",\"markets\":[\"m-1\"]}");
            jedis.publish(stream, StreamJson.snapshot("m-1", 5, 14));
            jedis.publish(stream, StreamJson.delta("m-1", 5, 15, 14));
            await().atMost(WAIT).until(() -> ws.messages().size() >= 5);
            assertThat(ws.messages())
                    .extracting(
                            m ->
                                    m.get("type").asText()
                                            + (m.has("version")
                                                    ? " " + m.get("version").asLong()
                                                    : ""))
                    .containsExactly("ack", "snapshot 10", "delta 11", "snapshot 14", "delta 15");
        }
    }

    @Test
    void takesTheTokenOnTheHandshakeToo() throws Exception {
        Channel c = channel();
        try (TestSocket ws =
                TestSocket.open(http, gateway.port(), c.id, origin, "bearer", c.token)) {
            assertThat(ws.await("ack", WAIT).get("channelId").asText()).isEqualTo(c.id);
        }
        Channel other = channel();
        assertThatThrownBy(
                        () ->
                                TestSocket.open(
                                        http, gateway.port(), c.id, origin, "bearer", other.token))
                .satisfies(e -> assertThat(handshakeStatus(e)).isEqualTo(403));
        assertThatThrownBy(
                        () ->
                                TestSocket.open(
                                        http, gateway.port(), c.id, origin, "bearer", "x.y.z"))
                .satisfies(e -> assertThat(handshakeStatus(e)).isEqualTo(401));
    }

    @Test
    void closesSocketsWithBadTokensOversizedFramesOrFloods() throws Exception {
        Channel c = channel();
        Channel other = channel();
        try (TestSocket ws = TestSocket.open(http, gateway.port(), c.id, origin)) {
            ws.auth("not-a-token");
            assertThat(ws.closeCode(WAIT)).isEqualTo(4401);
            assertThat(ws.messages()).isEmpty();
        }
        try (TestSocket ws = TestSocket.open(http, gateway.port(), c.id, origin)) {
            ws.auth(other.token);
            assertThat(ws.closeCode(WAIT)).isEqualTo(4403);
        }
        try (TestSocket ws = TestSocket.open(http, gateway.port(), c.id, origin)) {
            ws.send("{\"type\":\"auth\",\"token\":\"" + "x".repeat(8000) + "\"}");
            assertThat(ws.closeCode(WAIT)).isEqualTo(1009);
        }
        try (TestSocket ws = TestSocket.open(http, gateway.port(), c.id, origin)) {
            ws.auth(c.token);
            ws.await("ack", WAIT);
            for (int i = 0; i < 10 && !ws.closed(); i++) {
                ws.send("{\"type\":\"ping\"}");
            }
            assertThat(ws.closeCode(WAIT)).isEqualTo(1008);
        }
    }

    @Test
    void limitsConnectionsPerAddress() throws Exception {
        Channel c = channel();
        List<TestSocket> open = new java.util.ArrayList<>();
        try {
            await().atMost(WAIT).until(() -> gateway.openSockets() == 0);
            for (int i = 0; i < 6; i++) {
                open.add(TestSocket.open(http, gateway.port(), c.id, origin));
            }
            assertThatThrownBy(() -> TestSocket.open(http, gateway.port(), c.id, origin))
                    .satisfies(e -> assertThat(handshakeStatus(e)).isEqualTo(429));
        } finally {
            open.forEach(TestSocket::close);
        }
    }

    @Test
    void heartbeatsWhileOpenAndDisconnectsAfterTheGrace() throws Exception {
        Channel c = channel();
        TestSocket ws = TestSocket.open(http, gateway.port(), c.id, origin);
        ws.auth(c.token);
        ws.await("ack", WAIT);
        // channel-ttl 3s: a HEARTBEAT every second while the socket is open
        await().atMost(WAIT).until(() -> commands.of(c.id, "HEARTBEAT").size() >= 2);
        ws.close();
        await().atMost(WAIT).until(() -> commands.of(c.id, "DISCONNECT").size() == 1);
        assertThat(call("POST", c.path("/begin"), "{}", c.token).statusCode()).isEqualTo(404);
    }

    @Test
    void reconnectingWithinTheGraceKeepsTheChannel() throws Exception {
        Channel c = channel();
        TestSocket first = TestSocket.open(http, gateway.port(), c.id, origin);
        first.auth(c.token);
        first.await("ack", WAIT);
        first.close();
        try (TestSocket second = TestSocket.open(http, gateway.port(), c.id, origin)) {
            second.auth(c.token);
            second.await("ack", WAIT);
            long heartbeats = commands.of(c.id, "HEARTBEAT").size();
            await().atMost(WAIT)
                    .until(() -> commands.of(c.id, "HEARTBEAT").size() > heartbeats + 1);
            assertThat(commands.of(c.id, "DISCONNECT")).isEmpty();
        }
    }

    @Test
    void resyncsEveryStreamingChannelAfterARedisRestart() throws Exception {
        Channel c = channel();
        try (TestSocket ws = TestSocket.open(http, gateway.port(), c.id, origin)) {
            ws.auth(c.token);
            ws.await("ack", WAIT);
            assertThat(call("POST", c.path("/begin"), "{}", c.token).statusCode()).isEqualTo(202);
            try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
                jedis.publish("stream:" + c.id, StreamJson.snapshot("r-1", 7, 3));
            }
            await().atMost(WAIT).until(() -> ws.messages("snapshot").size() == 1);

            redis.restart();

            // the gateway resubscribes and begins the channel again (a BEGIN_STREAM of everything)
            await().atMost(WAIT)
                    .until(
                            () ->
                                    commands.of(c.id, "BEGIN_STREAM").stream()
                                                    .filter(b -> !b.has("markets"))
                                                    .count()
                                            == 2);
            try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
                jedis.publish("stream:" + c.id, StreamJson.snapshot("r-1", 7, 4));
            }
            await().atMost(WAIT).until(() -> ws.messages("snapshot").size() == 2);
            assertThat(ws.closed()).isFalse();
        }
    }

    // --- helpers --------------------------------------------------------------------------------

    private record Channel(String id, String token) {
        String path(String rest) {
            return "/api/channels/" + id + rest;
        }
    }

    /** Refused calls write nothing: the channel's partition holds its OPEN alone. */
    private static void onlyOpenReachedTheJob(Channel c) {
        await().atMost(WAIT).until(() -> !commands.of(c.id).isEmpty());
        assertThat(commands.of(c.id))
                .extracting(cmd -> cmd.value().get("type").asText())
                .containsExactly("OPEN");
    }

    private static Channel channel() throws Exception {
        HttpResponse<String> created = call("POST", "/api/channels", "{}", null);
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode body = JSON.readTree(created.body());
        return new Channel(body.get("channelId").asText(), body.get("token").asText());
    }

    private static HttpResponse<String> call(String method, String path, String body, String token)
            throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri(path))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.port() + path);
    }

    private static void assertError(HttpResponse<String> response, int status, String message)
            throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode error = JSON.readTree(response.body());
        assertThat(error.get("error").asText()).isNotBlank();
        assertThat(error.get("message").asText()).contains(message);
    }

    private static int handshakeStatus(Throwable e) {
        Throwable cause =
                e instanceof ExecutionException || e instanceof CompletionException
                        ? e.getCause()
                        : e;
        return ((WebSocketHandshakeException) cause).getResponse().statusCode();
    }

    private static String market(
            String id, String event, String sport, String competition, long start) {
        return "{\"marketId\":\""
                + id
                + "\",\"name\":\"Match Odds\",\"status\":\"OPEN\",\"version\":1,\"updatedAt\":1,"
                + "\"event\":{\"eventId\":\""
                + event
                + "\",\"sport\":\""
                + sport
                + "\",\"competition\":\""
                + competition
                + "\",\"startTime\":"
                + start
                + "},\"selections\":[]}";
    }
}

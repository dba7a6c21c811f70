package com.marketcast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marketcast.embedded.RedisServer;
import com.marketcast.gateway.TestSocket;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import redis.clients.jedis.Jedis;

/**
 * The whole system as {@code bin/run-local} runs it: the odds job on a MiniCluster (RocksDB,
 * checkpoints), an in-process Kafka broker, a private PostgreSQL with the sample catalog read by
 * CDC, the market generator, and the gateway, with Redis started here so the test can restart it. A
 * WebSocket client streams through the gateway across a Redis restart and ends holding the job's
 * state; the page runs in a real headless Chromium.
 */
class GatewayStackITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static RedisServer redis;
    private static LocalStack stack;
    private static HttpClient http;
    private static int port;

    @BeforeAll
    static void startStack() throws Exception {
        redis = RedisServer.start();
        Path log = Path.of("target", "gateway-stack.out");
        Files.createDirectories(log.getParent());
        stack =
                new LocalStack(
                        LocalStackOptions.parse(
                                new String[] {
                                    "--redis",
                                    redis.uri(),
                                    "--generate",
                                    "--rate",
                                    "150",
                                    "--demo-channels",
                                    "false",
                                    "--catalog-churn-ms",
                                    "0",
                                    "--gateway-port",
                                    "0",
                                    "--parallelism",
                                    "2",
                                    "--checkpoint-interval",
                                    "1s"
                                }),
                        new PrintStream(new FileOutputStream(log.toFile()), true));
        stack.start();
        port = stack.gatewayPort();
        http = HttpClient.newHttpClient();
        // the job has loaded the catalog and priced markets once the mirror shows prices
        await().atMost(WAIT).until(() -> !pricedMarkets("football", 1).isEmpty());
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.stop();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aWebSocketClientHoldsTheJobsStateAcrossARedisRestart() throws Exception {
        List<String> markets = pricedMarkets("football", 8);
        JsonNode created = post("/api/channels", "{}", null);
        String channel = created.get("channelId").asText();
        String token = created.get("token").asText();
        try (TestSocket ws = TestSocket.open(http, port, channel, null)) {
            ws.auth(token);
            ws.await("ack", WAIT);
            post(
                    "/api/channels/" + channel + "/subscriptions",
                    JSON.createObjectNode().set("markets", JSON.valueToTree(markets)).toString(),
                    token);
            post("/api/channels/" + channel + "/begin", "{}", token);

            // a snapshot of every market first, then deltas chained on it
            await().atMost(WAIT).until(() -> ws.messages("snapshot").size() >= markets.size());
            await().atMost(WAIT).until(() -> ws.messages("delta").size() >= 10);
            Map<String, ObjectNode> held = apply(ws.messages());
            assertThat(held.keySet()).containsExactlyInAnyOrderElementsOf(markets);
            for (String market : markets) {
                assertThat(
                                ws.messages().stream()
                                        .filter(m -> market.equals(m.path("marketId").asText()))
                                        .findFirst())
                        .hasValueSatisfying(
                                first ->
                                        assertThat(first.get("type").asText())
                                                .isEqualTo("snapshot"));
            }

            int before = ws.messages().size();
            redis.restart();
            // the gateway resubscribes and resyncs; the job's sink reconnects (or restores)
            await().atMost(WAIT).until(() -> ws.messages().size() > before + markets.size());
            await().atMost(WAIT)
                    .untilAsserted(
                            () -> assertThat(apply(ws.messages())).isEqualTo(mirror(markets)));
            assertThat(ws.closed()).isFalse();
        }
    }

    @Test
    void thePageStreamsSwitchesOddsFormatAndStreamsTheBetSlip() throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        Path profile = Files.createTempDirectory("marketcast-chromium-");
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1400,1000",
                "--user-data-dir=" + profile);
        ChromeDriverService service =
                new ChromeDriverService.Builder()
                        .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
                        .build();
        ChromeDriver browser = new ChromeDriver(service, options);
        try {
            browser.get("http://localhost:" + port + "/");
            await().atMost(WAIT)
                    .until(() -> browser.findElement(By.id("status")).getText().equals("live"));
            await().atMost(WAIT).until(() -> !prices(browser, "#events").isEmpty());

            // prices move while the generator runs
            awaitPriceChange(browser, "#events");

            // the odds format is the channel's view: every price comes back in it
            new Select(browser.findElement(By.id("odds-format"))).selectByValue("FRACTIONAL");
            await().atMost(WAIT)
                    .until(
                            () ->
                                    prices(browser, "#events").values().stream()
                                            .filter(p -> !p.equals("–"))
                                            .allMatch(p -> p.matches("\\d+/\\d+")));
            new Select(browser.findElement(By.id("odds-format"))).selectByValue("AMERICAN");
            await().atMost(WAIT)
                    .until(
                            () ->
                                    prices(browser, "#events").values().stream()
                                            .filter(p -> !p.equals("–"))
                                            .allMatch(p -> p.matches("[+-]\\d+")));

            // the bet slip subscribes its markets and shows them streaming (clicked by script:
            // a streaming row may be rendered anew between finding its button and clicking it)
            browser.executeScript(
                    "[...document.querySelectorAll('#events button[data-slip]')].slice(0, 4)"
                            + ".map(b => b.dataset.slip)"
                            + ".forEach(id => document.querySelector("
                            + "`#events button[data-slip=\"${id}\"]`).click());");
            await().atMost(WAIT).until(() -> !prices(browser, "#slip-markets").isEmpty());
            awaitPriceChange(browser, "#slip-markets");

            // follow a query: football starting within two hours; markets join
            new Select(browser.findElement(By.id("follow-sport"))).selectByValue("football");
            browser.findElement(By.cssSelector("#follow-form button")).click();
            await().atMost(WAIT)
                    .until(
                            () ->
                                    !browser.findElements(By.cssSelector("#follow-log li.join"))
                                            .isEmpty());

            // the page as a person sees it (docs/odds-page.png is taken from here)
            Path shot = Path.of("target", "odds-page.png");
            Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
        } finally {
            browser.quit();
        }
    }

    // --- helpers --------------------------------------------------------------------------------

    /** Waits until a price shown under the container differs from what it showed at first. */
    private static void awaitPriceChange(ChromeDriver browser, String container) {
        Map<String, String> first = prices(browser, container);
        await().atMost(WAIT)
                .until(
                        () ->
                                prices(browser, container).entrySet().stream()
                                        .anyMatch(
                                                p ->
                                                        first.containsKey(p.getKey())
                                                                && !first.get(p.getKey())
                                                                        .equals(p.getValue())));
    }

    /**
     * The shown price of every selection under a container, by market and selection, read in one
     * script call: the page re-renders streaming markets faster than elements could be read one by
     * one.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, String> prices(ChromeDriver browser, String container) {
        List<List<String>> pairs =
                (List<List<String>>)
                        browser.executeScript(
                                "return [...document.querySelectorAll(arguments[0] + ' .price')]"
                                        + ".map(p => [p.dataset.market + '/' + p.dataset.selection,"
                                        + " p.textContent]);",
                                container);
        Map<String, String> prices = new HashMap<>();
        pairs.forEach(p -> prices.put(p.get(0), p.get(1)));
        return prices;
    }

    /** Markets of a sport with prices, in-play ones first (the generator's hottest). */
    private static List<String> pricedMarkets(String sport, int n) throws Exception {
        JsonNode view = get("/api/markets?sport=" + sport);
        List<JsonNode> all = new ArrayList<>();
        view.get("markets").forEach(all::add);
        return all.stream()
                .filter(m -> m.get("status").asText().equals("OPEN"))
                .filter(
                        m ->
                                StreamSupport.stream(m.get("selections").spliterator(), false)
                                        .anyMatch(s -> !s.path("price").isNull()))
                .sorted(
                        (a, b) ->
                                Boolean.compare(
                                        b.path("event").path("inPlay").asBoolean(),
                                        a.path("event").path("inPlay").asBoolean()))
                .limit(n)
                .map(m -> m.get("marketId").asText())
                .toList();
    }

    /** What a client holds after applying the messages: market → {version, status, prices}. */
    private static Map<String, ObjectNode> apply(List<JsonNode> messages) {
        Map<String, ObjectNode> held = new HashMap<>();
        for (JsonNode m : messages) {
            String id = m.path("marketId").asText();
            switch (m.path("type").asText()) {
                case "snapshot" -> held.put(id, summary(m.get("market")));
                case "delta" -> {
                    ObjectNode h = held.get(id);
                    if (h == null) {
                        throw new AssertionError("a delta before any snapshot: " + m);
                    }
                    JsonNode c = m.get("changes");
                    h.put("version", m.get("version").asLong());
                    if (c.has("status")) {
                        h.put("status", c.get("status").asText());
                    }
                    for (JsonNode s : c.path("selections")) {
                        ((ObjectNode) h.get("prices")).set(s.get("id").asText(), s.get("price"));
                    }
                }
                case "removed" -> held.remove(id);
                default -> {}
            }
        }
        return held;
    }

    /** The job's state of the markets, from its mirror. */
    private static Map<String, ObjectNode> mirror(List<String> markets) throws Exception {
        Map<String, ObjectNode> state = new HashMap<>();
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            for (String id : markets) {
                String value = jedis.get("market:" + id);
                if (value != null) {
                    state.put(id, summary(JSON.readTree(value)));
                }
            }
        }
        return state;
    }

    private static ObjectNode summary(JsonNode market) {
        ObjectNode s = JSON.createObjectNode();
        s.put("version", market.get("version").asLong());
        s.put("status", market.get("status").asText());
        ObjectNode prices = s.putObject("prices");
        market.get("selections")
                .forEach(sel -> prices.set(sel.get("id").asText(), sel.get("price")));
        return s;
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static JsonNode post(String path, String body, String token) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }
}

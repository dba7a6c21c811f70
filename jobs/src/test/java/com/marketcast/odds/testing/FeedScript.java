package com.marketcast.odds.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A deterministic feed for tests: random-walk price updates and occasional suspensions over a set
 * of markets, as PROTOCOL section 1 JSON, plus the final state computed independently of the job
 * (the last status and price per selection, in seq order).
 */
public final class FeedScript {
    /** One record to produce: key and value. */
    public static final class Record {
        public final String marketId;
        public final String json;

        public Record(String marketId, String json) {
            this.marketId = marketId;
            this.json = json;
        }
    }

    private static final String[] SELECTIONS = {"home", "draw", "away"};

    private final Random random;
    private final boolean statusChanges;
    private final Map<String, Long> seq = new LinkedHashMap<>();
    private final Map<String, HeldMarket> expected = new LinkedHashMap<>();

    public FeedScript(long seed) {
        this(seed, true);
    }

    /** Without status changes: prices only, for tests where another source sets the status. */
    public static FeedScript pricesOnly(long seed) {
        return new FeedScript(seed, false);
    }

    private FeedScript(long seed, boolean statusChanges) {
        this.random = new Random(seed);
        this.statusChanges = statusChanges;
    }

    /** {@code perMarket} updates for each market, interleaved at random. */
    public List<Record> updates(List<String> markets, int perMarket) {
        List<Record> records = new ArrayList<>();
        Map<String, Integer> left = new LinkedHashMap<>();
        markets.forEach(m -> left.put(m, perMarket));
        while (!left.isEmpty()) {
            List<String> open = new ArrayList<>(left.keySet());
            String market = open.get(random.nextInt(open.size()));
            records.add(next(market));
            left.computeIfPresent(market, (m, n) -> n == 1 ? null : n - 1);
        }
        return records;
    }

    /** The next update of one market. */
    public Record next(String market) {
        long s = seq.merge(market, 1L, Long::sum);
        HeldMarket state = expected.computeIfAbsent(market, m -> new HeldMarket("OPEN", Map.of()));
        StringBuilder json = new StringBuilder();
        json.append("{\"marketId\":\"")
                .append(market)
                .append("\",\"eventId\":\"e-")
                .append(market)
                .append("\",\"seq\":")
                .append(s)
                .append(",\"ts\":")
                .append(System.currentTimeMillis());
        if (statusChanges && s > 1 && random.nextInt(10) == 0) {
            String status = "OPEN".equals(state.status) ? "SUSPENDED" : "OPEN";
            state.status = status;
            json.append(",\"status\":\"").append(status).append('"');
        }
        json.append(",\"selections\":[");
        int from = s == 1 ? 0 : random.nextInt(SELECTIONS.length);
        int to = s == 1 ? SELECTIONS.length : from + 1;
        for (int i = from; i < to; i++) {
            double old = state.prices.getOrDefault(SELECTIONS[i], 2.0 + i);
            double price =
                    Math.max(
                            1.01,
                            Math.round((old + (random.nextDouble() - 0.5) * 0.2) * 100) / 100.0);
            state.prices.put(SELECTIONS[i], price);
            if (i > from) {
                json.append(',');
            }
            json.append(
                    String.format(
                            Locale.ROOT, "{\"id\":\"%s\",\"price\":%.2f}", SELECTIONS[i], price));
        }
        json.append("]}");
        return new Record(market, json.toString());
    }

    /** The state every market must end in. */
    public Map<String, HeldMarket> expected() {
        Map<String, HeldMarket> copy = new LinkedHashMap<>();
        expected.forEach((market, state) -> copy.put(market, state.copy()));
        return copy;
    }
}

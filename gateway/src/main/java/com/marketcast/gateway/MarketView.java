package com.marketcast.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The REST market view ({@code GET /api/markets}): the job's {@code market:{id}} mirror read with
 * SCAN and MGET, filtered by the event's sport, competition or id.
 *
 * <p>{@code asOf} is the gateway's clock when the scan started: every change after it reaches a
 * channel that begins with {@code since = asOf} as a snapshot, and every change before it is in the
 * view (the mirror is written before the pub-sub messages of the same change), so the page's first
 * load and the stream meet without a hole. The gateway and the job must share a clock (NTP).
 */
final class MarketView {
    private static final String KEY_PREFIX = "market:";
    private static final int SCAN_COUNT = 1000;

    /** A view's filter; null fields match anything. */
    record Filter(String sport, String competition, String eventId) {
        boolean matches(JsonNode market) {
            JsonNode event = market.path("event");
            return (sport == null || sport.equals(event.path("sport").asText(null)))
                    && (competition == null
                            || competition.equals(event.path("competition").asText(null)))
                    && (eventId == null || eventId.equals(event.path("eventId").asText(null)));
        }
    }

    private final UnifiedJedis redis;
    private final ObjectMapper json;
    private final LongSupplier clock;

    MarketView(UnifiedJedis redis, ObjectMapper json, LongSupplier clock) {
        this.redis = redis;
        this.json = json;
        this.clock = clock;
    }

    /** {@code {"asOf":..., "markets":[...]}}, ordered by start time, event and market id. */
    ObjectNode view(Filter filter) {
        long asOf = clock.getAsLong();
        List<JsonNode> markets = new ArrayList<>();
        ScanParams params = new ScanParams().match(KEY_PREFIX + "*").count(SCAN_COUNT);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, params);
            List<String> keys = page.getResult();
            if (!keys.isEmpty()) {
                for (String value : redis.mget(keys.toArray(String[]::new))) {
                    JsonNode market = parse(value);
                    if (market != null && filter.matches(market)) {
                        markets.add(market);
                    }
                }
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        markets.sort(
                Comparator.comparingLong(
                                (JsonNode m) -> m.path("event").path("startTime").asLong(0))
                        .thenComparing(m -> m.path("event").path("eventId").asText(""))
                        .thenComparing(m -> m.path("marketId").asText("")));
        ObjectNode result = json.createObjectNode();
        result.put("asOf", asOf);
        ArrayNode list = result.putArray("markets");
        markets.forEach(list::add);
        return result;
    }

    private JsonNode parse(String value) {
        if (value == null) {
            return null; // released between SCAN and MGET
        }
        try {
            JsonNode market = json.readTree(value);
            return market.isObject() ? market : null;
        } catch (IOException notJson) {
            return null;
        }
    }
}

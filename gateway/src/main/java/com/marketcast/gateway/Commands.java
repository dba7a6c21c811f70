package com.marketcast.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the bodies of the control calls into the commands of PROTOCOL section 2, checking them on
 * the way: what the job would dead-letter is refused here with a 400 that says why, so a client
 * learns of its mistake at once instead of never seeing its markets.
 */
final class Commands {
    static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    static final int MAX_MARKETS = 10_000;
    static final long MAX_THROTTLE_MS = 3_600_000L;
    static final int MAX_QUERY_MINUTES = 10_080;
    private static final Set<String> ODDS_FORMATS = Set.of("DECIMAL", "FRACTIONAL", "AMERICAN");
    private static final Map<String, String> QUERY_CLAUSES =
            Map.of(
                    "sport", "text",
                    "competition", "text",
                    "eventId", "id",
                    "inPlay", "boolean",
                    "startsWithinMinutes", "minutes");

    private final ObjectMapper json;

    Commands(ObjectMapper json) {
        this.json = json;
    }

    /** {@code OPEN} with the view of a create (or view change) body. */
    ObjectNode open(String channelId, JsonNode body) {
        allowOnly(body, Set.of("oddsFormat", "throttleMs"));
        ObjectNode command = command("OPEN", channelId);
        JsonNode format = body.get("oddsFormat");
        if (format != null && !format.isNull()) {
            if (!format.isTextual() || !ODDS_FORMATS.contains(format.asText())) {
                throw ApiException.badRequest(
                        "oddsFormat must be one of DECIMAL, FRACTIONAL, AMERICAN");
            }
            command.put("oddsFormat", format.asText());
        }
        JsonNode throttle = body.get("throttleMs");
        if (throttle != null && !throttle.isNull()) {
            if (!throttle.canConvertToLong()
                    || !throttle.isIntegralNumber()
                    || throttle.asLong() < 0
                    || throttle.asLong() > MAX_THROTTLE_MS) {
                throw ApiException.badRequest(
                        "throttleMs must be a whole number from 0 to " + MAX_THROTTLE_MS);
            }
            command.put("throttleMs", throttle.asLong());
        }
        return command;
    }

    /** {@code SUBSCRIBE} of {@code {markets}} or {@code {queryId, query}}. */
    ObjectNode subscribe(String channelId, JsonNode body) {
        allowOnly(body, Set.of("markets", "queryId", "query"));
        ObjectNode command = command("SUBSCRIBE", channelId);
        if (body.has("markets")) {
            if (body.has("queryId") || body.has("query")) {
                throw ApiException.badRequest(
                        "give either markets or queryId with query, not both");
            }
            command.set("markets", markets(body.get("markets"), true));
        } else if (body.has("queryId")) {
            command.put("queryId", id(body.get("queryId"), "queryId"));
            command.set("query", query(body.get("query")));
        } else {
            throw ApiException.badRequest("give markets: [ids] or queryId and query");
        }
        return command;
    }

    /** {@code UNSUBSCRIBE} of {@code {markets}} or {@code {queryId}}. */
    ObjectNode unsubscribe(String channelId, JsonNode body) {
        allowOnly(body, Set.of("markets", "queryId"));
        ObjectNode command = command("UNSUBSCRIBE", channelId);
        if (body.has("markets") == body.has("queryId")) {
            throw ApiException.badRequest("give either markets: [ids] or queryId");
        }
        if (body.has("markets")) {
            command.set("markets", markets(body.get("markets"), true));
        } else {
            command.put("queryId", id(body.get("queryId"), "queryId"));
        }
        return command;
    }

    /** {@code BEGIN_STREAM} with optional {@code markets} and {@code since}. */
    ObjectNode begin(String channelId, JsonNode body) {
        allowOnly(body, Set.of("markets", "since"));
        ObjectNode command = command("BEGIN_STREAM", channelId);
        if (body.has("markets") && !body.get("markets").isNull()) {
            command.set("markets", markets(body.get("markets"), true));
        }
        JsonNode since = body.get("since");
        if (since != null && !since.isNull()) {
            if (!since.isIntegralNumber() || !since.canConvertToLong() || since.asLong() < 0) {
                throw ApiException.badRequest("since must be a time in epoch milliseconds");
            }
            command.put("since", since.asLong());
        }
        return command;
    }

    /** {@code BEGIN_STREAM} of some markets: the gateway's own resync of a gap. */
    ObjectNode resync(String channelId, List<String> marketIds) {
        ObjectNode command = command("BEGIN_STREAM", channelId);
        ArrayNode markets = command.putArray("markets");
        marketIds.forEach(markets::add);
        return command;
    }

    /** {@code BEGIN_STREAM} of every market of the channel. */
    ObjectNode beginAll(String channelId) {
        return command("BEGIN_STREAM", channelId);
    }

    ObjectNode heartbeat(String channelId) {
        return command("HEARTBEAT", channelId);
    }

    ObjectNode disconnect(String channelId) {
        return command("DISCONNECT", channelId);
    }

    private ObjectNode command(String type, String channelId) {
        ObjectNode command = json.createObjectNode();
        command.put("type", type);
        command.put("channelId", channelId);
        return command;
    }

    private static void allowOnly(JsonNode body, Set<String> fields) {
        if (!body.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!fields.contains(name)) {
                throw ApiException.badRequest(
                        "unknown field '" + name + "'; this call takes " + fields);
            }
        }
    }

    private ArrayNode markets(JsonNode markets, boolean required) {
        if (markets == null || !markets.isArray() || (required && markets.isEmpty())) {
            throw ApiException.badRequest("markets must be a non-empty array of market ids");
        }
        if (markets.size() > MAX_MARKETS) {
            throw ApiException.badRequest("at most " + MAX_MARKETS + " markets per call");
        }
        ArrayNode ids = json.createArrayNode();
        Set<String> seen = new HashSet<>();
        for (JsonNode market : markets) {
            String id = id(market, "markets[]");
            if (seen.add(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    private static String id(JsonNode value, String field) {
        if (value == null || !value.isTextual() || !ID.matcher(value.asText()).matches()) {
            throw ApiException.badRequest(
                    field + " must be an id of 1 to 128 characters of [A-Za-z0-9._:-]");
        }
        return value.asText();
    }

    private ObjectNode query(JsonNode query) {
        if (query == null || !query.isObject() || query.isEmpty()) {
            throw ApiException.badRequest(
                    "query must be an object with at least one of " + QUERY_CLAUSES.keySet());
        }
        ObjectNode copy = json.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = query.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> clause = it.next();
            String kind = QUERY_CLAUSES.get(clause.getKey());
            JsonNode value = clause.getValue();
            if (kind == null) {
                throw ApiException.badRequest(
                        "unknown query clause '"
                                + clause.getKey()
                                + "'; known: "
                                + QUERY_CLAUSES.keySet());
            }
            boolean valid =
                    switch (kind) {
                        case "text" ->
                                value.isTextual()
                                        && !value.asText().isEmpty()
                                        && value.asText().length() <= 256;
                        case "id" -> value.isTextual() && ID.matcher(value.asText()).matches();
                        case "boolean" -> value.isBoolean();
                        default ->
                                value.isIntegralNumber()
                                        && value.asLong() >= 1
                                        && value.asLong() <= MAX_QUERY_MINUTES;
                    };
            if (!valid) {
                throw ApiException.badRequest(
                        "query clause '"
                                + clause.getKey()
                                + "' must be "
                                + switch (kind) {
                                    case "text" -> "a string of 1 to 256 characters";
                                    case "id" -> "an id";
                                    case "boolean" -> "true or false";
                                    default -> "a whole number from 1 to " + MAX_QUERY_MINUTES;
                                });
            }
            copy.set(clause.getKey(), value);
        }
        return copy;
    }
}

package com.marketcast.odds.ingest;

import static com.marketcast.odds.ingest.JsonRecords.wrongType;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.marketcast.odds.model.Command;
import com.marketcast.odds.model.CommandType;
import com.marketcast.odds.model.MarketQuery;
import com.marketcast.odds.model.OddsFormat;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;

/**
 * Parses and validates a record of the {@code stream-commands} topic (PROTOCOL section 2).
 *
 * <p>Commands are few next to market updates, so the value is read into a Jackson tree (under the
 * same limits as the data topic): which fields matter depends on {@code type}, and {@code type} may
 * come last. Fields that belong to another command type, and unknown fields, are ignored without
 * being validated. An explicit {@code null} for an optional field means the field is absent.
 *
 * <p>SUBSCRIBE and UNSUBSCRIBE come in two forms: by list ({@code markets}) or by query ({@code
 * queryId}, and for SUBSCRIBE the {@code query}). A command giving both is rejected rather than
 * half applied. A query is strict: an unknown clause is rejected (a misspelt {@code "sports"} would
 * otherwise widen the query to every market), and so is a query without any clause. Repeated market
 * ids in one command are collapsed (first occurrence wins), since a subscription is a set.
 */
public final class CommandParser implements RecordParser<Command>, ResultTypeQueryable<Command> {
    private static final long serialVersionUID = 1L;

    /** Far more than a bet slip or a page; a bound on the state one command can create. */
    public static final int MAX_MARKETS = 10_000;

    /** One hour: a longer throttle would make a channel look dead. */
    public static final long MAX_THROTTLE_MS = 3_600_000L;

    /** One week: the longest look-ahead a {@code startsWithinMinutes} clause may ask for. */
    public static final int MAX_STARTS_WITHIN_MINUTES = 10_080;

    /** A bound on a sport or competition name (not ids: they may hold spaces). */
    static final int MAX_NAME_LENGTH = 256;

    private final int maxRecordBytes;

    /** Built once per parser instance (after deserialization), never per record. */
    private transient JsonFactory factory;

    private transient ObjectMapper mapper;

    public CommandParser(int maxRecordBytes) {
        if (maxRecordBytes <= 0) {
            throw new IllegalArgumentException(
                    "maxRecordBytes must be positive: " + maxRecordBytes);
        }
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public Command parse(RawRecord record) throws InvalidRecordException {
        JsonRecords.checkValue(record, maxRecordBytes);
        JsonNode root;
        JsonParser parser = null;
        try {
            if (mapper == null) {
                factory = JsonRecords.factory(maxRecordBytes);
                // Fractions as BigDecimal, zeros kept: a reason then echoes 42.0 as sent, not 42.
                mapper =
                        new ObjectMapper(factory)
                                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                                .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
            }
            parser = factory.createParser(record.value);
            JsonRecords.startObject(parser);
            root = mapper.readTree(parser);
            JsonRecords.expectEnd(parser);
        } catch (JsonProcessingException e) {
            throw JsonRecords.malformed(e);
        } catch (IOException e) {
            throw new InvalidRecordException("unreadable record value: " + e, e);
        } finally {
            if (parser != null) {
                JsonRecords.closeQuietly(parser);
            }
        }
        return command(root, record);
    }

    @Override
    public TypeInformation<Command> getProducedType() {
        return Types.POJO(Command.class);
    }

    private static Command command(JsonNode root, RawRecord record) throws InvalidRecordException {
        Command command = new Command();
        command.type = type(root.get("type"));
        command.channelId = id(root.get("channelId"), "channelId");
        JsonRecords.checkKey(record, "channelId", command.channelId);
        switch (command.type) {
            case OPEN:
                command.oddsFormat = oddsFormat(root.get("oddsFormat"));
                command.throttleMs = throttleMs(root.get("throttleMs"));
                break;
            case SUBSCRIBE:
            case UNSUBSCRIBE:
                boolean byQuery =
                        present(root.get("queryId"))
                                || (command.type == CommandType.SUBSCRIBE
                                        && present(root.get("query")));
                if (byQuery) {
                    if (present(root.get("markets"))) {
                        throw new InvalidRecordException(
                                command.type + " takes either markets or queryId, not both");
                    }
                    if (!present(root.get("queryId"))) {
                        throw new InvalidRecordException("queryId is required with query");
                    }
                    command.queryId = id(root.get("queryId"), "queryId");
                    if (command.type == CommandType.SUBSCRIBE) {
                        command.query = query(root.get("query"));
                    }
                    break;
                }
                JsonNode markets = root.get("markets");
                if (markets == null) {
                    throw new InvalidRecordException("markets is required for " + command.type);
                }
                command.markets = markets(markets);
                break;
            case BEGIN_STREAM:
                JsonNode subset = root.get("markets");
                command.markets = present(subset) ? markets(subset) : null;
                command.since = since(root.get("since"));
                break;
            case HEARTBEAT:
            case DISCONNECT:
                break;
        }
        command.recordTime = record.timestamp;
        return command;
    }

    private static CommandType type(JsonNode node) throws InvalidRecordException {
        if (node == null) {
            throw new InvalidRecordException("type is required");
        }
        if (!node.isTextual()) {
            throw wrongType("type", "a string", node);
        }
        switch (node.textValue()) {
            case "OPEN":
                return CommandType.OPEN;
            case "SUBSCRIBE":
                return CommandType.SUBSCRIBE;
            case "BEGIN_STREAM":
                return CommandType.BEGIN_STREAM;
            case "UNSUBSCRIBE":
                return CommandType.UNSUBSCRIBE;
            case "HEARTBEAT":
                return CommandType.HEARTBEAT;
            case "DISCONNECT":
                return CommandType.DISCONNECT;
            default:
                throw new InvalidRecordException(
                        "unknown command type " + JsonRecords.echo(node.textValue()));
        }
    }

    private static String id(JsonNode node, String field) throws InvalidRecordException {
        if (node == null) {
            throw new InvalidRecordException(field + " is required");
        }
        if (!node.isTextual()) {
            throw wrongType(field, "a string", node);
        }
        String id = node.textValue();
        if (!JsonRecords.isId(id)) {
            throw JsonRecords.notAnId(field, id);
        }
        return id;
    }

    private static OddsFormat oddsFormat(JsonNode node) throws InvalidRecordException {
        if (!present(node)) {
            return null;
        }
        if (!node.isTextual()) {
            throw wrongType("oddsFormat", "a string", node);
        }
        switch (node.textValue()) {
            case "DECIMAL":
                return OddsFormat.DECIMAL;
            case "FRACTIONAL":
                return OddsFormat.FRACTIONAL;
            case "AMERICAN":
                return OddsFormat.AMERICAN;
            default:
                throw new InvalidRecordException(
                        "oddsFormat must be one of DECIMAL, FRACTIONAL, AMERICAN, not "
                                + JsonRecords.echo(node.textValue()));
        }
    }

    private static long throttleMs(JsonNode node) throws InvalidRecordException {
        if (!present(node)) {
            return 0;
        }
        long throttle = integer(node, "throttleMs");
        if (throttle < 0 || throttle > MAX_THROTTLE_MS) {
            throw new InvalidRecordException(
                    "throttleMs must be between 0 and " + MAX_THROTTLE_MS + ", not " + throttle);
        }
        return throttle;
    }

    private static Long since(JsonNode node) throws InvalidRecordException {
        if (!present(node)) {
            return null;
        }
        long since = integer(node, "since");
        if (since < 0) {
            throw new InvalidRecordException("since must be at least 0, not " + since);
        }
        return since;
    }

    /** As for market updates: {@code "42"}, {@code 4.2} and {@code 42.0} are all rejected. */
    private static long integer(JsonNode node, String field) throws InvalidRecordException {
        if (!node.isNumber()) {
            throw wrongType(field, "a number", node);
        }
        if (!node.isIntegralNumber()) {
            throw new InvalidRecordException(
                    field + " must be an integer, not " + JsonRecords.echoNumber(node.asText()));
        }
        if (!node.canConvertToLong()) {
            throw new InvalidRecordException(
                    field
                            + " is out of range (more than 64 bits): "
                            + JsonRecords.echoNumber(node.asText()));
        }
        return node.longValue();
    }

    private static String[] markets(JsonNode node) throws InvalidRecordException {
        if (!node.isArray()) {
            throw wrongType("markets", "an array", node);
        }
        if (node.isEmpty()) {
            throw new InvalidRecordException("markets must not be empty");
        }
        if (node.size() > MAX_MARKETS) {
            throw new InvalidRecordException(
                    "markets has " + node.size() + " entries, more than " + MAX_MARKETS);
        }
        Set<String> markets = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            markets.add(id(node.get(i), "markets[" + i + "]"));
        }
        return markets.toArray(new String[0]);
    }

    private static MarketQuery query(JsonNode node) throws InvalidRecordException {
        if (!present(node)) {
            throw new InvalidRecordException("query is required with queryId");
        }
        if (!node.isObject()) {
            throw wrongType("query", "an object", node);
        }
        MarketQuery query = new MarketQuery();
        int clauses = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> clause = it.next();
            JsonNode value = clause.getValue();
            String field = "query." + clause.getKey();
            switch (clause.getKey()) {
                case "sport":
                    query.sport = present(value) ? name(value, field) : null;
                    break;
                case "competition":
                    query.competition = present(value) ? name(value, field) : null;
                    break;
                case "eventId":
                    query.eventId = present(value) ? id(value, field) : null;
                    break;
                case "inPlay":
                    if (present(value) && !value.isBoolean()) {
                        throw wrongType(field, "a boolean", value);
                    }
                    query.inPlay = present(value) ? value.booleanValue() : null;
                    break;
                case "startsWithinMinutes":
                    query.startsWithinMinutes = present(value) ? minutes(value, field) : null;
                    break;
                default:
                    throw new InvalidRecordException(
                            "query has an unknown clause "
                                    + JsonRecords.echo(clause.getKey())
                                    + "; known: sport, competition, eventId, inPlay,"
                                    + " startsWithinMinutes");
            }
            clauses += present(value) ? 1 : 0;
        }
        if (clauses == 0) {
            throw new InvalidRecordException("query must have at least one clause");
        }
        return query;
    }

    private static String name(JsonNode node, String field) throws InvalidRecordException {
        if (!node.isTextual()) {
            throw wrongType(field, "a string", node);
        }
        String name = node.textValue();
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new InvalidRecordException(
                    field + " must be 1 to " + MAX_NAME_LENGTH + " characters");
        }
        return name;
    }

    private static int minutes(JsonNode node, String field) throws InvalidRecordException {
        long minutes = integer(node, field);
        if (minutes < 1 || minutes > MAX_STARTS_WITHIN_MINUTES) {
            throw new InvalidRecordException(
                    field
                            + " must be between 1 and "
                            + MAX_STARTS_WITHIN_MINUTES
                            + ", not "
                            + minutes);
        }
        return (int) minutes;
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull();
    }
}

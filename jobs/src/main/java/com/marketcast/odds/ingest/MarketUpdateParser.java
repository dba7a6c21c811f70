package com.marketcast.odds.ingest;

import static com.marketcast.odds.ingest.JsonRecords.wrongType;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.marketcast.odds.model.MarketStatus;
import com.marketcast.odds.model.MarketUpdate;
import com.marketcast.odds.model.SelectionPrice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;

/**
 * Parses and validates a record of the {@code market-updates} topic (PROTOCOL section 1).
 *
 * <p>This is the job's hottest path, so it reads the value with Jackson's streaming parser straight
 * into a {@link MarketUpdate}: no tree, no reflection, no regex, and reason strings are only built
 * when a record is rejected. The first rule a record breaks is the reason it is rejected for.
 *
 * <p>Unknown fields are skipped so producers can add fields before the job knows them; skipping is
 * iterative in Jackson and nesting is capped at {@value JsonRecords#MAX_NESTING_DEPTH} levels
 * anyway. An explicit {@code null} for an optional field means the field is absent.
 */
public final class MarketUpdateParser
        implements RecordParser<MarketUpdate>, ResultTypeQueryable<MarketUpdate> {
    private static final long serialVersionUID = 1L;

    /** More selections than any real market has; a bound on the work one record can cause. */
    public static final int MAX_SELECTIONS = 64;

    private final int maxRecordBytes;

    /** Thread-safe and costly to build, so one per parser; rebuilt after deserialization. */
    private transient JsonFactory factory;

    public MarketUpdateParser(int maxRecordBytes) {
        if (maxRecordBytes <= 0) {
            throw new IllegalArgumentException(
                    "maxRecordBytes must be positive: " + maxRecordBytes);
        }
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public MarketUpdate parse(RawRecord record) throws InvalidRecordException {
        JsonRecords.checkValue(record, maxRecordBytes);
        JsonParser parser = null;
        try {
            parser = factory().createParser(record.value);
            JsonRecords.startObject(parser);
            MarketUpdate update = readFields(parser, record);
            JsonRecords.expectEnd(parser);
            return update;
        } catch (JsonProcessingException e) {
            throw JsonRecords.malformed(e);
        } catch (IOException e) {
            // Reading a byte array does no I/O; kept for completeness of the contract.
            throw new InvalidRecordException("unreadable record value: " + e, e);
        } finally {
            if (parser != null) {
                JsonRecords.closeQuietly(parser);
            }
        }
    }

    @Override
    public TypeInformation<MarketUpdate> getProducedType() {
        return Types.POJO(MarketUpdate.class);
    }

    private JsonFactory factory() {
        if (factory == null) {
            factory = JsonRecords.factory(maxRecordBytes);
        }
        return factory;
    }

    private static MarketUpdate readFields(JsonParser parser, RawRecord record)
            throws IOException, InvalidRecordException {
        MarketUpdate update = new MarketUpdate();
        boolean hasSeq = false;
        boolean hasTs = false;
        String name;
        // nextFieldName() is null at the object's end; duplicates were already rejected by Jackson.
        while ((name = parser.nextFieldName()) != null) {
            JsonToken value = parser.nextToken();
            switch (name) {
                case "marketId":
                    update.marketId = id(parser, value, "marketId");
                    break;
                case "eventId":
                    update.eventId =
                            value == JsonToken.VALUE_NULL ? null : id(parser, value, "eventId");
                    break;
                case "seq":
                    update.seq = integer(parser, value, "seq");
                    if (update.seq < 0) {
                        throw new InvalidRecordException(
                                "seq must be at least 0, not " + update.seq);
                    }
                    hasSeq = true;
                    break;
                case "ts":
                    if (value != JsonToken.VALUE_NULL) {
                        update.ts = integer(parser, value, "ts");
                        hasTs = true;
                    }
                    break;
                case "status":
                    update.status = value == JsonToken.VALUE_NULL ? null : status(parser, value);
                    break;
                case "selections":
                    if (value != JsonToken.VALUE_NULL) {
                        update.selections = selections(parser, value);
                    }
                    break;
                default:
                    parser.skipChildren();
            }
        }
        if (update.marketId == null) {
            throw new InvalidRecordException("marketId is required");
        }
        if (!hasSeq) {
            throw new InvalidRecordException("seq is required");
        }
        JsonRecords.checkKey(record, "marketId", update.marketId);
        if (!hasTs) {
            update.ts = record.timestamp;
        }
        update.recordTime = record.timestamp;
        return update;
    }

    private static String id(JsonParser parser, JsonToken token, String field)
            throws IOException, InvalidRecordException {
        if (token != JsonToken.VALUE_STRING) {
            throw wrongType(field, "a string", token);
        }
        String id = parser.getText();
        if (!JsonRecords.isId(id)) {
            throw JsonRecords.notAnId(field, id);
        }
        return id;
    }

    /**
     * An integral JSON number that fits a long. A string ({@code "42"}) or a fraction ({@code 4.2},
     * also {@code 42.0}) is rejected rather than coerced: a feed that sends those has a bug the
     * dead-letter topic should show.
     */
    private static long integer(JsonParser parser, JsonToken token, String field)
            throws IOException, InvalidRecordException {
        if (token == JsonToken.VALUE_NUMBER_FLOAT) {
            throw new InvalidRecordException(
                    field + " must be an integer, not " + JsonRecords.echoNumber(parser.getText()));
        }
        if (token != JsonToken.VALUE_NUMBER_INT) {
            throw wrongType(field, "a number", token);
        }
        if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new InvalidRecordException(
                    field
                            + " is out of range (more than 64 bits): "
                            + JsonRecords.echoNumber(parser.getText()));
        }
        return parser.getLongValue();
    }

    private static MarketStatus status(JsonParser parser, JsonToken token)
            throws IOException, InvalidRecordException {
        if (token != JsonToken.VALUE_STRING) {
            throw wrongType("status", "a string", token);
        }
        String text = parser.getText();
        switch (text) {
            case "OPEN":
                return MarketStatus.OPEN;
            case "SUSPENDED":
                return MarketStatus.SUSPENDED;
            case "CLOSED":
                return MarketStatus.CLOSED;
            default:
                throw new InvalidRecordException(
                        "status must be one of OPEN, SUSPENDED, CLOSED, not "
                                + JsonRecords.echo(text));
        }
    }

    private static SelectionPrice[] selections(JsonParser parser, JsonToken token)
            throws IOException, InvalidRecordException {
        if (token != JsonToken.START_ARRAY) {
            throw wrongType("selections", "an array", token);
        }
        List<SelectionPrice> selections = new ArrayList<>(4);
        JsonToken element;
        // Never null inside an array: Jackson reports a missing ']' as malformed.
        while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
            int index = selections.size();
            if (index == MAX_SELECTIONS) {
                throw new InvalidRecordException(
                        "selections has more than " + MAX_SELECTIONS + " entries");
            }
            if (element != JsonToken.START_OBJECT) {
                throw wrongType(at(index, null), "an object", element);
            }
            SelectionPrice selection = selection(parser, index);
            // At most 64 entries: a linear scan beats hashing and allocates nothing.
            for (SelectionPrice earlier : selections) {
                if (earlier.id.equals(selection.id)) {
                    throw new InvalidRecordException(
                            at(index, "id")
                                    + " "
                                    + JsonRecords.echo(selection.id)
                                    + " is a duplicate: selections must have distinct ids");
                }
            }
            selections.add(selection);
        }
        return selections.toArray(new SelectionPrice[0]);
    }

    private static SelectionPrice selection(JsonParser parser, int index)
            throws IOException, InvalidRecordException {
        String id = null;
        double price = 0;
        boolean hasPrice = false;
        String name;
        while ((name = parser.nextFieldName()) != null) {
            JsonToken value = parser.nextToken();
            switch (name) {
                case "id":
                    if (value != JsonToken.VALUE_STRING) {
                        throw wrongType(at(index, "id"), "a string", value);
                    }
                    id = parser.getText();
                    if (!JsonRecords.isId(id)) {
                        throw JsonRecords.notAnId(at(index, "id"), id);
                    }
                    break;
                case "price":
                    price = price(parser, value, index);
                    hasPrice = true;
                    break;
                default:
                    parser.skipChildren();
            }
        }
        if (id == null) {
            throw new InvalidRecordException(at(index, "id") + " is required");
        }
        if (!hasPrice) {
            throw new InvalidRecordException(at(index, "price") + " is required");
        }
        return new SelectionPrice(id, price);
    }

    /** Decimal odds: a stake returns {@code price} times itself, so 1.0 or less is no bet. */
    private static double price(JsonParser parser, JsonToken token, int index)
            throws IOException, InvalidRecordException {
        if (token != JsonToken.VALUE_NUMBER_FLOAT && token != JsonToken.VALUE_NUMBER_INT) {
            throw wrongType(at(index, "price"), "a number", token);
        }
        double price = parser.getDoubleValue();
        if (!Double.isFinite(price)) {
            // 1e999 is valid JSON but overflows a double.
            throw new InvalidRecordException(
                    at(index, "price")
                            + " must be a finite number, not "
                            + JsonRecords.echoNumber(parser.getText()));
        }
        if (!(price > 1.0)) {
            throw new InvalidRecordException(
                    at(index, "price")
                            + " must be greater than 1.0, not "
                            + JsonRecords.echoNumber(parser.getText()));
        }
        return price;
    }

    /** The field's path for a reason; built only when a record is rejected. */
    private static String at(int index, String field) {
        return "selections[" + index + "]" + (field == null ? "" : "." + field);
    }
}

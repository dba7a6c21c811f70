package com.marketcast.odds.publish;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.marketcast.odds.catalog.EventRow;
import com.marketcast.odds.markets.MarketState;
import com.marketcast.odds.markets.Selection;
import com.marketcast.odds.model.MarketStatus;
import com.marketcast.odds.model.OddsFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Writes the messages of a {@code stream:{channelId}} channel and the {@code market:{id}} mirror
 * (PROTOCOL section 3) as UTF-8 JSON.
 *
 * <p>Nothing channel-specific goes into a message, so the reducer writes each change once per odds
 * format and publishes the same bytes to every channel of that format. Jackson's streaming
 * generator over one reused buffer keeps this to a single allocation per message. Every update
 * writes the mirror and a delta, so the fixed names and statuses are encoded once ({@link
 * SerializedString}) and prices are written from their hundredths ({@link PriceText}): both were
 * most of the reducer's JSON time (BENCHMARKS.md). Not thread-safe: one instance per operator
 * instance.
 */
public final class StreamMessages {
    private static final SerializableString TYPE = name("type");
    private static final SerializableString MARKET_ID = name("marketId");
    private static final SerializableString EPOCH = name("epoch");
    private static final SerializableString VERSION = name("version");
    private static final SerializableString TS = name("ts");
    private static final SerializableString PREV = name("prev");
    private static final SerializableString MARKET = name("market");
    private static final SerializableString CHANGES = name("changes");
    private static final SerializableString STATUS = name("status");
    private static final SerializableString NAME = name("name");
    private static final SerializableString EVENT = name("event");
    private static final SerializableString SELECTIONS = name("selections");
    private static final SerializableString REASON = name("reason");
    private static final SerializableString UPDATED_AT = name("updatedAt");
    private static final SerializableString EVENT_ID = name("eventId");
    private static final SerializableString SPORT = name("sport");
    private static final SerializableString COMPETITION = name("competition");
    private static final SerializableString START_TIME = name("startTime");
    private static final SerializableString IN_PLAY = name("inPlay");
    private static final SerializableString ID = name("id");
    private static final SerializableString PRICE = name("price");
    private static final SerializableString DISPLAY = name("display");

    private static final SerializableString SNAPSHOT = name("snapshot");
    private static final SerializableString DELTA = name("delta");
    private static final SerializableString CURRENT = name("current");
    private static final SerializableString REMOVED = name("removed");

    /** The status values, by ordinal: every mirror writes one. */
    private static final SerializableString[] STATUSES =
            Arrays.stream(MarketStatus.values())
                    .map(status -> name(status.name()))
                    .toArray(SerializableString[]::new);

    private final JsonFactory factory =
            JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    private final ByteArrayBuilder buffer = new ByteArrayBuilder(512);
    private final PriceText prices = new PriceText();

    /** {@code {"type":"snapshot",...,"market":{...}}} in the channel's format. */
    public byte[] snapshot(MarketState market, OddsFormat format, long ts) {
        try (JsonGenerator json = start(SNAPSHOT)) {
            header(json, market);
            number(json, TS, ts);
            json.writeFieldName(MARKET);
            marketObject(json, market, format);
            json.writeEndObject();
            return finish(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code {"type":"delta",...}} carrying what changed after {@code prev}: every selection and
     * the status changed since then. For an unthrottled channel {@code prev} is {@code version -
     * 1}; a throttled one gets all the changes it was not sent, merged.
     */
    public byte[] delta(MarketState market, OddsFormat format, long prev, long ts) {
        try (JsonGenerator json = start(DELTA)) {
            header(json, market);
            number(json, PREV, prev);
            number(json, TS, ts);
            json.writeFieldName(CHANGES);
            json.writeStartObject();
            if (market.statusVersion > prev) {
                status(json, market.status);
            }
            if (market.infoVersion > prev) {
                string(json, NAME, market.name);
                string(json, TYPE, market.type);
            }
            if (market.eventVersion > prev) {
                json.writeFieldName(EVENT);
                eventObject(json, market);
            }
            boolean any = false;
            for (Selection selection : market.selections) {
                if (selection.version > prev) {
                    if (!any) {
                        json.writeFieldName(SELECTIONS);
                        json.writeStartArray();
                        any = true;
                    }
                    selectionObject(json, selection, format);
                }
            }
            if (any) {
                json.writeEndArray();
            }
            json.writeEndObject();
            json.writeEndObject();
            return finish(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {"type":"current",...}}: the subscriber's view as of {@code since} is still right. */
    public byte[] current(MarketState market) {
        try (JsonGenerator json = start(CURRENT)) {
            header(json, market);
            json.writeEndObject();
            return finish(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {"type":"removed",...}}: the market left the channel. */
    public byte[] removed(String marketId, long epoch, long version, RemovalReason reason) {
        try (JsonGenerator json = start(REMOVED)) {
            string(json, MARKET_ID, marketId);
            number(json, EPOCH, epoch);
            number(json, VERSION, version);
            string(json, REASON, reason.name());
            json.writeEndObject();
            return finish(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code market:{id}} mirror value: the market object with DECIMAL display. */
    public byte[] mirror(MarketState market) {
        buffer.reset();
        try (JsonGenerator json = factory.createGenerator(buffer, JsonEncoding.UTF8)) {
            marketObject(json, market, OddsFormat.DECIMAL);
            return finish(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonGenerator start(SerializableString type) throws IOException {
        buffer.reset(); // drops what a failed write may have left
        JsonGenerator json = factory.createGenerator(buffer, JsonEncoding.UTF8);
        json.writeStartObject();
        json.writeFieldName(TYPE);
        json.writeString(type);
        return json;
    }

    private byte[] finish(JsonGenerator json) throws IOException {
        json.flush();
        byte[] bytes = buffer.toByteArray();
        buffer.reset();
        return bytes;
    }

    private static void header(JsonGenerator json, MarketState market) throws IOException {
        string(json, MARKET_ID, market.marketId);
        number(json, EPOCH, market.epoch);
        number(json, VERSION, market.version);
    }

    /**
     * The enriched market object. Catalog fields (names, type, event details) are null until the
     * catalog provides them; {@code event.eventId} may come from the feed before that.
     */
    private void marketObject(JsonGenerator json, MarketState market, OddsFormat format)
            throws IOException {
        json.writeStartObject();
        string(json, MARKET_ID, market.marketId);
        string(json, NAME, market.name);
        string(json, TYPE, market.type);
        status(json, market.status);
        number(json, VERSION, market.version);
        number(json, UPDATED_AT, market.updatedAt);
        json.writeFieldName(EVENT);
        eventObject(json, market);
        json.writeFieldName(SELECTIONS);
        json.writeStartArray();
        for (Selection selection : market.selections) {
            selectionObject(json, selection, format);
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void eventObject(JsonGenerator json, MarketState market) throws IOException {
        EventRow event = market.event;
        json.writeStartObject();
        string(json, EVENT_ID, market.eventId);
        if (event == null) {
            string(json, NAME, null);
            string(json, SPORT, null);
            string(json, COMPETITION, null);
            string(json, START_TIME, null);
            string(json, IN_PLAY, null);
        } else {
            string(json, NAME, event.name);
            string(json, SPORT, event.sport);
            string(json, COMPETITION, event.competition);
            number(json, START_TIME, event.startTime);
            json.writeFieldName(IN_PLAY);
            json.writeBoolean(event.inPlay);
        }
        json.writeEndObject();
    }

    /** A selection; its price and display are null until the feed prices it. */
    private void selectionObject(JsonGenerator json, Selection selection, OddsFormat format)
            throws IOException {
        json.writeStartObject();
        string(json, ID, selection.id);
        string(json, NAME, selection.name);
        if (Double.isNaN(selection.price)) {
            string(json, PRICE, null);
            string(json, DISPLAY, null);
        } else {
            json.writeFieldName(PRICE);
            prices.price(json, selection.price);
            json.writeFieldName(DISPLAY);
            prices.display(json, selection.price, format);
        }
        json.writeEndObject();
    }

    /** A string field, {@code null} when the value is. */
    private static void string(JsonGenerator json, SerializableString field, String value)
            throws IOException {
        json.writeFieldName(field);
        if (value == null) {
            json.writeNull();
        } else {
            json.writeString(value);
        }
    }

    private static void status(JsonGenerator json, MarketStatus status) throws IOException {
        json.writeFieldName(STATUS);
        json.writeString(STATUSES[status.ordinal()]);
    }

    private static void number(JsonGenerator json, SerializableString field, long value)
            throws IOException {
        json.writeFieldName(field);
        json.writeNumber(value);
    }

    private static SerializableString name(String text) {
        return new SerializedString(text);
    }
}

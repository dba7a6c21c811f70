package com.marketcast.odds.publish;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.marketcast.odds.catalog.EventRow;
import com.marketcast.odds.markets.MarketState;
import com.marketcast.odds.markets.Selection;
import com.marketcast.odds.model.OddsFormat;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes the messages of a {@code stream:{channelId}} channel and the {@code market:{id}} mirror
 * (PROTOCOL section 3) as UTF-8 JSON.
 *
 * <p>Nothing channel-specific goes into a message, so the reducer writes each change once per odds
 * format and publishes the same bytes to every channel of that format. Jackson's streaming
 * generator over one reused buffer keeps this to a single allocation per message. Not thread-safe:
 * one instance per operator instance.
 */
public final class StreamMessages {
    private final JsonFactory factory = new JsonFactory();
    private final ByteArrayBuilder buffer = new ByteArrayBuilder(512);

    /** {@code {"type":"snapshot",...,"market":{...}}} in the channel's format. */
    public byte[] snapshot(MarketState market, OddsFormat format, long ts) {
        try (JsonGenerator json = start()) {
            json.writeStringField("type", "snapshot");
            header(json, market);
            json.writeNumberField("ts", ts);
            json.writeFieldName("market");
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
        try (JsonGenerator json = start()) {
            json.writeStringField("type", "delta");
            header(json, market);
            json.writeNumberField("prev", prev);
            json.writeNumberField("ts", ts);
            json.writeObjectFieldStart("changes");
            if (market.statusVersion > prev) {
                json.writeStringField("status", market.status.name());
            }
            if (market.infoVersion > prev) {
                nullableString(json, "name", market.name);
                nullableString(json, "type", market.type);
            }
            if (market.eventVersion > prev) {
                json.writeFieldName("event");
                eventObject(json, market);
            }
            boolean any = false;
            for (Selection selection : market.selections) {
                if (selection.version > prev) {
                    if (!any) {
                        json.writeArrayFieldStart("selections");
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
        try (JsonGenerator json = start()) {
            json.writeStringField("type", "current");
            header(json, market);
            json.writeEndObject();
            return finish(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {"type":"removed",...}}: the market left the channel. */
    public byte[] removed(String marketId, long epoch, long version, RemovalReason reason) {
        try (JsonGenerator json = start()) {
            json.writeStringField("type", "removed");
            json.writeStringField("marketId", marketId);
            json.writeNumberField("epoch", epoch);
            json.writeNumberField("version", version);
            json.writeStringField("reason", reason.name());
            json.writeEndObject();
            return finish(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code market:{id}} mirror value: the market object with DECIMAL display. */
    public byte[] mirror(MarketState market) {
        try (JsonGenerator json = factory.createGenerator(buffer, JsonEncoding.UTF8)) {
            marketObject(json, market, OddsFormat.DECIMAL);
            return finish(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonGenerator start() throws IOException {
        buffer.reset(); // drops what a failed write may have left
        JsonGenerator json = factory.createGenerator(buffer, JsonEncoding.UTF8);
        json.writeStartObject();
        return json;
    }

    private byte[] finish(JsonGenerator json) throws IOException {
        json.flush();
        byte[] bytes = buffer.toByteArray();
        buffer.reset();
        return bytes;
    }

    private static void header(JsonGenerator json, MarketState market) throws IOException {
        json.writeStringField("marketId", market.marketId);
        json.writeNumberField("epoch", market.epoch);
        json.writeNumberField("version", market.version);
    }

    /**
     * The enriched market object. Catalog fields (names, type, event details) are null until the
     * catalog provides them; {@code event.eventId} may come from the feed before that.
     */
    private static void marketObject(JsonGenerator json, MarketState market, OddsFormat format)
            throws IOException {
        json.writeStartObject();
        json.writeStringField("marketId", market.marketId);
        nullableString(json, "name", market.name);
        nullableString(json, "type", market.type);
        json.writeStringField("status", market.status.name());
        json.writeNumberField("version", market.version);
        json.writeNumberField("updatedAt", market.updatedAt);
        json.writeFieldName("event");
        eventObject(json, market);
        json.writeArrayFieldStart("selections");
        for (Selection selection : market.selections) {
            selectionObject(json, selection, format);
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void eventObject(JsonGenerator json, MarketState market) throws IOException {
        EventRow event = market.event;
        json.writeStartObject();
        nullableString(json, "eventId", market.eventId);
        if (event == null) {
            json.writeNullField("name");
            json.writeNullField("sport");
            json.writeNullField("competition");
            json.writeNullField("startTime");
            json.writeNullField("inPlay");
        } else {
            nullableString(json, "name", event.name);
            nullableString(json, "sport", event.sport);
            nullableString(json, "competition", event.competition);
            json.writeNumberField("startTime", event.startTime);
            json.writeBooleanField("inPlay", event.inPlay);
        }
        json.writeEndObject();
    }

    /** A selection; its price and display are null until the feed prices it. */
    private static void selectionObject(JsonGenerator json, Selection selection, OddsFormat format)
            throws IOException {
        json.writeStartObject();
        json.writeStringField("id", selection.id);
        nullableString(json, "name", selection.name);
        if (Double.isNaN(selection.price)) {
            json.writeNullField("price");
            json.writeNullField("display");
        } else {
            json.writeNumberField("price", selection.price);
            json.writeStringField("display", format.display(selection.price));
        }
        json.writeEndObject();
    }

    private static void nullableString(JsonGenerator json, String field, String value)
            throws IOException {
        if (value == null) {
            json.writeNullField(field);
        } else {
            json.writeStringField(field, value);
        }
    }
}

package com.marketcast.local;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * One record of the {@code market-updates} topic as the feed writes it (PROTOCOL section 1).
 *
 * @param status {@code OPEN}, {@code SUSPENDED}, {@code CLOSED}, or null when only prices move
 * @param selections the selections whose price changed (a partial update), or all of them when a
 *     market opens or reopens; empty for a suspension or closure
 */
public record FeedUpdate(
        String marketId, String eventId, long seq, long ts, String status, List<Price> selections) {

    private static final JsonFactory JSON = new JsonFactory();

    /** A selection's decimal price, rounded to 2 places. */
    public record Price(String id, double price) {}

    public FeedUpdate {
        selections = List.copyOf(selections);
    }

    /** The record value: UTF-8 JSON in the field order of PROTOCOL section 1. */
    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 32 * selections.size());
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("marketId", marketId);
            json.writeStringField("eventId", eventId);
            json.writeNumberField("seq", seq);
            json.writeNumberField("ts", ts);
            if (status != null) {
                json.writeStringField("status", status);
            }
            if (!selections.isEmpty()) {
                json.writeArrayFieldStart("selections");
                for (Price p : selections) {
                    json.writeStartObject();
                    json.writeStringField("id", p.id());
                    json.writeNumberField("price", p.price());
                    json.writeEndObject();
                }
                json.writeEndArray();
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

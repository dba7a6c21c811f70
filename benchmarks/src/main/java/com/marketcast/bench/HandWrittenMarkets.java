package com.marketcast.bench;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marketcast.odds.model.OddsFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Baseline B3's work per update, the same whether plain threads ({@link HandWrittenReducer}) or a
 * Flink operator ({@link HandWrittenOnFlink}) run it: the markets and their subscribers in
 * in-memory maps, each change serialized once, then one mirror write and one publish per
 * subscriber. The subscriptions are loaded from the workload: no commands, no catalog.
 */
final class HandWrittenMarkets {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactory();

    /** Where the writes of one change go: a jedis pipeline, or a Flink collector. */
    interface Writes {
        void set(byte[] key, byte[] value);

        void publish(byte[] channel, byte[] message);
    }

    /** A market's state: the latest prices by selection and the version. */
    private static final class Market {
        final Map<String, Double> prices = new HashMap<>();
        long seq;
        long version;
    }

    private final byte[][][] subscribers;
    private final Map<String, Market> markets = new HashMap<>();

    HandWrittenMarkets(byte[][][] subscribers) {
        this.subscribers = subscribers;
    }

    /** The Redis channel names of every market's subscribers, indexed by market number. */
    static byte[][][] subscribers(Workload workload, int shards) {
        byte[][][] subscribers = new byte[workload.markets][][];
        for (int m = 0; m < workload.markets; m++) {
            int[] channels = workload.marketChannels[m];
            subscribers[m] = new byte[channels.length][];
            for (int i = 0; i < channels.length; i++) {
                subscribers[m][i] =
                        ("stream:" + Workload.channelId(channels[i], shards))
                                .getBytes(StandardCharsets.UTF_8);
            }
        }
        return subscribers;
    }

    /** Applies one update record appended at {@code ts}; a stale or repeated one writes nothing. */
    void apply(byte[] record, long ts, Writes out) throws IOException {
        JsonNode update = JSON.readTree(record);
        String marketId = update.get("marketId").asText();
        Market market = markets.computeIfAbsent(marketId, id -> new Market());
        long seq = update.get("seq").asLong();
        if (seq <= market.seq) {
            return;
        }
        market.seq = seq;
        boolean first = market.version == 0;
        market.version++;
        for (JsonNode selection : update.get("selections")) {
            market.prices.put(selection.get("id").asText(), selection.get("price").asDouble());
        }
        byte[] message = message(marketId, market, update, ts, first);
        out.set(("market:" + marketId).getBytes(StandardCharsets.UTF_8), message);
        for (byte[] channel : subscribers[Integer.parseInt(marketId.substring(2)) - 100_000]) {
            out.publish(channel, message);
        }
    }

    /** A snapshot for the market's first update, then deltas: serialized once per change. */
    private static byte[] message(
            String marketId, Market market, JsonNode update, long ts, boolean snapshot)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator json = FACTORY.createGenerator(bytes, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("type", snapshot ? "snapshot" : "delta");
            json.writeStringField("marketId", marketId);
            json.writeNumberField("epoch", 1);
            json.writeNumberField("version", market.version);
            if (!snapshot) {
                json.writeNumberField("prev", market.version - 1);
            }
            json.writeNumberField("ts", ts);
            json.writeObjectFieldStart(snapshot ? "market" : "changes");
            json.writeArrayFieldStart("selections");
            for (JsonNode selection : update.get("selections")) {
                double price = selection.get("price").asDouble();
                json.writeStartObject();
                json.writeStringField("id", selection.get("id").asText());
                json.writeNumberField("price", price);
                json.writeStringField("display", OddsFormat.DECIMAL.display(price));
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
            json.writeEndObject();
        }
        return bytes.toByteArray();
    }
}

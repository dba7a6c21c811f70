package com.marketcast.odds.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.odds.model.MarketStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** Debezium envelopes as the PostgreSQL connector emits them for the two catalog tables. */
class CatalogDeserializerTest {
    private static final Schema EVENT =
            SchemaBuilder.struct()
                    .field("event_id", Schema.STRING_SCHEMA)
                    .field("name", Schema.STRING_SCHEMA)
                    .field("sport", Schema.STRING_SCHEMA)
                    .field("competition", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("start_time", Schema.STRING_SCHEMA) // io.debezium.time.ZonedTimestamp
                    .field("in_play", Schema.BOOLEAN_SCHEMA)
                    .optional()
                    .build();
    private static final Schema MARKET =
            SchemaBuilder.struct()
                    .field("market_id", Schema.STRING_SCHEMA)
                    .field("event_id", Schema.STRING_SCHEMA)
                    .field("name", Schema.STRING_SCHEMA)
                    .field("type", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("status", Schema.STRING_SCHEMA)
                    .field("selections", Schema.STRING_SCHEMA) // io.debezium.data.Json
                    .optional()
                    .build();
    private static final Schema SOURCE =
            SchemaBuilder.struct()
                    .field("table", Schema.STRING_SCHEMA)
                    .field("ts_ms", Schema.INT64_SCHEMA)
                    .build();

    private final CatalogDeserializer deserializer = new CatalogDeserializer();

    @Test
    void readsAnEventUpsert() {
        Struct after =
                new Struct(EVENT)
                        .put("event_id", "e-17")
                        .put("name", "Arsenal v Chelsea")
                        .put("sport", "football")
                        .put("competition", "Premier League")
                        .put("start_time", "2026-11-23T15:00:00Z")
                        .put("in_play", true);
        CatalogChange change = only(envelope(EVENT, "events", "u", null, after));
        assertThat(change.isEvent()).isTrue();
        assertThat(change.event.name).isEqualTo("Arsenal v Chelsea");
        assertThat(change.event.startTime).isEqualTo(1_795_446_000_000L);
        assertThat(change.event.inPlay).isTrue();
        assertThat(change.ts).isEqualTo(1_000L);
        assertThat(change.eventKey()).isEqualTo("e-17");
    }

    @Test
    void readsAMarketThatMovedToAnotherEventAndADelete() {
        Struct before = market("m-1", "e-1", "OPEN", "[{\"id\":\"home\",\"name\":\"Arsenal\"}]");
        Struct after =
                market("m-1", "e-2", "SUSPENDED", "[{\"id\":\"home\",\"name\":\"Arsenal FC\"}]");
        CatalogChange moved = only(envelope(MARKET, "markets", "u", before, after));
        assertThat(moved.market.status).isEqualTo(MarketStatus.SUSPENDED);
        assertThat(moved.market.selections[0].name).isEqualTo("Arsenal FC");
        assertThat(moved.previousEventId).isEqualTo("e-1");
        assertThat(moved.eventKey()).isEqualTo("e-2");
        assertThat(moved.movedAwayNotice().eventKey()).isEqualTo("e-1");

        CatalogChange deleted = only(envelope(MARKET, "markets", "d", after, null));
        assertThat(deleted.deleted).isTrue();
        assertThat(deleted.deletedId).isEqualTo("m-1");
        assertThat(deleted.eventKey()).isEqualTo("e-2");
    }

    @Test
    void anUnreadableRowBecomesAnErrorAndHeartbeatsAreSkipped() {
        CatalogChange bad =
                only(envelope(MARKET, "markets", "c", null, market("m-1", "e-1", "OPEN", "{oops")));
        assertThat(bad.error).contains("selections is not JSON");
        assertThat(bad.payload).contains("m-1");

        CatalogChange badStatus =
                only(envelope(MARKET, "markets", "c", null, market("m-1", "e-1", "PAUSED", "[]")));
        assertThat(badStatus.error).contains("PAUSED");

        Schema heartbeat = SchemaBuilder.struct().field("ts_ms", Schema.INT64_SCHEMA).build();
        List<CatalogChange> out = new ArrayList<>();
        deserializer.deserialize(
                new SourceRecord(
                        Map.of(),
                        Map.of(),
                        "__debezium-heartbeat",
                        heartbeat,
                        new Struct(heartbeat).put("ts_ms", 1L)),
                collector(out));
        assertThat(out).isEmpty();
    }

    private static Struct market(String id, String eventId, String status, String selections) {
        return new Struct(MARKET)
                .put("market_id", id)
                .put("event_id", eventId)
                .put("name", "Match result")
                .put("type", "MATCH_RESULT")
                .put("status", status)
                .put("selections", selections);
    }

    private static SourceRecord envelope(
            Schema row, String table, String op, Struct before, Struct after) {
        Schema schema =
                SchemaBuilder.struct()
                        .field("before", row)
                        .field("after", row)
                        .field("source", SOURCE)
                        .field("op", Schema.STRING_SCHEMA)
                        .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                        .build();
        Struct value =
                new Struct(schema)
                        .put("before", before)
                        .put("after", after)
                        .put("source", new Struct(SOURCE).put("table", table).put("ts_ms", 1_000L))
                        .put("op", op)
                        .put("ts_ms", 1_000L);
        return new SourceRecord(Map.of(), Map.of(), "catalog.public." + table, schema, value);
    }

    private CatalogChange only(SourceRecord record) {
        List<CatalogChange> out = new ArrayList<>();
        deserializer.deserialize(record, collector(out));
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private static Collector<CatalogChange> collector(List<CatalogChange> out) {
        return new Collector<>() {
            @Override
            public void collect(CatalogChange record) {
                out.add(record);
            }

            @Override
            public void close() {}
        };
    }
}

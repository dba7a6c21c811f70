package com.marketcast.odds.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marketcast.odds.model.MarketStatus;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns Debezium change records of the {@code events} and {@code markets} tables into {@link
 * CatalogChange}s. Heartbeats and other tables are skipped. A row that cannot be read (a {@code
 * selections} value that is not a JSON array of {@code {id,name}}, an unknown status) becomes a
 * change with {@code error} set, which the pipeline routes to the dead letters.
 *
 * <p>Debezium's defaults for PostgreSQL types: {@code timestamptz} arrives as an ISO-8601 string,
 * {@code jsonb} as its JSON text.
 */
public class CatalogDeserializer implements DebeziumDeserializationSchema<CatalogChange> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void deserialize(SourceRecord record, Collector<CatalogChange> out) {
        if (!(record.value() instanceof Struct)) {
            return; // tombstones
        }
        Struct value = (Struct) record.value();
        if (value.schema().field("op") == null || value.schema().field("source") == null) {
            return; // heartbeats and schema changes
        }
        Struct source = value.getStruct("source");
        String table = source.getString("table");
        String op = value.getString("op");
        CatalogChange change = new CatalogChange();
        change.table = table;
        Long tsMs = value.getInt64("ts_ms");
        change.ts = tsMs != null ? tsMs : source.getInt64("ts_ms");
        Struct before = value.getStruct("before");
        Struct after = value.getStruct("after");
        try {
            switch (table) {
                case "events":
                    if ("d".equals(op)) {
                        change.deleted = true;
                        change.deletedId = before.getString("event_id");
                    } else {
                        change.event = event(after);
                    }
                    break;
                case "markets":
                    if ("d".equals(op)) {
                        change.deleted = true;
                        change.deletedId = before.getString("market_id");
                        change.previousEventId = before.getString("event_id");
                    } else {
                        change.market = market(after);
                        if (before != null
                                && !before.getString("event_id").equals(change.market.eventId)) {
                            change.previousEventId = before.getString("event_id");
                        }
                    }
                    break;
                default:
                    return;
            }
        } catch (RuntimeException e) {
            change.event = null;
            change.market = null;
            change.error = "catalog row of " + table + " cannot be read: " + e.getMessage();
            change.payload = String.valueOf(after != null ? after : before);
        }
        out.collect(change);
    }

    static EventRow event(Struct row) {
        EventRow event = new EventRow();
        event.eventId = row.getString("event_id");
        event.name = row.getString("name");
        event.sport = row.getString("sport");
        event.competition = row.getString("competition");
        event.startTime =
                OffsetDateTime.parse(row.getString("start_time")).toInstant().toEpochMilli();
        Boolean inPlay = row.getBoolean("in_play");
        event.inPlay = inPlay != null && inPlay;
        return event;
    }

    static MarketRow market(Struct row) {
        MarketRow market = new MarketRow();
        market.marketId = row.getString("market_id");
        market.eventId = row.getString("event_id");
        market.name = row.getString("name");
        market.type = row.getString("type");
        market.status = MarketStatus.valueOf(row.getString("status"));
        market.selections = selections(row.getString("selections"));
        return market;
    }

    static SelectionName[] selections(String json) {
        try {
            JsonNode array = JSON.readTree(json);
            if (!array.isArray()) {
                throw new IllegalArgumentException("selections is not a JSON array: " + json);
            }
            List<SelectionName> names = new ArrayList<>();
            for (JsonNode selection : array) {
                if (!selection.path("id").isTextual()) {
                    throw new IllegalArgumentException("a selection has no id: " + selection);
                }
                names.add(
                        new SelectionName(
                                selection.get("id").asText(), selection.path("name").asText(null)));
            }
            return names.toArray(new SelectionName[0]);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "selections is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public TypeInformation<CatalogChange> getProducedType() {
        return TypeInformation.of(CatalogChange.class);
    }
}

package com.marketcast.odds.markets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.OddsOptions;
import com.marketcast.odds.catalog.CatalogRows;
import com.marketcast.odds.catalog.EventRow;
import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.channels.QueryCommand;
import com.marketcast.odds.model.MarketQuery;
import com.marketcast.odds.model.MarketStatus;
import com.marketcast.odds.model.OddsFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The broadcast side of query subscriptions through Flink's own {@code
 * KeyedBroadcastOperatorTestHarness}: a query evaluated once against the markets the subtask holds
 * (the markets' latest states, still on the heap when the query comes: RocksDB, as the caches are
 * off on the heap backend), the broadcast state holding only the queries. (MarketReducerTest covers
 * the rest, where it must also count keyed state and restore.)
 */
class QueryBroadcastTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KeyedBroadcastOperatorTestHarness<String, MarketInput, QueryCommand, RedisWrite>
            harness;

    @BeforeEach
    void setUp() throws Exception {
        harness =
                new KeyedBroadcastOperatorTestHarness<>(
                        new MarketReducerOperator(
                                Duration.ofMinutes(10),
                                OddsOptions.HOT_MARKETS.defaultValue(),
                                OddsOptions.HOT_MARKET_WRITE_DELAY.defaultValue()),
                        MarketInput::marketId,
                        Types.STRING,
                        1,
                        1,
                        0);
        harness.setStateBackend(new EmbeddedRocksDBStateBackend()); // the caches are off on heap
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void aQueryIsEvaluatedOnceAgainstTheMarketsHeldAndOnlyMatchesJoin() throws Exception {
        catalog("m1", "football");
        catalog("m2", "tennis");
        catalog("m3", "football");
        harness.getOutput().clear();

        harness.processBroadcastElement(add("c1", "q1", "football"), 10);
        assertThat(snapshotsTo("c1")).containsExactlyInAnyOrder("m1", "m3");
        assertThat(harness.getBroadcastState(MarketReducer.QUERIES).get("c1/q1").query.sport)
                .isEqualTo("football");

        // a market of the sport arriving later joins on its own keyed input
        catalog("m4", "football");
        assertThat(snapshotsTo("c1")).containsExactly("m4");

        QueryCommand remove = QueryCommand.of(QueryCommand.Type.REMOVE, "c1", "q1", 20);
        remove.reason = "UNSUBSCRIBED"; // an UNSUBSCRIBE by queryId (a DISCONNECT has none)
        harness.processBroadcastElement(remove, 20);
        assertThat(harness.getBroadcastState(MarketReducer.QUERIES).get("c1/q1")).isNull();
        List<String> reasons = new ArrayList<>();
        for (JsonNode message : messagesTo("c1")) {
            reasons.add(message.get("marketId").asText() + ":" + message.get("reason").asText());
        }
        assertThat(reasons)
                .containsExactlyInAnyOrder("m1:UNSUBSCRIBED", "m3:UNSUBSCRIBED", "m4:UNSUBSCRIBED");
    }

    private void catalog(String market, String sport) throws Exception {
        EventRow event = CatalogRows.event("e-" + market, market + " event");
        event.sport = sport;
        MarketCatalog catalog =
                MarketCatalog.of(
                        CatalogRows.market(market, event.eventId, MarketStatus.OPEN, "A", "B"),
                        event,
                        1);
        harness.processElement(MarketInput.of(catalog), 1);
    }

    private static QueryCommand add(String channel, String queryId, String sport) {
        QueryCommand add = QueryCommand.of(QueryCommand.Type.ADD, channel, queryId, 10);
        add.query = new MarketQuery();
        add.query.sport = sport;
        add.oddsFormat = OddsFormat.DECIMAL;
        add.streaming = true;
        return add;
    }

    private List<String> snapshotsTo(String channel) throws IOException {
        List<String> markets = new ArrayList<>();
        for (JsonNode message : messagesTo(channel)) {
            assertThat(message.get("type").asText()).isEqualTo("snapshot");
            markets.add(message.get("marketId").asText());
        }
        return markets;
    }

    private List<JsonNode> messagesTo(String channel) throws IOException {
        List<JsonNode> messages = new ArrayList<>();
        for (RedisWrite write : harness.extractOutputValues()) {
            if (write.command == RedisWrite.Command.PUBLISH
                    && new String(write.key, StandardCharsets.UTF_8).equals("stream:" + channel)) {
                messages.add(JSON.readTree(write.value));
            }
        }
        harness.getOutput().clear();
        return messages;
    }
}

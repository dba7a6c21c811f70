package com.marketcast.odds.markets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.OddsOptions;
import com.marketcast.odds.catalog.CatalogRows;
import com.marketcast.odds.catalog.EventRow;
import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.catalog.MarketRow;
import com.marketcast.odds.channels.MarketWork;
import com.marketcast.odds.channels.QueryCommand;
import com.marketcast.odds.channels.WorkType;
import com.marketcast.odds.model.MarketQuery;
import com.marketcast.odds.model.MarketStatus;
import com.marketcast.odds.model.MarketUpdate;
import com.marketcast.odds.model.OddsFormat;
import com.marketcast.odds.model.SelectionPrice;
import com.marketcast.odds.publish.RemovalReason;
import com.marketcast.odds.serialization.ChannelIdSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MarketReducerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KeyedTwoInputStreamOperatorTestHarness<String, MarketInput, QueryCommand, RedisWrite>
            harness;

    /** The ids of the snapshots {@link #storedEntries()} takes. */
    private long checkpoints = 100;

    @BeforeEach
    void setUp() throws Exception {
        harness = newHarness(null, false);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void dataFirstThenSubscribeAndBeginGivesSnapshotThenDeltas() throws Exception {
        update("m1", 1, null, "home", 1.85, "away", 2.10);
        assertThat(drain())
                .extracting(MarketReducerTest::describe)
                .containsExactly("SET market:m1");

        work(subscribe("c1", OddsFormat.DECIMAL, 0, false));
        assertThat(drain()).isEmpty(); // nothing before BEGIN_STREAM
        work(begin("c1", null));
        JsonNode snapshot = onlyMessage("c1");
        assertThat(snapshot.get("type").asText()).isEqualTo("snapshot");
        assertThat(snapshot.get("version").asLong()).isEqualTo(1);
        assertThat(snapshot.at("/market/selections/0/display").asText()).isEqualTo("1.85");

        update("m1", 2, null, "home", 1.90);
        List<RedisWrite> out = drain();
        assertThat(out)
                .extracting(MarketReducerTest::describe)
                .containsExactly("SET market:m1", "PUBLISH stream:c1"); // mirror first
        JsonNode delta = json(out.get(1));
        assertThat(delta.get("type").asText()).isEqualTo("delta");
        assertThat(delta.get("prev").asLong()).isEqualTo(1);
        assertThat(delta.get("version").asLong()).isEqualTo(2);
        assertThat(delta.get("epoch").asLong()).isEqualTo(snapshot.get("epoch").asLong());
        assertThat(delta.at("/changes/selections")).hasSize(1);
        assertThat(delta.at("/changes/selections/0/id").asText()).isEqualTo("home");
        assertThat(delta.at("/changes/status").isMissingNode()).isTrue();
    }

    @Test
    void onlyAThrottledSubscriptionStoresWhatItWasSent() throws Exception {
        update("m1", 1, null, "home", 1.85);
        work(subscribe("c1", OddsFormat.DECIMAL, 0, false));
        work(subscribe("c2", OddsFormat.DECIMAL, 500, false));
        work(begin("c1", null)); // a snapshot
        work(begin("c2", null));
        work(begin("c1", 1_000L)); // a current
        drain();

        // an unthrottled subscriber's position is the market's version: its flags and format only
        assertThat(storedBytes("m1", "c1")).isEqualTo(2);
        Subscription throttled = subscription("m1", "c2");
        assertThat(throttled.sentVersion).isEqualTo(1);
        assertThat(storedBytes("m1", "c2")).isEqualTo(2 + 3 * Long.BYTES);
    }

    @Test
    void controlApiChannelIdsAreKeptInRocksDbAsSixteenBytesAndFoundAgain() throws Exception {
        harness.close();
        harness = newHarness(null, true); // RocksDB: map keys go through ChannelIdSerializer
        String uuid = UUID.randomUUID().toString();
        String upper = uuid.toUpperCase(Locale.ROOT); // not canonical: another channel, as a string
        update("m1", 1, null, "home", 1.85);
        work(subscribe(uuid, OddsFormat.DECIMAL, 0, true));
        work(subscribe(upper, OddsFormat.DECIMAL, 0, true));
        drain();

        update("m1", 2, null, "home", 1.90);
        List<RedisWrite> out = drain();
        assertThat(messagesTo(uuid, out)).hasSize(1);
        assertThat(messagesTo(upper, out)).hasSize(1);

        work(MarketWork.of(WorkType.UNSUBSCRIBE, "m1", uuid, 1));
        drain();
        assertThat(subscription("m1", uuid)).isNull();
        assertThat(subscription("m1", upper)).isNotNull();
        assertThat(MarketReducer.SUBSCRIBERS.getKeySerializer())
                .isSameAs(ChannelIdSerializer.INSTANCE);
    }

    @Test
    void subscribeFirstHoldsThePendingMarketUntilItsFirstData() throws Exception {
        work(subscribe("c1", OddsFormat.FRACTIONAL, 0, false));
        work(begin("c1", null));
        assertThat(drain()).isEmpty();

        update("m1", 7, null, "home", 1.85);
        List<RedisWrite> out = drain();
        assertThat(out)
                .extracting(MarketReducerTest::describe)
                .containsExactly("SET market:m1", "PUBLISH stream:c1");
        JsonNode snapshot = json(out.get(1));
        assertThat(snapshot.get("type").asText()).isEqualTo("snapshot");
        assertThat(snapshot.at("/market/selections/0/display").asText()).isEqualTo("17/20");
        assertThat(json(out.get(0)).at("/selections/0/display").asText()).isEqualTo("1.85");
    }

    @Test
    void staleAndDuplicateSequencesAreDropped() throws Exception {
        update("m1", 5, null, "home", 1.85);
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        drain();
        update("m1", 5, null, "home", 3.00);
        update("m1", 4, null, "home", 3.00);
        assertThat(drain()).isEmpty();
        update("m1", 6, null, "home", 1.85); // newer, but no change: no version, no message
        assertThat(drain()).isEmpty();
    }

    @Test
    void beginWithSinceGivesCurrentForUnchangedMarkets() throws Exception {
        update("m1", 1, null, "home", 1.85); // record time 1000
        work(subscribe("c1", OddsFormat.DECIMAL, 0, false));
        work(begin("c1", 1_000L));
        JsonNode current = onlyMessage("c1");
        assertThat(current.get("type").asText()).isEqualTo("current");
        assertThat(current.get("version").asLong()).isEqualTo(1);

        work(begin("c1", 999L));
        assertThat(onlyMessage("c1").get("type").asText()).isEqualTo("snapshot");
    }

    @Test
    void unsubscribeTellsTheSubscriberAndDisconnectReleasesSilently() throws Exception {
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        work(subscribe("c2", OddsFormat.DECIMAL, 0, true));
        update("m1", 1, null, "home", 1.85);
        drain();

        work(MarketWork.of(WorkType.UNSUBSCRIBE, "m1", "c1", 1));
        JsonNode removed = onlyMessage("c1");
        assertThat(removed.get("reason").asText()).isEqualTo("UNSUBSCRIBED");
        assertThat(removed.get("version").asLong()).isEqualTo(1);

        work(MarketWork.of(WorkType.DISCONNECT, "m1", "c2", 1));
        assertThat(drain()).isEmpty();
        update("m1", 2, null, "home", 2.0);
        assertThat(drain())
                .extracting(MarketReducerTest::describe)
                .containsExactly("SET market:m1");
    }

    @Test
    void releasingEveryChannelOfAPendingMarketLeavesNoStateAndNoTimer() throws Exception {
        work(subscribe("c1", OddsFormat.DECIMAL, 500, true));
        work(subscribe("c2", OddsFormat.DECIMAL, 0, false));
        assertThat(storedEntries()).isGreaterThan(0);

        work(MarketWork.of(WorkType.DISCONNECT, "m1", "c1", 1));
        work(MarketWork.of(WorkType.EXPIRE, "m1", "c2", 1));

        assertThat(drain()).isEmpty(); // c2 never streamed
        assertThat(storedEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void expiryOfAThrottledStreamingChannelClearsItsTimer() throws Exception {
        update("m1", 1, null, "home", 1.85);
        work(subscribe("c1", OddsFormat.DECIMAL, 1_000, true));
        update("m1", 2, null, "home", 1.90); // deferred: a throttle timer is pending
        drain();
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

        work(MarketWork.of(WorkType.EXPIRE, "m1", "c1", 1));

        assertThat(onlyMessage("c1").get("reason").asText()).isEqualTo("EXPIRED");
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(storedEntries()).isEqualTo(1); // the market's own data only
    }

    @Test
    void closedMarketLeavesEveryChannel() throws Exception {
        update("m1", 1, null, "home", 1.85);
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        work(subscribe("c2", OddsFormat.DECIMAL, 0, false));
        drain();

        update("m1", 2, MarketStatus.CLOSED);
        List<RedisWrite> out = drain();
        assertThat(out)
                .extracting(MarketReducerTest::describe)
                .containsExactly("SET market:m1", "PUBLISH stream:c1");
        assertThat(json(out.get(1)).get("reason").asText()).isEqualTo("CLOSED");
        assertThat(json(out.get(1)).get("version").asLong()).isEqualTo(2);
        assertThat(json(out.get(0)).get("status").asText()).isEqualTo("CLOSED");

        work(subscribe("c3", OddsFormat.DECIMAL, 0, true));
        assertThat(onlyMessage("c3").get("reason").asText()).isEqualTo("CLOSED");
        // the market's data and its release timer
        assertThat(storedEntries()).isEqualTo(2);
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
    }

    @Test
    void aClosedMarketIsReleasedAfterItsTtlWithItsMirror() throws Exception {
        harness.setProcessingTime(1_000);
        update("m1", 1, null, "home", 1.85);
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        work(subscribe("c2", OddsFormat.DECIMAL, 5_000, true)); // throttled: a pending timer
        update("m1", 2, null, "home", 1.90);
        drain();

        update("m1", 3, MarketStatus.CLOSED);
        assertThat(messagesTo("c2", drain())).hasSize(1);
        harness.setProcessingTime(1_000 + CLOSED_TTL.toMillis() - 1);
        assertThat(drain()).isEmpty();
        assertThat(storedEntries()).isEqualTo(2);

        harness.setProcessingTime(1_000 + CLOSED_TTL.toMillis());
        assertThat(drain())
                .extracting(MarketReducerTest::describe)
                .containsExactly("DEL market:m1");
        assertThat(storedEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();

        // forgotten: a subscriber waits for its data as for any unknown market, which starts afresh
        work(subscribe("c3", OddsFormat.DECIMAL, 0, true));
        assertThat(drain()).isEmpty();
        update("m1", 4, MarketStatus.OPEN, "home", 2.10);
        List<RedisWrite> out = drain();
        assertThat(out)
                .extracting(MarketReducerTest::describe)
                .containsExactly("SET market:m1", "PUBLISH stream:c3");
        JsonNode snapshot = messagesTo("c3", out).get(0);
        assertThat(snapshot.get("type").asText()).isEqualTo("snapshot");
        assertThat(snapshot.at("/market/selections/0/price").asDouble()).isEqualTo(2.10);
    }

    @Test
    void aMarketReopenedBeforeItsTtlIsKept() throws Exception {
        harness.setProcessingTime(1_000);
        update("m1", 1, null, "home", 1.85);
        catalog(CatalogRows.market("m1", "e1", MarketStatus.CLOSED, "Arsenal"), 10);
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1); // closed by the catalog
        catalog(CatalogRows.market("m1", "e1", MarketStatus.OPEN, "Arsenal"), 20);
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(storedEntries()).isEqualTo(1);

        harness.setProcessingTime(1_000 + CLOSED_TTL.toMillis());
        drain();
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        JsonNode snapshot = onlyMessage("c1");
        assertThat(snapshot.at("/market/status").asText()).isEqualTo("OPEN");
        assertThat(snapshot.get("version").asLong()).isEqualTo(3);
    }

    @Test
    void aMarketClosedByTheCatalogIsReleasedAndItsNextRowStartsItAfresh() throws Exception {
        harness.setProcessingTime(1_000);
        update("m1", 1, null, "home", 1.85);
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        drain();

        harness.setProcessingTime(5_000);
        catalog(CatalogRows.market("m1", "e1", MarketStatus.CLOSED, "Arsenal"), 10);
        JsonNode removed = onlyMessage("c1");
        assertThat(removed.get("type").asText()).isEqualTo("removed");
        assertThat(removed.get("reason").asText()).isEqualTo("CLOSED");
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

        harness.setProcessingTime(5_000 + CLOSED_TTL.toMillis() - 1);
        assertThat(drain()).isEmpty();
        harness.setProcessingTime(5_000 + CLOSED_TTL.toMillis());
        assertThat(drain())
                .extracting(MarketReducerTest::describe)
                .containsExactly("DEL market:m1");
        assertThat(storedEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();

        // the trader reopens it: a catalog row starts the forgotten market afresh
        work(subscribe("c2", OddsFormat.DECIMAL, 0, true));
        assertThat(drain()).isEmpty(); // pending, as for any unknown market
        catalog(CatalogRows.market("m1", "e1", MarketStatus.OPEN, "Arsenal"), 20);
        List<RedisWrite> out = drain();
        assertThat(out)
                .extracting(MarketReducerTest::describe)
                .containsExactly("SET market:m1", "PUBLISH stream:c2");
        JsonNode snapshot = messagesTo("c2", out).get(0);
        assertThat(snapshot.get("type").asText()).isEqualTo("snapshot");
        assertThat(snapshot.get("version").asLong()).isEqualTo(1);
        assertThat(snapshot.at("/market/status").asText()).isEqualTo("OPEN");
        assertThat(snapshot.at("/market/selections/0/price").isNull()).isTrue(); // feed data gone
    }

    @Test
    void aMarketStillClosedByTheOtherSideIsReleasedAtTheTtlOfItsFirstClosure() throws Exception {
        harness.setProcessingTime(1_000);
        update("m1", 1, MarketStatus.CLOSED, "home", 1.85); // closed by the feed
        harness.setProcessingTime(2_000);
        catalog(CatalogRows.market("m1", "e1", MarketStatus.CLOSED, "Arsenal"), 10); // and catalog
        harness.setProcessingTime(3_000);
        update("m1", 2, MarketStatus.OPEN); // the feed reopens: the catalog still closes it
        drain();
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

        harness.setProcessingTime(1_000 + CLOSED_TTL.toMillis());
        assertThat(drain())
                .extracting(MarketReducerTest::describe)
                .containsExactly("DEL market:m1");
        assertThat(storedEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    /**
     * Flink keeps one timer per key and timestamp: when the release falls on the market's query
     * boundary, dropping the boundary must not delete the timer the release still needs, and
     * cancelling the release must not lose the boundary.
     */
    @ParameterizedTest(name = "reopened={0}")
    @ValueSource(booleans = {false, true})
    void aReleaseTimerSharingItsTimestampWithABoundaryTimer(boolean reopened) throws Exception {
        long now = 1_000_000;
        long releaseAt = now + CLOSED_TTL.toMillis();
        harness.setProcessingTime(now);
        // joins startsWithinMinutes=60 exactly when a closure now would be released
        work(
                MarketCatalog.of(
                        row("m1", "e1"), event("e1", "football", releaseAt + 60 * MINUTE), 10));
        MarketQuery soon = new MarketQuery();
        soon.startsWithinMinutes = 60;
        query(add("c1", "q1", soon, true));
        update("m1", 1, null, "home", 1.85); // registers the boundary at releaseAt
        drain();
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

        update(
                "m1",
                2,
                MarketStatus.CLOSED); // release at releaseAt; a closed market has no boundary
        drain();
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
        if (reopened) {
            update("m1", 3, MarketStatus.OPEN); // cancels the release, the boundary comes back
            drain();
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
        }

        harness.setProcessingTime(releaseAt);
        List<RedisWrite> out = drain();
        if (reopened) {
            assertThat(out)
                    .extracting(MarketReducerTest::describe)
                    .containsExactly("PUBLISH stream:c1");
            assertThat(json(out.get(0)).get("type").asText()).isEqualTo("snapshot");
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(1); // the kick-off boundary
        } else {
            assertThat(out)
                    .extracting(MarketReducerTest::describe)
                    .containsExactly("DEL market:m1");
            assertThat(storedEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void throttledChannelGetsOneMergedDeltaPerIntervalAndStatusChangesAtOnce() throws Exception {
        harness.close();
        harness = newHarness(null, true); // RocksDB: iterating and writing the subscriber map
        harness.setProcessingTime(10_000);
        update("m1", 1, null, "home", 1.85, "draw", 3.40, "away", 4.20);
        work(subscribe("fast", OddsFormat.DECIMAL, 0, true));
        work(subscribe("slow", OddsFormat.DECIMAL, 1_000, true));
        drain();

        harness.setProcessingTime(10_100);
        update("m1", 2, null, "home", 1.90);
        harness.setProcessingTime(10_200);
        update("m1", 3, null, "away", 4.00);
        List<RedisWrite> out = drain();
        assertThat(messagesTo("fast", out))
                .extracting(n -> n.get("version").asLong())
                .containsExactly(2L, 3L);
        assertThat(messagesTo("slow", out)).isEmpty();

        harness.setProcessingTime(11_000); // the slow channel's interval has passed
        List<JsonNode> merged = messagesTo("slow", drain());
        assertThat(merged).hasSize(1);
        assertThat(merged.get(0).get("prev").asLong()).isEqualTo(1);
        assertThat(merged.get(0).get("version").asLong()).isEqualTo(3);
        assertThat(merged.get(0).at("/changes/selections"))
                .extracting(n -> n.get("id").asText())
                .containsExactlyInAnyOrder("home", "away");

        harness.setProcessingTime(11_100);
        update("m1", 4, MarketStatus.SUSPENDED);
        List<JsonNode> status = messagesTo("slow", drain());
        assertThat(status).hasSize(1); // never delayed
        assertThat(status.get(0).get("prev").asLong()).isEqualTo(3);
        assertThat(status.get(0).at("/changes/status").asText()).isEqualTo("SUSPENDED");
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void reopenWithAnotherFormatResnapshotsTheStreamingChannel() throws Exception {
        update("m1", 1, null, "home", 1.85);
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        assertThat(onlyMessage("c1").at("/market/selections/0/display").asText()).isEqualTo("1.85");
        work(subscribe("c1", OddsFormat.AMERICAN, 0, true));
        JsonNode again = onlyMessage("c1");
        assertThat(again.get("type").asText()).isEqualTo("snapshot");
        assertThat(again.at("/market/selections/0/display").asText()).isEqualTo("-118");
    }

    @Test
    void afterARestoreTheFirstMessageOfEveryMarketIsASnapshotInANewerEpoch() throws Exception {
        update("m1", 1, null, "home", 1.85);
        update("m2", 1, null, "home", 2.50);
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        long epochBefore = onlyMessage("c1").get("epoch").asLong();
        work(subscribe("c1", "m2", OddsFormat.DECIMAL, 0, true));
        drain();
        OperatorSubtaskState checkpoint = harness.snapshot(1, 1);
        harness.close();

        harness = newHarness(checkpoint, false);
        update("m1", 2, null, "home", 1.90); // replayed input
        List<JsonNode> afterRestore = messagesTo("c1", drain());
        assertThat(afterRestore).hasSize(1);
        assertThat(afterRestore.get(0).get("type").asText()).isEqualTo("snapshot");
        assertThat(afterRestore.get(0).get("version").asLong()).isEqualTo(2);
        assertThat(afterRestore.get(0).get("epoch").asLong()).isGreaterThan(epochBefore);

        update("m1", 3, null, "home", 1.95);
        JsonNode delta = onlyMessage("c1");
        assertThat(delta.get("type").asText()).isEqualTo("delta");
        assertThat(delta.get("epoch").asLong())
                .isEqualTo(afterRestore.get(0).get("epoch").asLong());

        work(MarketWork.of(WorkType.BEGIN, "m2", "c1", 5)); // a command touches m2 first
        List<JsonNode> m2 = messagesTo("c1", drain());
        assertThat(m2).isNotEmpty();
        assertThat(m2)
                .allSatisfy(n -> assertThat(n.get("epoch").asLong()).isGreaterThan(epochBefore));
        assertThat(m2.get(0).get("type").asText()).isEqualTo("snapshot");
    }

    @Test
    void catalogFirstGivesANamedSnapshotWithoutPricesThenTheFeedPricesIt() throws Exception {
        catalog(
                CatalogRows.market("m1", "e1", MarketStatus.OPEN, "Arsenal", "Draw", "Chelsea"),
                50);
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        JsonNode snapshot = onlyMessage("c1");
        assertThat(snapshot.at("/market/name").asText()).isEqualTo("Match result");
        assertThat(snapshot.at("/market/event/name").asText()).isEqualTo("Arsenal v Chelsea");
        assertThat(snapshot.at("/market/event/sport").asText()).isEqualTo("football");
        assertThat(snapshot.at("/market/selections/0/name").asText()).isEqualTo("Arsenal");
        assertThat(snapshot.at("/market/selections/0/price").isNull()).isTrue();

        update("m1", 1, null, "home", 1.85);
        JsonNode delta = onlyMessage("c1");
        assertThat(delta.get("prev").asLong()).isEqualTo(snapshot.get("version").asLong());
        assertThat(delta.at("/changes/selections/0/price").asDouble()).isEqualTo(1.85);
        assertThat(delta.at("/changes/selections/0/name").asText()).isEqualTo("Arsenal");
        assertThat(delta.at("/changes/event").isMissingNode()).isTrue();
    }

    @Test
    void feedFirstThenCatalogChangesArriveAsDeltasWithOnlyWhatChanged() throws Exception {
        update("m1", 1, null, "home", 1.85, "draw", 3.4, "away", 4.2);
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        long v1 = onlyMessage("c1").get("version").asLong();

        catalog(
                CatalogRows.market("m1", "e1", MarketStatus.OPEN, "Arsenal", "Draw", "Chelsea"),
                60);
        JsonNode enriched = onlyMessage("c1");
        assertThat(enriched.get("type").asText()).isEqualTo("delta");
        assertThat(enriched.get("prev").asLong()).isEqualTo(v1);
        assertThat(enriched.get("ts").asLong()).isEqualTo(60);
        assertThat(enriched.at("/changes/name").asText()).isEqualTo("Match result");
        assertThat(enriched.at("/changes/event/name").asText()).isEqualTo("Arsenal v Chelsea");
        assertThat(enriched.at("/changes/selections")).hasSize(3);

        MarketCatalog renamed =
                MarketCatalog.of(
                        CatalogRows.market(
                                "m1", "e1", MarketStatus.OPEN, "Arsenal", "Draw", "Chelsea"),
                        CatalogRows.event("e1", "Arsenal v Chelsea (moved)"),
                        70);
        renamed.event.startTime += 3_600_000;
        work(renamed);
        JsonNode moved = onlyMessage("c1");
        assertThat(moved.get("version").asLong()).isEqualTo(enriched.get("version").asLong() + 1);
        assertThat(moved.at("/changes/event/startTime").asLong()).isEqualTo(1_800_003_600_000L);
        assertThat(moved.at("/changes/name").isMissingNode()).isTrue();
        assertThat(moved.at("/changes/selections").isMissingNode()).isTrue();
    }

    @Test
    void aSuspensionFromEitherSourceHoldsUntilThatSourceReopens() throws Exception {
        update("m1", 1, null, "home", 1.85);
        catalog(CatalogRows.market("m1", "e1", MarketStatus.SUSPENDED, "Arsenal"), 10);
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        assertThat(onlyMessage("c1").at("/market/status").asText()).isEqualTo("SUSPENDED");

        update(
                "m1",
                2,
                MarketStatus.OPEN); // the feed reopening does not lift the trader's suspension
        assertThat(drain()).isEmpty();
        update("m1", 3, MarketStatus.SUSPENDED);
        catalog(CatalogRows.market("m1", "e1", MarketStatus.OPEN, "Arsenal"), 20);
        assertThat(drain()).isEmpty(); // still suspended by the feed
        update("m1", 4, MarketStatus.OPEN);
        JsonNode reopened = onlyMessage("c1");
        assertThat(reopened.at("/changes/status").asText()).isEqualTo("OPEN");
    }

    @Test
    void aMarketClosedOrDeletedInTheCatalogLeavesEveryChannel() throws Exception {
        update("m1", 1, null, "home", 1.85);
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        drain();
        work(MarketCatalog.deleted("m1", 30));
        JsonNode removed = onlyMessage("c1");
        assertThat(removed.get("type").asText()).isEqualTo("removed");
        assertThat(removed.get("reason").asText()).isEqualTo("CLOSED");
        assertThat(storedEntries()).isEqualTo(2); // data and release timer
    }

    // ---------------------------------------------------------------- query subscriptions

    /**
     * Also proves that keyed state read through the runtime context inside {@code
     * applyToKeyedState} is the visited market's (the backend sets the current key): each joining
     * market's snapshot names that market, and its subscription is stored under it.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void aQueryJoinsEveryMatchingMarketWithASnapshotAndNoOther(boolean rocksDb) throws Exception {
        harness.close();
        harness = newHarness(null, rocksDb);
        work(MarketCatalog.of(row("m1", "e1"), event("e1", "football", 0), 10));
        work(MarketCatalog.of(row("m2", "e2"), event("e2", "tennis", 0), 10));
        work(MarketCatalog.of(row("m3", "e3"), event("e3", "football", 0), 10));
        update("m4", 1, null, "home", 1.5); // feed only (event e1 from the feed): no sport known
        drain();

        query(add("c1", "q1", sport("football"), true));
        List<JsonNode> joined = messagesTo("c1", drain());
        assertThat(joined).extracting(n -> n.get("type").asText()).containsOnly("snapshot");
        assertThat(joined)
                .extracting(n -> n.get("marketId").asText())
                .containsExactlyInAnyOrder("m1", "m3");
        assertThat(joined).allSatisfy(n -> assertThat(n.get("ts").asLong()).isEqualTo(77));

        update("m1", 1, null, "home", 1.85);
        update("m2", 1, null, "home", 1.85);
        List<RedisWrite> out = drain();
        assertThat(messagesTo("c1", out)).hasSize(1);
        assertThat(messagesTo("c1", out).get(0).get("marketId").asText()).isEqualTo("m1");
        assertThat(messagesTo("c1", out).get(0).get("type").asText()).isEqualTo("delta");

        // an eventId-only query also matches a market the catalog does not know, by feed event
        query(add("c2", "q1", eventId("e1"), true));
        assertThat(messagesTo("c2", drain()))
                .extracting(n -> n.get("marketId").asText())
                .containsExactlyInAnyOrder("m1", "m4");
    }

    @Test
    void aCatalogChangeMakesOneMarketJoinAndAnotherLeave() throws Exception {
        work(MarketCatalog.of(row("m1", "e1"), event("e1", "football", 0), 10));
        work(MarketCatalog.of(row("m2", "e2"), event("e2", "tennis", 0), 10));
        query(add("c1", "q1", sport("football"), true));
        assertThat(onlyMessage("c1").get("marketId").asText()).isEqualTo("m1");

        work(MarketCatalog.of(row("m2", "e2"), event("e2", "football", 0), 20));
        JsonNode joined = onlyMessage("c1");
        assertThat(joined.get("type").asText()).isEqualTo("snapshot");
        assertThat(joined.get("marketId").asText()).isEqualTo("m2");
        assertThat(joined.at("/market/event/sport").asText()).isEqualTo("football");

        work(MarketCatalog.of(row("m1", "e1"), event("e1", "tennis", 0), 30));
        List<JsonNode> left = messagesTo("c1", drain());
        assertThat(left)
                .extracting(n -> n.get("type").asText())
                .containsExactly("delta", "removed");
        assertThat(left.get(1).get("reason").asText()).isEqualTo("QUERY_MISMATCH");
        assertThat(left.get(1).get("version").asLong())
                .isEqualTo(left.get(0).get("version").asLong());

        update("m1", 1, null, "home", 2.0);
        assertThat(messagesTo("c1", drain())).isEmpty();
        assertThat(storedEntries()).isEqualTo(3); // m1's data; m2's data and c1
    }

    @Test
    void aMarketWhoseDataArrivesAfterTheQueryJoinsWithItsFirstData() throws Exception {
        query(add("c1", "q1", sport("football"), true));
        work(MarketCatalog.of(row("m1", "e1"), event("e1", "football", 0), 10));
        JsonNode snapshot = onlyMessage("c1");
        assertThat(snapshot.get("type").asText()).isEqualTo("snapshot");
        assertThat(snapshot.get("version").asLong()).isEqualTo(1);

        // the query's markets stay quiet until BEGIN when the channel does not stream yet
        query(add("c2", "q1", sport("football"), false));
        assertThat(drain()).isEmpty();
        query(beginQuery("c2", "q1"));
        assertThat(onlyMessage("c2").get("type").asText()).isEqualTo("snapshot");
        work(MarketCatalog.of(row("m2", "e1"), event("e1", "football", 0), 20));
        assertThat(messagesTo("c2", drain()))
                .extracting(n -> n.get("type").asText() + ":" + n.get("marketId").asText())
                .containsExactly("snapshot:m2"); // BEGIN reached the stored query too
    }

    @Test
    void aMarketListedAndHeldByAQueryStaysWhenEitherGoes() throws Exception {
        work(MarketCatalog.of(row("m1", "e1"), event("e1", "football", 0), 10));
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true));
        assertThat(onlyMessage("c1").get("type").asText()).isEqualTo("snapshot");
        query(add("c1", "q1", sport("football"), true));
        assertThat(drain()).isEmpty(); // already held: no second snapshot

        query(remove("c1", "q1", RemovalReason.UNSUBSCRIBED));
        assertThat(drain()).isEmpty();
        update("m1", 1, null, "home", 1.85);
        assertThat(onlyMessage("c1").get("type").asText()).isEqualTo("delta");

        query(add("c1", "q2", sport("football"), true));
        work(MarketWork.of(WorkType.UNSUBSCRIBE, "m1", "c1", 1));
        assertThat(drain()).isEmpty(); // the query still holds it
        update("m1", 2, null, "home", 1.90);
        assertThat(onlyMessage("c1").get("type").asText()).isEqualTo("delta");

        query(remove("c1", "q2", RemovalReason.UNSUBSCRIBED));
        JsonNode removed = onlyMessage("c1");
        assertThat(removed.get("type").asText()).isEqualTo("removed");
        assertThat(removed.get("reason").asText()).isEqualTo("UNSUBSCRIBED");
        assertThat(storedEntries()).isEqualTo(1);
    }

    @Test
    void startsWithinMinutesJoinsAtTheBoundaryAndLeavesAtKickOffByTimers() throws Exception {
        long now = 1_000_000;
        long kickOff = now + 90 * MINUTE;
        harness.setProcessingTime(now);
        work(MarketCatalog.of(row("m1", "e1"), event("e1", "football", kickOff), 10));
        work(MarketCatalog.of(row("m2", "e2"), event("e2", "football", now + 30 * MINUTE), 10));
        drain();

        MarketQuery soon = new MarketQuery();
        soon.startsWithinMinutes = 60;
        query(add("c1", "q1", soon, true));
        assertThat(messagesTo("c1", drain()))
                .extracting(n -> n.get("marketId").asText())
                .containsExactly("m2");
        // the broadcast side cannot register m1's boundary: its next input does
        assertThat(harness.numProcessingTimeTimers()).isZero();
        update("m1", 1, null, "home", 1.85);
        update("m2", 1, null, "home", 1.85);
        drain();
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(2);

        harness.setProcessingTime(kickOff - 60 * MINUTE - 1);
        assertThat(drain()).isEmpty();
        harness.setProcessingTime(kickOff - 60 * MINUTE);
        JsonNode joined = onlyMessage("c1");
        assertThat(joined.get("type").asText()).isEqualTo("snapshot");
        assertThat(joined.get("marketId").asText()).isEqualTo("m1");
        assertThat(joined.get("ts").asLong()).isEqualTo(kickOff - 60 * MINUTE);

        harness.setProcessingTime(now + 30 * MINUTE); // m2 kicks off: still matches at its start
        assertThat(drain()).isEmpty();
        harness.setProcessingTime(now + 30 * MINUTE + 1);
        JsonNode m2Left = onlyMessage("c1");
        assertThat(m2Left.get("marketId").asText()).isEqualTo("m2");
        assertThat(m2Left.get("reason").asText()).isEqualTo("QUERY_MISMATCH");

        harness.setProcessingTime(kickOff + 1);
        JsonNode m1Left = onlyMessage("c1");
        assertThat(m1Left.get("marketId").asText()).isEqualTo("m1");
        assertThat(m1Left.get("reason").asText()).isEqualTo("QUERY_MISMATCH");
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(storedEntries()).isEqualTo(2);
    }

    @Test
    void throttleAndBoundaryTimersOfOneMarketAreToldApart() throws Exception {
        long now = 1_000_000;
        harness.setProcessingTime(now);
        work(MarketCatalog.of(row("m1", "e1"), event("e1", "football", now + 10 * MINUTE), 10));
        MarketQuery soon = new MarketQuery();
        soon.startsWithinMinutes = 60;
        QueryCommand throttled = add("c1", "q1", soon, true);
        throttled.throttleMs = 1_000;
        query(throttled);
        assertThat(onlyMessage("c1").get("type").asText()).isEqualTo("snapshot");

        update("m1", 1, null, "home", 1.85); // deferred by the throttle; registers the boundary
        assertThat(drain())
                .extracting(MarketReducerTest::describe)
                .containsExactly("SET market:m1");
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(2);

        harness.setProcessingTime(now + 1_000); // the throttle timer: the merged delta, no removal
        JsonNode delta = onlyMessage("c1");
        assertThat(delta.get("type").asText()).isEqualTo("delta");
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

        harness.setProcessingTime(now + 10 * MINUTE + 1); // the boundary timer: kick-off
        assertThat(onlyMessage("c1").get("reason").asText()).isEqualTo("QUERY_MISMATCH");
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void expiryOfAQueryTellsTheStreamingSubscriber() throws Exception {
        work(MarketCatalog.of(row("m1", "e1"), event("e1", "football", 0), 10));
        query(add("c1", "q1", sport("football"), true));
        drain();
        query(remove("c1", "q1", RemovalReason.EXPIRED));
        JsonNode removed = onlyMessage("c1");
        assertThat(removed.get("type").asText()).isEqualTo("removed");
        assertThat(removed.get("reason").asText()).isEqualTo("EXPIRED");
        assertThat(storedEntries()).isEqualTo(1);
    }

    @Test
    void disconnectOfAChannelHoldingQueryMarketsLeavesOnlyMarketData() throws Exception {
        long now = 1_000_000;
        harness.setProcessingTime(now);
        work(MarketCatalog.of(row("m1", "e1"), event("e1", "football", 0), 10));
        work(MarketCatalog.of(row("m2", "e2"), event("e2", "tennis", now + 10 * MINUTE), 10));
        work(subscribe("c1", OddsFormat.DECIMAL, 0, true)); // m1 by list
        query(add("c1", "q1", sport("football"), true)); // m1 again
        MarketQuery soon = new MarketQuery();
        soon.startsWithinMinutes = 60;
        query(add("c1", "q2", soon, true)); // m2
        update("m2", 1, null, "home", 1.85); // registers m2's kick-off boundary
        drain();
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

        // DISCONNECT: REMOVE per query (no reason: silent) and DISCONNECT work per listed market,
        // in either order
        query(remove("c1", "q2", null));
        work(MarketWork.of(WorkType.DISCONNECT, "m1", "c1", 1));
        query(remove("c1", "q1", null));

        assertThat(drain()).isEmpty();
        assertThat(storedEntries()).isEqualTo(2); // the two markets' data
        // the broadcast side could not delete m2's boundary timer: it fires as a no-op
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
        harness.setProcessingTime(now + 10 * MINUTE + 1);
        assertThat(drain()).isEmpty();
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(storedEntries()).isEqualTo(2);
    }

    @Test
    void queriesSurviveARestoreAndACatalogChangeAfterItStillJoins() throws Exception {
        work(MarketCatalog.of(row("m1", "e1"), event("e1", "football", 0), 10));
        work(MarketCatalog.of(row("m2", "e2"), event("e2", "tennis", 0), 10));
        query(add("c1", "q1", sport("football"), true));
        long epochBefore = onlyMessage("c1").get("epoch").asLong();
        OperatorSubtaskState checkpoint = harness.snapshot(1, 1);
        harness.close();

        harness = newHarness(checkpoint, false);
        work(MarketCatalog.of(row("m2", "e2"), event("e2", "football", 0), 20));
        JsonNode joined = onlyMessage("c1");
        assertThat(joined.get("type").asText()).isEqualTo("snapshot");
        assertThat(joined.get("marketId").asText()).isEqualTo("m2");
        assertThat(joined.get("epoch").asLong()).isGreaterThan(epochBefore);

        work(MarketCatalog.of(row("m1", "e1"), event("e1", "tennis", 30), 30));
        assertThat(messagesTo("c1", drain()))
                .extracting(n -> n.get("type").asText())
                .containsExactly("snapshot", "removed"); // new epoch first, then it leaves
    }

    @Test
    void aQueryAddedAfterARestoreWaitsForTheMarketsNewEpoch() throws Exception {
        work(MarketCatalog.of(row("m1", "e1"), event("e1", "football", 0), 10));
        OperatorSubtaskState checkpoint = harness.snapshot(1, 1);
        harness.close();
        harness = newHarness(checkpoint, false);

        query(add("c1", "q1", sport("football"), true));
        assertThat(drain()).isEmpty(); // m1 is still in the old epoch: no snapshot from there
        update("m1", 1, null, "home", 1.85);
        List<JsonNode> first = messagesTo("c1", drain());
        assertThat(first).hasSize(1);
        assertThat(first.get(0).get("type").asText()).isEqualTo("snapshot");
        assertThat(first.get(0).get("version").asLong()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- helpers

    private static final long MINUTE = MarketQuery.MINUTE_MS;
    private static final Duration CLOSED_TTL = Duration.ofMinutes(10);
    private static final int HOT_MARKETS = OddsOptions.HOT_MARKETS.defaultValue();
    private static final Duration WRITE_DELAY = OddsOptions.HOT_MARKET_WRITE_DELAY.defaultValue();

    private void query(QueryCommand command) throws Exception {
        harness.processElement2(command, command.ts);
    }

    private static QueryCommand add(
            String channel, String queryId, MarketQuery query, boolean streaming) {
        QueryCommand add = QueryCommand.of(QueryCommand.Type.ADD, channel, queryId, 77);
        add.query = query;
        add.oddsFormat = OddsFormat.DECIMAL;
        add.streaming = streaming;
        return add;
    }

    private static QueryCommand remove(String channel, String queryId, RemovalReason reason) {
        QueryCommand remove = QueryCommand.of(QueryCommand.Type.REMOVE, channel, queryId, 78);
        remove.reason = reason == null ? null : reason.name();
        return remove;
    }

    private static QueryCommand beginQuery(String channel, String queryId) {
        return QueryCommand.of(QueryCommand.Type.BEGIN, channel, queryId, 79);
    }

    private static MarketQuery sport(String sport) {
        MarketQuery query = new MarketQuery();
        query.sport = sport;
        return query;
    }

    private static MarketQuery eventId(String eventId) {
        MarketQuery query = new MarketQuery();
        query.eventId = eventId;
        return query;
    }

    private static MarketRow row(String market, String event) {
        return CatalogRows.market(market, event, MarketStatus.OPEN, "Home", "Away");
    }

    private static EventRow event(String id, String sport, long startTime) {
        EventRow event = CatalogRows.event(id, id + " event");
        event.sport = sport;
        if (startTime != 0) {
            event.startTime = startTime;
        }
        return event;
    }

    private void catalog(MarketRow row, long ts) throws Exception {
        work(MarketCatalog.of(row, CatalogRows.event(row.eventId, "Arsenal v Chelsea"), ts));
    }

    private void work(MarketCatalog catalog) throws Exception {
        harness.processElement1(MarketInput.of(catalog), catalog.ts);
    }

    /**
     * The operator the pipeline builds ({@code keyBy(...).connect(broadcast).process(...)}). Not
     * {@code ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction}: its harness opens at
     * once (no restore) and cannot count keyed state entries, which these tests check.
     */
    private static KeyedTwoInputStreamOperatorTestHarness<
                    String, MarketInput, QueryCommand, RedisWrite>
            newHarness(OperatorSubtaskState restoreFrom, boolean rocksDb) throws Exception {
        var h =
                new KeyedTwoInputStreamOperatorTestHarness<
                        String, MarketInput, QueryCommand, RedisWrite>(
                        new MarketReducerOperator(CLOSED_TTL, HOT_MARKETS, WRITE_DELAY),
                        MarketInput::marketId,
                        null,
                        Types.STRING);
        if (rocksDb) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
        }
        if (restoreFrom != null) {
            h.initializeState(restoreFrom);
        }
        h.open();
        return h;
    }

    private void update(String market, long seq, MarketStatus status, Object... prices)
            throws Exception {
        MarketUpdate update = new MarketUpdate();
        update.marketId = market;
        update.eventId = "e1";
        update.seq = seq;
        update.status = status;
        update.recordTime = 1_000 * seq;
        update.selections = new SelectionPrice[prices.length / 2];
        for (int i = 0; i < prices.length; i += 2) {
            update.selections[i / 2] =
                    new SelectionPrice((String) prices[i], ((Number) prices[i + 1]).doubleValue());
        }
        harness.processElement1(MarketInput.of(update), update.recordTime);
    }

    private void update(String market, long seq, MarketStatus status) throws Exception {
        update(market, seq, status, new Object[0]);
    }

    private void work(MarketWork work) throws Exception {
        harness.processElement1(MarketInput.of(work), work.ts);
    }

    private static MarketWork subscribe(
            String channel, OddsFormat format, long throttleMs, boolean streaming) {
        return subscribe(channel, "m1", format, throttleMs, streaming);
    }

    private static MarketWork subscribe(
            String channel, String market, OddsFormat format, long throttleMs, boolean streaming) {
        MarketWork work = MarketWork.of(WorkType.SUBSCRIBE, market, channel, 1);
        work.oddsFormat = format;
        work.throttleMs = throttleMs;
        work.streaming = streaming;
        return work;
    }

    /**
     * The keyed state's entries as a checkpoint finds them: the snapshot writes the hot markets'
     * changed states back first.
     */
    private int storedEntries() throws Exception {
        harness.snapshot(++checkpoints, 0);
        return harness.numKeyedStateEntries();
    }

    /** The subscription as the reducer's state holds it. */
    private Subscription subscription(String market, String channel) throws Exception {
        AbstractStreamOperator<RedisWrite> operator =
                (AbstractStreamOperator<RedisWrite>) harness.getOperator();
        KeyedStateBackend<String> backend = operator.getKeyedStateBackend();
        backend.setCurrentKey(market);
        return backend.getPartitionedState(
                        VoidNamespace.INSTANCE,
                        VoidNamespaceSerializer.INSTANCE,
                        MarketReducer.SUBSCRIBERS)
                .get(channel);
    }

    /** The bytes the subscription takes in state (before RocksDB's own framing). */
    private int storedBytes(String market, String channel) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        SubscriptionSerializer.INSTANCE.serialize(subscription(market, channel), out);
        return out.length();
    }

    private static MarketWork begin(String channel, Long since) {
        MarketWork work = MarketWork.of(WorkType.BEGIN, "m1", channel, 1);
        work.since = since;
        return work;
    }

    private List<RedisWrite> drain() {
        List<RedisWrite> out = harness.extractOutputValues();
        harness.getOutput().clear();
        return out;
    }

    private JsonNode onlyMessage(String channel) {
        List<JsonNode> messages = messagesTo(channel, drain());
        assertThat(messages).hasSize(1);
        return messages.get(0);
    }

    private static List<JsonNode> messagesTo(String channel, List<RedisWrite> out) {
        return out.stream()
                .filter(w -> w.command == RedisWrite.Command.PUBLISH)
                .filter(w -> new String(w.key, StandardCharsets.UTF_8).equals("stream:" + channel))
                .map(MarketReducerTest::json)
                .collect(Collectors.toList());
    }

    private static String describe(RedisWrite write) {
        return write.command + " " + new String(write.key, StandardCharsets.UTF_8);
    }

    private static JsonNode json(RedisWrite write) {
        try {
            return JSON.readTree(write.value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package com.marketcast.odds.catalog;

import static com.marketcast.odds.catalog.CatalogRows.deleteMarket;
import static com.marketcast.odds.catalog.CatalogRows.event;
import static com.marketcast.odds.catalog.CatalogRows.market;
import static com.marketcast.odds.catalog.CatalogRows.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.odds.model.MarketStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CatalogJoinTest {
    private KeyedOneInputStreamOperatorTestHarness<String, CatalogChange, MarketCatalog> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        new CatalogJoin(), CatalogChange::eventKey, Types.STRING);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void aMarketRowBeforeItsEventIsHeldUntilTheEventArrives() throws Exception {
        send(upsert(market("m1", "e1", MarketStatus.OPEN, "Arsenal", "Draw", "Chelsea"), 1));
        assertThat(drain()).isEmpty();

        send(upsert(event("e1", "Arsenal v Chelsea"), 2));
        List<MarketCatalog> out = drain();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).marketId).isEqualTo("m1");
        assertThat(out.get(0).event.name).isEqualTo("Arsenal v Chelsea");
        assertThat(out.get(0).market.selections[0].name).isEqualTo("Arsenal");
        assertThat(out.get(0).ts).isEqualTo(2);
    }

    @Test
    void anEventBeforeItsMarketsEnrichesEachMarketOnArrival() throws Exception {
        send(upsert(event("e1", "Arsenal v Chelsea"), 1));
        send(upsert(market("m1", "e1", MarketStatus.OPEN), 2));
        assertThat(drain())
                .extracting(c -> c.marketId + ":" + c.event.name)
                .containsExactly("m1:Arsenal v Chelsea");
    }

    @Test
    void anEventChangeReachesEveryMarketOfTheEventAndARepeatReachesNone() throws Exception {
        send(upsert(event("e1", "Arsenal v Chelsea"), 1));
        send(upsert(market("m1", "e1", MarketStatus.OPEN), 2));
        send(upsert(market("m2", "e1", MarketStatus.OPEN), 3));
        drain();

        send(upsert(event("e1", "Arsenal v Chelsea FC"), 4));
        assertThat(drain())
                .extracting(c -> c.marketId + ":" + c.event.name)
                .containsExactlyInAnyOrder("m1:Arsenal v Chelsea FC", "m2:Arsenal v Chelsea FC");

        send(upsert(event("e1", "Arsenal v Chelsea FC"), 5)); // unchanged
        assertThat(drain()).isEmpty();
    }

    @Test
    void aMarketThatMovesLeavesItsOldEventAndADeleteReleasesIt() throws Exception {
        send(upsert(event("e1", "Arsenal v Chelsea"), 1));
        send(upsert(market("m1", "e1", MarketStatus.OPEN), 2));
        CatalogChange moved = upsert(market("m1", "e2", MarketStatus.OPEN), 3);
        moved.previousEventId = "e1";
        send(moved.movedAwayNotice());
        drain();

        send(upsert(event("e1", "renamed"), 4));
        assertThat(drain()).isEmpty(); // m1 belongs to e2 now

        send(upsert(event("e2", "Spurs v Everton"), 5));
        send(upsert(market("m2", "e2", MarketStatus.OPEN), 6));
        drain();
        send(deleteMarket("m2", "e2", 7));
        List<MarketCatalog> out = drain();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).market).isNull();
        assertThat(out.get(0).marketId).isEqualTo("m2");
    }

    @Test
    void aClosedMarketIsEmittedOnceThenForgottenUntilItComesBack() throws Exception {
        send(upsert(event("e1", "Arsenal v Chelsea"), 1));
        send(upsert(market("m1", "e1", MarketStatus.OPEN), 2));
        send(upsert(market("m2", "e1", MarketStatus.OPEN), 3));
        drain();

        assertThat(heldMarkets("e1")).containsExactly("m1", "m2");

        send(upsert(market("m1", "e1", MarketStatus.CLOSED), 4));
        assertThat(drain())
                .extracting(c -> c.marketId + ":" + c.market.status)
                .containsExactly("m1:CLOSED");
        assertThat(heldMarkets("e1")).containsExactly("m2");

        send(upsert(event("e1", "Arsenal v Chelsea FC"), 5));
        assertThat(drain()).extracting(c -> c.marketId).containsExactly("m2");

        send(upsert(market("m1", "e1", MarketStatus.OPEN), 6)); // reopened
        assertThat(drain())
                .extracting(c -> c.marketId + ":" + c.event.name)
                .containsExactly("m1:Arsenal v Chelsea FC");
        assertThat(heldMarkets("e1")).containsExactly("m1", "m2");
    }

    @Test
    void aClosedMarketBeforeItsEventIsEmittedWhenTheEventArrivesThenForgotten() throws Exception {
        send(upsert(market("m1", "e1", MarketStatus.CLOSED), 1));
        assertThat(heldMarkets("e1")).containsExactly("m1"); // until its event is known
        send(upsert(event("e1", "Arsenal v Chelsea"), 2));
        assertThat(drain()).extracting(c -> c.marketId).containsExactly("m1");
        assertThat(heldMarkets("e1")).isEmpty();
        send(upsert(event("e1", "Arsenal v Chelsea FC"), 3));
        assertThat(drain()).isEmpty();
    }

    /** The market ids in the event's {@link CatalogJoin#MARKETS} state, sorted. */
    private List<String> heldMarkets(String eventId) throws Exception {
        AbstractStreamOperator<?> operator = (AbstractStreamOperator<?>) harness.getOperator();
        operator.setCurrentKey(eventId);
        MapState<String, MarketRow> markets =
                operator.getKeyedStateBackend()
                        .getPartitionedState(
                                VoidNamespace.INSTANCE,
                                VoidNamespaceSerializer.INSTANCE,
                                CatalogJoin.MARKETS);
        List<String> ids = new ArrayList<>();
        markets.keys().forEach(ids::add);
        Collections.sort(ids);
        return ids;
    }

    private void send(CatalogChange change) throws Exception {
        harness.processElement(change, change.ts);
    }

    private List<MarketCatalog> drain() {
        List<MarketCatalog> out = harness.extractOutputValues();
        harness.getOutput().clear();
        return out;
    }
}

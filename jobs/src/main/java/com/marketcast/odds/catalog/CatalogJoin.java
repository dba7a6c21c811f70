package com.marketcast.odds.catalog;

import com.marketcast.odds.model.MarketStatus;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by event id: joins the catalog's events and markets, so that a change of an event (a
 * rename, a moved kick-off, in-play) reaches every market of that event. Emits a market's joined
 * catalog data once both its row and its event's row are known, in whichever order they come. A
 * closed market is emitted once and then forgotten here; a later row of it (reopened) joins again.
 */
public class CatalogJoin extends KeyedProcessFunction<String, CatalogChange, MarketCatalog> {
    private static final long serialVersionUID = 1L;

    public static final ValueStateDescriptor<EventRow> EVENT =
            new ValueStateDescriptor<>("event", EventRow.class);
    public static final MapStateDescriptor<String, MarketRow> MARKETS =
            new MapStateDescriptor<>(
                    "event-markets", Types.STRING, TypeInformation.of(MarketRow.class));

    private transient ValueState<EventRow> event;
    private transient MapState<String, MarketRow> markets;

    @Override
    public void open(Configuration parameters) {
        event = getRuntimeContext().getState(EVENT);
        markets = getRuntimeContext().getMapState(MARKETS);
    }

    @Override
    public void processElement(CatalogChange change, Context ctx, Collector<MarketCatalog> out)
            throws Exception {
        if (change.isEvent()) {
            onEvent(change, out);
        } else {
            onMarket(change, out);
        }
    }

    private void onEvent(CatalogChange change, Collector<MarketCatalog> out) throws Exception {
        if (change.deleted) {
            // the catalog's foreign key keeps an event with markets from being deleted
            event.clear();
            return;
        }
        if (change.event.sameAs(event.value())) {
            return;
        }
        event.update(change.event);
        List<MarketRow> rows = new ArrayList<>();
        markets.values().forEach(rows::add);
        for (MarketRow row : rows) {
            out.collect(MarketCatalog.of(row, change.event, change.ts));
            if (row.status == MarketStatus.CLOSED) {
                markets.remove(row.marketId); // held only until its event was known
            }
        }
    }

    private void onMarket(CatalogChange change, Collector<MarketCatalog> out) throws Exception {
        if (change.movedAway) {
            markets.remove(change.deletedId);
            return;
        }
        if (change.deleted) {
            markets.remove(change.deletedId);
            out.collect(MarketCatalog.deleted(change.deletedId, change.ts));
            return;
        }
        EventRow current = event.value();
        if (current == null) {
            markets.put(change.market.marketId, change.market);
            return;
        }
        out.collect(MarketCatalog.of(change.market, current, change.ts));
        if (change.market.status == MarketStatus.CLOSED) {
            // the market has learnt it closed; later changes of its event are not its concern,
            // and a catalog that keeps closed markets forever does not grow this state
            markets.remove(change.market.marketId);
        } else {
            markets.put(change.market.marketId, change.market);
        }
    }
}

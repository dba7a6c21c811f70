package com.marketcast.odds.markets;

import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.channels.MarketWork;
import com.marketcast.odds.model.MarketUpdate;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * Everything the market reducer consumes, keyed by market id: a feed update or channel work
 * (exactly one field is set). One union type rather than a two-input operator, so further keyed
 * inputs (catalog rows) join as another field, and the broadcast query stream can still connect to
 * the one keyed stream.
 */
@TypeInfo(MarketInputSerializer.Factory.class)
public class MarketInput {
    public MarketUpdate update;
    public MarketWork work;
    public MarketCatalog catalog;

    public MarketInput() {}

    public static MarketInput of(MarketUpdate update) {
        MarketInput input = new MarketInput();
        input.update = update;
        return input;
    }

    public static MarketInput of(MarketWork work) {
        MarketInput input = new MarketInput();
        input.work = work;
        return input;
    }

    public static MarketInput of(MarketCatalog catalog) {
        MarketInput input = new MarketInput();
        input.catalog = catalog;
        return input;
    }

    public String marketId() {
        if (update != null) {
            return update.marketId;
        }
        return work != null ? work.marketId : catalog.marketId;
    }

    @Override
    public String toString() {
        return update != null
                ? update.toString()
                : work != null ? work.toString() : String.valueOf(catalog);
    }
}

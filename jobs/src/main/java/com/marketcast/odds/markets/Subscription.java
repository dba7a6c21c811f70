package com.marketcast.odds.markets;

import com.marketcast.odds.model.OddsFormat;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One channel's subscription to one market, held by the market reducer.
 *
 * <p>An unthrottled streaming subscriber always holds the market's current version (it gets every
 * delta), so an update does not write its subscription. A throttled one remembers what it was last
 * sent and when it may be sent the next delta.
 *
 * <p>A channel can hold a market for several reasons at once: by list ({@code listed}) and by any
 * number of its queries ({@code queries}). The subscription stays while any of them holds.
 */
@TypeInfo(SubscriptionSerializer.Factory.class)
public class Subscription {
    public OddsFormat oddsFormat = OddsFormat.DECIMAL;
    public long throttleMs;

    /** BEGIN_STREAM reached this market: messages flow. */
    public boolean streaming;

    /** Throttled only: the version last sent. */
    public long sentVersion;

    /** Throttled only: processing time from which the next delta may go out. */
    public long nextSendAt;

    /**
     * Subscribed by list (SUBSCRIBE markets). True by default on purpose: a subscription restored
     * from a savepoint taken before query subscriptions existed has no such field, and the POJO
     * serializer builds it with this constructor, so it stays listed as it was. A query join sets
     * it to false.
     */
    public boolean listed = true;

    /** Ids of the channel's queries that hold the market, sorted; null or empty for none. */
    public String[] queries;

    public Subscription() {}

    boolean throttled() {
        return throttleMs > 0;
    }

    boolean heldByQuery() {
        return queries != null && queries.length > 0;
    }

    /** Held by list or by a query: otherwise the subscription is removed. */
    boolean held() {
        return listed || heldByQuery();
    }
}

package com.marketcast.odds.markets;

import com.marketcast.odds.model.OddsFormat;

/**
 * One channel's subscription to one market, held by the market reducer.
 *
 * <p>An unthrottled streaming subscriber always holds the market's current version (it gets every
 * delta), so an update does not write its subscription. A throttled one remembers what it was last
 * sent and when it may be sent the next delta.
 */
public class Subscription {
    public OddsFormat oddsFormat = OddsFormat.DECIMAL;
    public long throttleMs;

    /** BEGIN_STREAM reached this market: messages flow. */
    public boolean streaming;

    /** Throttled only: the version last sent. */
    public long sentVersion;

    /** Throttled only: processing time from which the next delta may go out. */
    public long nextSendAt;

    public Subscription() {}

    boolean throttled() {
        return throttleMs > 0;
    }
}

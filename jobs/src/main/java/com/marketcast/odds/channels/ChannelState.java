package com.marketcast.odds.channels;

import com.marketcast.odds.model.OddsFormat;

/** A channel's view and liveness, held by the registry (its markets are a MapState beside it). */
public class ChannelState {
    public OddsFormat oddsFormat = OddsFormat.DECIMAL;
    public long throttleMs;

    /** Set by the first BEGIN_STREAM: markets subscribed later start at once. */
    public boolean streaming;

    /** Processing time of the last command. */
    public long lastSeen;

    /** The one registered expiry timer (processing time), so it can be deleted on DISCONNECT. */
    public long expiryTimer;

    public ChannelState() {}
}

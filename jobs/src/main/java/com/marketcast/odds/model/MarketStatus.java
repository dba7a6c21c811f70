package com.marketcast.odds.model;

/** A market's trading status (PROTOCOL section 1). */
public enum MarketStatus {
    OPEN,
    SUSPENDED,
    CLOSED
}

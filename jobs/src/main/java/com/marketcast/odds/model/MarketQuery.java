package com.marketcast.odds.model;

import com.marketcast.odds.catalog.EventRow;
import com.marketcast.odds.markets.MarketState;
import java.util.Objects;

/**
 * The {@code query} of a query SUBSCRIBE (PROTOCOL section 2): which markets, by their event, a
 * channel follows. Every given clause must hold; a null clause is not checked. The parser ensures
 * at least one is given.
 *
 * <p>The clauses read the market's catalog event, so a market the catalog does not know yet (no
 * {@code event}) can only match a query on {@code eventId} alone, through the feed's event id. A
 * closed market never matches.
 */
public class MarketQuery {
    public static final long MINUTE_MS = 60_000L;

    public String sport;
    public String competition;
    public String eventId;
    public Boolean inPlay;

    /** The event starts within this many minutes from now (and has not started). */
    public Integer startsWithinMinutes;

    public MarketQuery() {}

    public boolean matches(MarketState market, long now) {
        if (market.status == MarketStatus.CLOSED) {
            return false;
        }
        EventRow event = market.event;
        if (event == null) {
            return eventIdOnly() && eventId.equals(market.eventId);
        }
        return (sport == null || sport.equals(event.sport))
                && (competition == null || competition.equals(event.competition))
                && (eventId == null || eventId.equals(event.eventId))
                && (inPlay == null || inPlay == event.inPlay)
                && (startsWithinMinutes == null
                        || (now <= event.startTime
                                && event.startTime <= now + startsWithinMinutes * MINUTE_MS));
    }

    /**
     * The first instant after {@code now} at which the answer of {@link #matches} can change by the
     * clock alone, or {@link Long#MAX_VALUE}: only {@code startsWithinMinutes} depends on time, and
     * only for a market whose other clauses hold. The event joins at {@code startTime - N min} and
     * leaves at {@code startTime + 1} (at {@code startTime} itself it still matches: {@code now <=
     * startTime}).
     */
    public long nextBoundary(MarketState market, long now) {
        EventRow event = market.event;
        if (startsWithinMinutes == null
                || event == null
                || market.status == MarketStatus.CLOSED
                || (sport != null && !sport.equals(event.sport))
                || (competition != null && !competition.equals(event.competition))
                || (eventId != null && !eventId.equals(event.eventId))
                || (inPlay != null && inPlay != event.inPlay)) {
            return Long.MAX_VALUE;
        }
        long joins = event.startTime - startsWithinMinutes * MINUTE_MS;
        if (joins > now) {
            return joins;
        }
        long leaves = event.startTime + 1;
        return leaves > now ? leaves : Long.MAX_VALUE;
    }

    private boolean eventIdOnly() {
        return eventId != null
                && sport == null
                && competition == null
                && inPlay == null
                && startsWithinMinutes == null;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MarketQuery)) {
            return false;
        }
        MarketQuery other = (MarketQuery) o;
        return Objects.equals(sport, other.sport)
                && Objects.equals(competition, other.competition)
                && Objects.equals(eventId, other.eventId)
                && Objects.equals(inPlay, other.inPlay)
                && Objects.equals(startsWithinMinutes, other.startsWithinMinutes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sport, competition, eventId, inPlay, startsWithinMinutes);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("{");
        clause(s, "sport", sport);
        clause(s, "competition", competition);
        clause(s, "eventId", eventId);
        clause(s, "inPlay", inPlay);
        clause(s, "startsWithinMinutes", startsWithinMinutes);
        return s.append('}').toString();
    }

    private static void clause(StringBuilder s, String name, Object value) {
        if (value != null) {
            s.append(s.length() > 1 ? " " : "").append(name).append('=').append(value);
        }
    }
}

package com.marketcast.gateway;

import java.util.HashMap;
import java.util.Map;

/**
 * The subscriber rules of PROTOCOL section 3 for one channel: the (epoch, version) held per market
 * and what to do with each message. Not thread-safe: one {@link StreamRelay} owns it.
 */
final class MarketChains {
    /** What becomes of a message. */
    enum Verdict {
        /** In order: goes to the client. */
        FORWARD,
        /** Already seen (an older version, or an older epoch): dropped. */
        DUPLICATE,
        /** A delta after a missed message: dropped, and the market must be resynced. */
        GAP,
        /** A delta of a market whose resync is under way: dropped, no new request. */
        AWAITING_RESYNC
    }

    private static final class Held {
        long epoch;
        long version;
    }

    private final Map<String, Held> held = new HashMap<>();
    private final Map<String, Long> resyncRequestedAt = new HashMap<>();
    private final long resyncRetryMs;

    /** {@code resyncRetryMs}: a gap while a resync is older than this asks again. */
    MarketChains(long resyncRetryMs) {
        this.resyncRetryMs = resyncRetryMs;
    }

    Verdict accept(String type, String marketId, long epoch, long version, long prev, long now) {
        Held h = held.get(marketId);
        switch (type) {
            case "snapshot", "current" -> {
                if (h != null && !newerOrSame(h, epoch, version)) {
                    return Verdict.DUPLICATE;
                }
                if (h == null) {
                    h = new Held();
                    held.put(marketId, h);
                }
                h.epoch = epoch;
                h.version = version;
                if (type.equals("snapshot")) {
                    resyncRequestedAt.remove(marketId);
                }
                return Verdict.FORWARD;
            }
            case "delta" -> {
                if (h != null && h.epoch == epoch && h.version == prev) {
                    h.version = version;
                    return Verdict.FORWARD;
                }
                if (h != null && (epoch < h.epoch || (epoch == h.epoch && version <= h.version))) {
                    return Verdict.DUPLICATE;
                }
                return gap(marketId, now);
            }
            case "removed" -> {
                if (h != null && !newerOrSame(h, epoch, version)) {
                    return Verdict.DUPLICATE;
                }
                // the client forgets a removed market (section 2); so does the chain
                held.remove(marketId);
                resyncRequestedAt.remove(marketId);
                return Verdict.FORWARD;
            }
            default -> {
                return Verdict.DUPLICATE;
            }
        }
    }

    /**
     * Forgets a market whose messages were dropped on the way out (a slow client): its next
     * snapshot starts it again, and until then its deltas wait for that resync.
     */
    void forgetForResync(String marketId, long now) {
        held.remove(marketId);
        resyncRequestedAt.put(marketId, now);
    }

    /**
     * After a Redis reconnection every market is being resynced: deltas that no longer chain wait
     * for the fresh snapshot instead of each asking again.
     */
    void awaitResyncOfAll(long now) {
        held.keySet().forEach(market -> resyncRequestedAt.put(market, now));
    }

    int markets() {
        return held.size();
    }

    private Verdict gap(String marketId, long now) {
        Long requested = resyncRequestedAt.get(marketId);
        if (requested != null && now - requested < resyncRetryMs) {
            return Verdict.AWAITING_RESYNC;
        }
        resyncRequestedAt.put(marketId, now);
        return Verdict.GAP;
    }

    private static boolean newerOrSame(Held h, long epoch, long version) {
        return epoch > h.epoch || (epoch == h.epoch && version >= h.version);
    }
}

package com.marketcast.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import redis.clients.jedis.Jedis;

/**
 * Reads the job's Redis mirror {@code market:{marketId}} (PROTOCOL section 3): the local stack
 * waits on it until the job knows the demo markets (their catalog names and first prices) before it
 * opens the demo channels, so that their first snapshots are complete.
 */
final class MarketMirror {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long POLL_NANOS = Duration.ofMillis(100).toNanos();

    private MarketMirror() {}

    /**
     * Waits until the mirror of every given market has its catalog name (with {@code names}) and a
     * price for every selection (with {@code prices}), or the timeout passes.
     *
     * @return whether they all were ready in time
     */
    static boolean awaitReady(
            String redisUri,
            List<String> marketIds,
            boolean names,
            boolean prices,
            Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Jedis jedis = new Jedis(URI.create(redisUri))) {
            while (true) {
                boolean all = true;
                for (String id : marketIds) {
                    if (!ready(jedis.get("market:" + id), names, prices)) {
                        all = false;
                        break;
                    }
                }
                if (all) {
                    return true;
                }
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                LockSupport.parkNanos(POLL_NANOS);
                if (Thread.currentThread().isInterrupted()) {
                    return false;
                }
            }
        }
    }

    /** Whether a mirrored market (null: none yet) has what is asked for. */
    static boolean ready(String mirror, boolean names, boolean prices) {
        if (mirror == null) {
            return false;
        }
        JsonNode market;
        try {
            market = JSON.readTree(mirror);
        } catch (Exception e) {
            return false;
        }
        if (names && !market.path("name").isTextual()) {
            return false;
        }
        JsonNode selections = market.path("selections");
        if (prices) {
            if (!selections.isArray() || selections.isEmpty()) {
                return false;
            }
            for (JsonNode selection : selections) {
                if (!selection.path("price").isNumber()) {
                    return false;
                }
            }
        }
        return true;
    }
}

package com.marketcast.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntPredicate;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Replays {@code bin/bench}'s update stream (seed 42: 20,000 markets, 20,000 channels, fan-out 8)
 * for one reducer subtask of two through a model of the reducer's hot markets' caches: the state
 * cache in LRU order, as the reducer keeps it ({@code CachedMarketState}), and, to compare, under
 * Caffeine's W-TinyLFU (tried and not adopted: BENCHMARKS.md). The subscribers' cache is modelled
 * as the reducer has it: LRU over markets, 16 subscriptions per hot market, holding a market only
 * once its state was a hit. With a third argument {@code setup} it first replays the benchmark's
 * set-up: every market started, then every subscription's SUBSCRIBE and BEGIN_STREAM, each a read
 * of the market's state.
 *
 * <p>It prints, per policy and capacity, the share of updates whose state was on the heap, the
 * states pushed out per update (each a RocksDB write when changed), and the subscription rows read
 * from RocksDB per update: the counts that set the reducer's cost per update, without the noise of
 * a shared machine. For sizing {@code hot-markets} (BENCHMARKS.md).
 *
 * <p>Run: {@code mvn -B -q -pl benchmarks exec:java
 * -Dexec.mainClass=com.marketcast.bench.HotMarketsReplay -Dexec.args="4096,1024 3000000 setup"}
 * (capacities, updates of the whole job).
 */
public final class HotMarketsReplay {
    private static final int SUBSCRIPTIONS_PER_HOT_MARKET = 16;
    private static final int MAX_PARALLELISM = 128;

    public static void main(String[] args) {
        int[] capacities =
                args.length > 0
                        ? Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray()
                        : new int[] {4096, 1024};
        int updates = args.length > 1 ? Integer.parseInt(args[1]) : 3_000_000;
        boolean setup = args.length > 2 && args[2].equals("setup");
        for (int capacity : capacities) {
            for (boolean tinyLfu : new boolean[] {false, true}) {
                System.out.println(replay(capacity, tinyLfu, updates, setup));
            }
        }
    }

    private static String replay(int capacity, boolean tinyLfu, int updates, boolean setup) {
        Workload workload = new Workload(20_000, 20_000, 8, 42);
        long[] pushedOut = new long[1];
        // the state cache: one of the two, by policy
        Cache<Integer, Boolean> admitted =
                tinyLfu
                        ? Caffeine.newBuilder()
                                .maximumSize(capacity)
                                .executor(Runnable::run)
                                .<Integer, Boolean>evictionListener(
                                        (market, held, cause) -> pushedOut[0]++)
                                .build()
                        : null;
        LinkedHashMap<Integer, Boolean> recent =
                tinyLfu ? null : new LinkedHashMap<>(16, 0.75f, true);
        LinkedHashMap<Integer, Integer> subscribers = new LinkedHashMap<>(16, 0.75f, true);
        IntPredicate readState =
                market -> {
                    if (tinyLfu) {
                        boolean hit = admitted.getIfPresent(market) != null;
                        if (!hit) {
                            admitted.put(market, true);
                        }
                        return hit;
                    }
                    boolean hit = recent.get(market) != null;
                    if (!hit) {
                        recent.put(market, true);
                        if (recent.size() > capacity) {
                            Iterator<Map.Entry<Integer, Boolean>> eldest =
                                    recent.entrySet().iterator();
                            eldest.next();
                            eldest.remove();
                            pushedOut[0]++;
                        }
                    }
                    return hit;
                };
        if (setup) {
            for (int market : workload.everyMarket()) {
                if (subtask(market) == 0) {
                    readState.test(market);
                }
            }
            for (int[] markets : workload.channelMarkets) {
                for (int market : markets) {
                    if (subtask(market) == 0) {
                        readState.test(market); // SUBSCRIBE
                        readState.test(market); // BEGIN_STREAM
                    }
                }
            }
            pushedOut[0] = 0;
        }
        long held = 0;
        long seen = 0;
        long hits = 0;
        long rowsRead = 0;
        for (int i = 0; i < updates; i++) {
            int market = workload.nextMarket();
            if (subtask(market) != 0) {
                continue;
            }
            seen++;
            boolean hit = readState.test(market);
            hits += hit ? 1 : 0;
            if (subscribers.get(market) != null) {
                continue;
            }
            int watchers = workload.marketChannels[market].length;
            rowsRead += watchers;
            if (hit) {
                subscribers.put(market, watchers);
                held += watchers;
                Iterator<Map.Entry<Integer, Integer>> eldest = subscribers.entrySet().iterator();
                while (held > (long) capacity * SUBSCRIPTIONS_PER_HOT_MARKET && eldest.hasNext()) {
                    held -= eldest.next().getValue();
                    eldest.remove();
                }
            }
        }
        return String.format(
                "hot-markets %d, %s%s: %,d updates of subtask 0 of 2, state on the heap %.1f %%,"
                        + " states pushed out %.3f per update, subscription rows read from RocksDB"
                        + " %.2f per update",
                capacity,
                tinyLfu ? "W-TinyLFU" : "LRU",
                setup ? " after the set-up" : "",
                seen,
                100.0 * hits / seen,
                (double) pushedOut[0] / seen,
                (double) rowsRead / seen);
    }

    /** The reducer subtask of two that Flink gives the market's key. */
    private static int subtask(int market) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                Workload.marketId(market), MAX_PARALLELISM, 2);
    }
}

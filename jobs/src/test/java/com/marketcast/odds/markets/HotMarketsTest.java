package com.marketcast.odds.markets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.catalog.CatalogRows;
import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.channels.MarketWork;
import com.marketcast.odds.channels.QueryCommand;
import com.marketcast.odds.channels.WorkType;
import com.marketcast.odds.model.MarketQuery;
import com.marketcast.odds.model.MarketStatus;
import com.marketcast.odds.model.MarketUpdate;
import com.marketcast.odds.model.OddsFormat;
import com.marketcast.odds.model.SelectionPrice;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reducer's heap caches ({@code hot-markets}: {@link CachedMarketState}, {@link
 * CachedSubscribers}) must change nothing a subscriber sees.
 */
class HotMarketsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Ten steps of the script: closed markets are released while it runs. */
    private static final Duration CLOSED_TTL = Duration.ofSeconds(1);

    /** Five steps of the script: changes wait on the heap, and are written back while it runs. */
    private static final Duration WRITE_DELAY = Duration.ofMillis(500);

    /**
     * One scripted run of price updates, suspensions, closures and releases, catalog changes,
     * subscriptions (throttled ones too), streaming queries and a restore must give every Redis key
     * the same writes, in the same order, with the caches off, holding one market and 16
     * subscriptions (most reads miss, and longer lists are never held) and holding everything, with
     * changes written back after half a second, at once, and only when pushed out or checkpointed.
     * On RocksDB: the heap backend turns the caches off. The restore shows the checkpoint holding
     * the changes the cache had not written back yet; the queries, that the broadcast side sees
     * them too.
     */
    @Test
    void theCachesChangeNothingTheSubscribersSee() throws Exception {
        List<String> withoutCaches = run(true, 0, Duration.ZERO);
        assertThat(withoutCaches)
                .anyMatch(w -> w.contains("\"type\":\"snapshot\""))
                .anyMatch(w -> w.contains("\"type\":\"delta\""))
                .anyMatch(w -> w.contains("\"type\":\"current\""))
                .anyMatch(w -> w.contains("\"type\":\"removed\""))
                .anyMatch(w -> w.contains("SUSPENDED"))
                .anyMatch(w -> w.startsWith("DEL market:")); // a closed market released
        Map<String, List<String>> perKey = perKey(withoutCaches);
        assertThat(perKey(run(true, 1, WRITE_DELAY))).isEqualTo(perKey);
        assertThat(perKey(run(true, 4096, WRITE_DELAY))).isEqualTo(perKey);
        assertThat(perKey(run(true, 4096, Duration.ZERO))).isEqualTo(perKey);
        assertThat(perKey(run(true, 4096, Duration.ofHours(1)))).isEqualTo(perKey);
    }

    /**
     * On RocksDB a hot market's change waits on the heap until the snapshot writes it back; on the
     * heap backend, whose keyed state is on the heap already, the caches are off and the change is
     * in the keyed state at once.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void theCachesAreOffOnTheHeapBackend(boolean rocksDb) throws Exception {
        var harness = harness(rocksDb, 4096, Duration.ofHours(1), null);
        MarketUpdate open = update("m1", 1, new Random(42));
        open.status = MarketStatus.OPEN;
        harness.processElement1(MarketInput.of(open), 1);
        assertThat(stored(harness, "m1") != null).isEqualTo(!rocksDb);

        harness.snapshot(1, 2);
        assertThat(stored(harness, "m1").seq).isEqualTo(1);
        harness.close();
    }

    /**
     * The writes by Redis key (channel or mirror), in order: what a subscriber sees. Across keys
     * the order may differ, as a held market iterates its later subscriptions last.
     */
    private static Map<String, List<String>> perKey(List<String> writes) {
        Map<String, List<String>> perKey = new LinkedHashMap<>();
        for (String write : writes) {
            String[] commandAndKey = write.split(" ", 3);
            perKey.computeIfAbsent(commandAndKey[1], k -> new ArrayList<>()).add(write);
        }
        return perKey;
    }

    /** The market's state as the keyed state holds it. */
    private static MarketState stored(
            KeyedTwoInputStreamOperatorTestHarness<String, MarketInput, QueryCommand, RedisWrite>
                    harness,
            String marketId)
            throws Exception {
        KeyedStateBackend<String> backend =
                ((AbstractStreamOperator<?>) harness.getOperator()).getKeyedStateBackend();
        backend.setCurrentKey(marketId);
        return backend.getPartitionedState(
                        VoidNamespace.INSTANCE,
                        VoidNamespaceSerializer.INSTANCE,
                        MarketReducer.MARKET)
                .value();
    }

    /** Every write of the script, with epochs numbered in order of appearance (they are clocks). */
    private static List<String> run(boolean rocksDb, int hotMarkets, Duration writeDelay)
            throws Exception {
        Random random = new Random(42);
        List<String> writes = new ArrayList<>();
        Map<Long, Integer> epochs = new HashMap<>();
        long[] seq = new long[5];
        var harness = harness(rocksDb, hotMarkets, writeDelay, null);
        for (int step = 0; step < 600; step++) {
            if (step == 300) {
                OperatorSubtaskState checkpoint = harness.snapshot(1, step);
                harness.close();
                harness = harness(rocksDb, hotMarkets, writeDelay, checkpoint);
            }
            harness.setProcessingTime(step * 100L);
            String market = "m" + random.nextInt(seq.length);
            String channel = "c" + random.nextInt(4);
            int op = random.nextInt(20);
            if (op < 11) {
                harness.processElement1(
                        MarketInput.of(update(market, ++seq[market.charAt(1) - '0'], random)),
                        step);
            } else if (op < 13) {
                MarketCatalog catalog =
                        MarketCatalog.of(
                                CatalogRows.market(
                                        market, "e1", MarketStatus.OPEN, "Home " + step, "Draw"),
                                CatalogRows.event("e1", "Arsenal v Chelsea"),
                                step);
                harness.processElement1(MarketInput.of(catalog), step);
            } else if (op < 19) {
                WorkType type = WorkType.values()[random.nextInt(WorkType.values().length)];
                MarketWork work = MarketWork.of(type, market, channel, step);
                work.oddsFormat = OddsFormat.values()[random.nextInt(OddsFormat.count())];
                work.throttleMs = random.nextBoolean() ? 0 : 250;
                work.streaming = random.nextBoolean();
                work.since =
                        type == WorkType.BEGIN && random.nextBoolean() ? Long.valueOf(step) : null;
                harness.processElement1(MarketInput.of(work), step);
            } else {
                QueryCommand add = QueryCommand.of(QueryCommand.Type.ADD, "q" + step, "q", step);
                add.query = new MarketQuery();
                add.query.eventId = "e1";
                add.oddsFormat = OddsFormat.DECIMAL;
                add.streaming = true;
                harness.processElement2(add, step);
            }
            for (RedisWrite write : harness.extractOutputValues()) {
                writes.add(describe(write, epochs));
            }
            harness.getOutput().clear();
        }
        harness.close();
        return writes;
    }

    private static KeyedTwoInputStreamOperatorTestHarness<
                    String, MarketInput, QueryCommand, RedisWrite>
            harness(
                    boolean rocksDb,
                    int hotMarkets,
                    Duration writeDelay,
                    OperatorSubtaskState restoreFrom)
                    throws Exception {
        var harness =
                new KeyedTwoInputStreamOperatorTestHarness<
                        String, MarketInput, QueryCommand, RedisWrite>(
                        new MarketReducerOperator(CLOSED_TTL, hotMarkets, writeDelay),
                        MarketInput::marketId,
                        null,
                        Types.STRING);
        if (rocksDb) {
            harness.setStateBackend(new EmbeddedRocksDBStateBackend());
        }
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
        return harness;
    }

    private static MarketUpdate update(String market, long seq, Random random) {
        MarketUpdate update = new MarketUpdate();
        update.marketId = market;
        update.eventId = "e1";
        update.seq = seq;
        update.recordTime = seq;
        int roll = random.nextInt(40);
        update.status =
                roll < 4
                        ? MarketStatus.SUSPENDED
                        : roll < 8 ? MarketStatus.OPEN : roll == 8 ? MarketStatus.CLOSED : null;
        update.selections =
                new SelectionPrice[] {
                    new SelectionPrice("home", (150 + random.nextInt(50)) / 100.0),
                    new SelectionPrice("away", (250 + random.nextInt(50)) / 100.0)
                };
        return update;
    }

    private static String describe(RedisWrite write, Map<Long, Integer> epochs) throws Exception {
        String target = write.command + " " + new String(write.key, StandardCharsets.UTF_8);
        if (write.value == null) {
            return target;
        }
        JsonNode value = JSON.readTree(write.value);
        if (value.has("epoch")) {
            long epoch = value.get("epoch").asLong();
            ((ObjectNode) value).put("epoch", epochs.computeIfAbsent(epoch, e -> epochs.size()));
        }
        return target + " " + value;
    }
}

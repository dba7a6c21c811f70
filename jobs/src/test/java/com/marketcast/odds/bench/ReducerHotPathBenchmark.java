package com.marketcast.odds.bench;

import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.catalog.EventRow;
import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.catalog.MarketRow;
import com.marketcast.odds.catalog.SelectionName;
import com.marketcast.odds.channels.MarketWork;
import com.marketcast.odds.channels.QueryCommand;
import com.marketcast.odds.channels.WorkType;
import com.marketcast.odds.markets.MarketInput;
import com.marketcast.odds.markets.MarketReducer;
import com.marketcast.odds.model.MarketUpdate;
import com.marketcast.odds.model.OddsFormat;
import com.marketcast.odds.model.SelectionPrice;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

/**
 * The market reducer's hot path alone, on the real RocksDB backend through Flink's operator test
 * harness: feed updates of five prices to catalogued markets with subscribers, one thread, no Kafka
 * or Redis (the shape of {@code bin/bench}'s workload). Each update first crosses the shuffle's
 * record serializer (serialized, then deserialized), as in the job. For before/after figures of
 * changes to the reducer (BENCHMARKS.md); the end-to-end benchmark is {@code bin/bench}.
 *
 * <p>Rates are per second of the thread's own CPU time, so other processes competing for the cores
 * slow the run down but barely move the figure. Three repetitions warm the JIT up first.
 *
 * <p>Run: {@code mvn -B -q -pl jobs test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=com.marketcast.odds.bench.ReducerHotPathBenchmark}
 */
public final class ReducerHotPathBenchmark {
    private static final int WARM_UP = 3;
    private static final int REPETITIONS = 7;
    private static final int MARKETS = 2_000;
    private static final int FAN_OUT = 8;
    private static final int UPDATES = 100_000;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** The record serializer of the shuffle into the reducer, as the job builds it. */
    private static final TypeSerializer<MarketInput> SHUFFLE =
            TypeInformation.of(MarketInput.class).createSerializer(new SerializerConfigImpl());

    private static final DataOutputSerializer SHUFFLE_OUT = new DataOutputSerializer(512);
    private static final DataInputDeserializer SHUFFLE_IN = new DataInputDeserializer();

    public static void main(String[] args) throws Exception {
        double[] rates = new double[REPETITIONS];
        long messages = 0;
        for (int r = 0; r < WARM_UP; r++) {
            run(new long[1]); // the JIT compiles the hot path: not measured
        }
        for (int r = 0; r < REPETITIONS; r++) {
            long[] out = new long[1];
            rates[r] = run(out);
            messages = out[0];
        }
        Arrays.sort(rates);
        System.out.printf(
                "reducer, RocksDB, %d markets x %d subscribers, %d updates (%d messages out per"
                        + " run): %,.0f updates per CPU-second median (%,.0f-%,.0f), %,.0f"
                        + " messages per CPU-second median%n",
                MARKETS,
                FAN_OUT,
                UPDATES,
                messages,
                rates[REPETITIONS / 2],
                rates[0],
                rates[REPETITIONS - 1],
                rates[REPETITIONS / 2] * messages / UPDATES);
    }

    /** Updates per second; {@code out[0]} receives the writes emitted by the measured updates. */
    private static double run(long[] out) throws Exception {
        try (var harness =
                new KeyedTwoInputStreamOperatorTestHarness<
                        String, MarketInput, QueryCommand, RedisWrite>(
                        new CoBroadcastWithKeyedOperator<>(
                                new MarketReducer(Duration.ofMinutes(10)),
                                List.of(MarketReducer.QUERIES)),
                        MarketInput::marketId,
                        null,
                        Types.STRING)) {
            EmbeddedRocksDBStateBackend rocksDb = new EmbeddedRocksDBStateBackend();
            rocksDb.getMemoryConfiguration().setUseManagedMemory(false);
            harness.setStateBackend(rocksDb);
            harness.open();
            long[] seq = new long[MARKETS];
            Random random = new Random(7);
            for (int m = 0; m < MARKETS; m++) {
                harness.processElement1(MarketInput.of(catalog(m)), 1);
                update(harness, m, ++seq[m], random);
                for (int c = 0; c < FAN_OUT; c++) {
                    MarketWork work =
                            MarketWork.of(
                                    WorkType.SUBSCRIBE,
                                    market(m),
                                    "0b1c2d3e-4f50-6172-8394-a5b6c7d8" + String.format("%04d", c),
                                    1);
                    work.oddsFormat = OddsFormat.DECIMAL;
                    work.streaming = true;
                    harness.processElement1(MarketInput.of(work), 1);
                }
            }
            harness.getOutput().clear();
            long emitted = 0;
            long start = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < UPDATES; i++) {
                int m = random.nextInt(MARKETS);
                update(harness, m, ++seq[m], random);
                if (i % 1_000 == 999) {
                    emitted += harness.getOutput().size();
                    harness.getOutput().clear();
                }
            }
            double seconds = (THREADS.getCurrentThreadCpuTime() - start) / 1e9;
            out[0] = emitted + harness.getOutput().size();
            return UPDATES / seconds;
        }
    }

    private static void update(
            KeyedTwoInputStreamOperatorTestHarness<String, MarketInput, QueryCommand, RedisWrite>
                    harness,
            int market,
            long seq,
            Random random)
            throws Exception {
        MarketUpdate update = new MarketUpdate();
        update.marketId = market(market);
        update.eventId = "e-" + market / 4;
        update.seq = seq;
        update.recordTime = seq;
        update.selections =
                new SelectionPrice[] {
                    // cents / 100.0: the double nearest a two-decimal price, as parsing the feed's
                    // JSON gives
                    new SelectionPrice("home", (150 + random.nextInt(300)) / 100.0),
                    new SelectionPrice("draw", (250 + random.nextInt(300)) / 100.0),
                    new SelectionPrice("away", (350 + random.nextInt(300)) / 100.0),
                    new SelectionPrice("over-2.5", (150 + random.nextInt(100)) / 100.0),
                    new SelectionPrice("under-2.5", (150 + random.nextInt(100)) / 100.0)
                };
        SHUFFLE_OUT.clear();
        SHUFFLE.serialize(MarketInput.of(update), SHUFFLE_OUT);
        SHUFFLE_IN.setBuffer(SHUFFLE_OUT.getSharedBuffer(), 0, SHUFFLE_OUT.length());
        harness.processElement1(SHUFFLE.deserialize(SHUFFLE_IN), seq);
    }

    /** The market's catalog row and event, as the CDC join delivers them. */
    private static MarketCatalog catalog(int m) {
        EventRow event = new EventRow();
        event.eventId = "e-" + m / 4;
        event.name = "Home Town " + m / 4 + " v Away United " + m / 4;
        event.sport = "football";
        event.competition = "Premier League";
        event.startTime = 1_800_000_000_000L;
        MarketRow row = new MarketRow();
        row.marketId = market(m);
        row.eventId = event.eventId;
        row.name = "Match Result";
        row.type = "MATCH_ODDS";
        row.selections =
                new SelectionName[] {
                    new SelectionName("home", "Home Town"),
                    new SelectionName("draw", "Draw"),
                    new SelectionName("away", "Away United"),
                    new SelectionName("over-2.5", "Over 2.5 goals"),
                    new SelectionName("under-2.5", "Under 2.5 goals")
                };
        return MarketCatalog.of(row, event, 1);
    }

    private static String market(int m) {
        return "m-" + (100_000 + m);
    }
}

package com.marketcast.odds.bench;

import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.OddsOptions;
import com.marketcast.odds.catalog.EventRow;
import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.catalog.MarketRow;
import com.marketcast.odds.catalog.SelectionName;
import com.marketcast.odds.channels.MarketWork;
import com.marketcast.odds.channels.QueryCommand;
import com.marketcast.odds.channels.WorkType;
import com.marketcast.odds.markets.MarketInput;
import com.marketcast.odds.markets.MarketReducerOperator;
import com.marketcast.odds.model.MarketUpdate;
import com.marketcast.odds.model.OddsFormat;
import com.marketcast.odds.model.SelectionPrice;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Queue;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.util.TimeUtils;

/**
 * The market reducer's hot path alone, on the heap and the RocksDB backend in turn through Flink's
 * operator test harness: feed updates of five prices to catalogued markets with subscribers, one
 * thread, no Kafka or Redis (the shape of {@code bin/bench}'s workload). Each update first crosses
 * the shuffle's record serializer (serialized, then deserialized), as in the job; the processing
 * time moves as at 5,000 updates/s, and a checkpoint is taken every {@value #CHECKPOINT_EVERY}
 * updates. For before/after figures of changes to the reducer (BENCHMARKS.md); the end-to-end
 * benchmark is {@code bin/bench}.
 *
 * <p>Rates are per second of the thread's own CPU time, so other processes competing for the cores
 * slow the run down but barely move the figure. Three repetitions warm the JIT up first.
 *
 * <p>Both backends alternate and the ratio heap ÷ RocksDB is taken per repetition; {@code
 * -Dbackends=rocksdb} (or {@code heap}) runs one alone, for a profiler; {@code -Dhot-markets=0}
 * turns the reducer's heap caches off (they are always off on the heap backend), {@code
 * -Dhot-market-write-delay=0} writes every change at once.
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

    /**
     * The processing time moves as at 5,000 updates/s per subtask (10,000/s in a job of two): the
     * reducer writes a hot market's change back a second after it.
     */
    private static final int UPDATES_PER_MS = 5;

    /**
     * A checkpoint per this many updates, as the job's 10 s interval at that rate: the reducer
     * writes every change still waiting back on each.
     */
    private static final int CHECKPOINT_EVERY = 50_000;

    /** The reducer's {@code hot-markets}: {@code -Dhot-markets=0} measures it without the cache. */
    private static final int HOT_MARKETS =
            Integer.getInteger("hot-markets", OddsOptions.HOT_MARKETS.defaultValue());

    /** The reducer's {@code hot-market-write-delay}, e.g. {@code -Dhot-market-write-delay=0}. */
    private static final Duration WRITE_DELAY =
            TimeUtils.parseDuration(
                    System.getProperty(
                            "hot-market-write-delay",
                            TimeUtils.formatWithHighestUnit(
                                    OddsOptions.HOT_MARKET_WRITE_DELAY.defaultValue())));

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** The record serializer of the shuffle into the reducer, as the job builds it. */
    private static final TypeSerializer<MarketInput> SHUFFLE =
            TypeInformation.of(MarketInput.class).createSerializer(new SerializerConfigImpl());

    private static final DataOutputSerializer SHUFFLE_OUT = new DataOutputSerializer(512);
    private static final DataInputDeserializer SHUFFLE_IN = new DataInputDeserializer();

    public static void main(String[] args) throws Exception {
        // -Dbackends=rocksdb measures one backend alone (for a profiler); both by default
        Backend[] backends = Backend.parse(System.getProperty("backends", "heap,rocksdb"));
        double[][] rates = new double[Backend.values().length][REPETITIONS];
        double[] ratios = new double[REPETITIONS];
        long messages = 0;
        for (int r = 0; r < WARM_UP; r++) {
            for (Backend backend : backends) {
                run(backend, new long[1]); // the JIT compiles the hot path: not measured
            }
        }
        // the backends alternate, so a noisy stretch of the machine falls on both
        for (int r = 0; r < REPETITIONS; r++) {
            long[] out = new long[1];
            for (Backend backend : backends) {
                rates[backend.ordinal()][r] = run(backend, out);
            }
            messages = out[0];
            ratios[r] = rates[Backend.HEAP.ordinal()][r] / rates[Backend.ROCKSDB.ordinal()][r];
        }
        for (Backend backend : backends) {
            double[] sorted = rates[backend.ordinal()].clone();
            Arrays.sort(sorted);
            System.out.printf(
                    "reducer, %s, hot-markets %d, write delay %s, %d markets x %d subscribers, %d updates"
                            + " (%d messages out per run): %,.0f updates per CPU-second median"
                            + " (%,.0f-%,.0f), %.1f us per update, %,.0f messages per CPU-second"
                            + " median%n",
                    backend,
                    backend == Backend.HEAP ? 0 : HOT_MARKETS, // the reducer turns them off there
                    TimeUtils.formatWithHighestUnit(WRITE_DELAY),
                    MARKETS,
                    FAN_OUT,
                    UPDATES,
                    messages,
                    sorted[REPETITIONS / 2],
                    sorted[0],
                    sorted[REPETITIONS - 1],
                    1e6 / sorted[REPETITIONS / 2],
                    sorted[REPETITIONS / 2] * messages / UPDATES);
        }
        if (backends.length < 2) {
            return;
        }
        Arrays.sort(ratios);
        System.out.printf(
                "heap / RocksDB, per repetition: median %.2f (%.2f-%.2f)%n",
                ratios[REPETITIONS / 2], ratios[0], ratios[REPETITIONS - 1]);
    }

    /** Updates per second; {@code out[0]} receives the writes emitted by the measured updates. */
    private static double run(Backend backend, long[] out) throws Exception {
        try (var harness =
                new KeyedTwoInputStreamOperatorTestHarness<
                        String, MarketInput, QueryCommand, RedisWrite>(
                        new MarketReducerOperator(Duration.ofMinutes(10), HOT_MARKETS, WRITE_DELAY),
                        MarketInput::marketId,
                        null,
                        Types.STRING)) {
            harness.setStateBackend(backend.create());
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
            // drained by poll: the harness's queue counts its size and clears in linear time
            Queue<Object> output = harness.getOutput();
            long emitted = 0;
            long start = THREADS.getCurrentThreadCpuTime();
            for (int i = 1; i <= UPDATES; i++) {
                int m = random.nextInt(MARKETS);
                update(harness, m, ++seq[m], random);
                while (output.poll() != null) {
                    emitted++;
                }
                if (i % UPDATES_PER_MS == 0) {
                    harness.setProcessingTime(i / UPDATES_PER_MS);
                }
                if (i % CHECKPOINT_EVERY == 0) {
                    harness.snapshot(i / CHECKPOINT_EVERY, i);
                }
            }
            double seconds = (THREADS.getCurrentThreadCpuTime() - start) / 1e9;
            out[0] = emitted;
            return UPDATES / seconds;
        }
    }

    /** The two state backends the job offers ({@code state.backend.type}). */
    private enum Backend {
        HEAP,
        ROCKSDB;

        static Backend[] parse(String names) {
            return Arrays.stream(names.split(","))
                    .map(name -> Backend.valueOf(name.trim().toUpperCase(Locale.ROOT)))
                    .toArray(Backend[]::new);
        }

        StateBackend create() {
            if (this == HEAP) {
                return new HashMapStateBackend();
            }
            EmbeddedRocksDBStateBackend rocksDb = new EmbeddedRocksDBStateBackend(true);
            rocksDb.getMemoryConfiguration().setUseManagedMemory(false);
            // incremental, with the memtable size and background threads of flink-conf/config.yaml
            Configuration settings = new Configuration();
            settings.set(RocksDBConfigurableOptions.WRITE_BUFFER_SIZE, MemorySize.parse("2mb"));
            settings.set(RocksDBConfigurableOptions.MAX_BACKGROUND_THREADS, 8);
            return rocksDb.configure(settings, ReducerHotPathBenchmark.class.getClassLoader());
        }

        @Override
        public String toString() {
            return this == HEAP ? "heap" : "RocksDB";
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

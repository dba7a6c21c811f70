package com.marketcast.odds.bench;

import com.marketcast.odds.catalog.EventRow;
import com.marketcast.odds.markets.MarketState;
import com.marketcast.odds.markets.Selection;
import com.marketcast.odds.model.OddsFormat;
import com.marketcast.odds.publish.StreamMessages;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * The JSON every feed update costs the market reducer, alone: the {@code market:} mirror and one
 * delta of a catalogued five-selection market whose five prices all moved (the shape of {@code
 * bin/bench}'s workload). No state backend, so the figure is steadier than {@link
 * ReducerHotPathBenchmark}'s and isolates changes to {@link StreamMessages}.
 *
 * <p>Rates are per second of the thread's own CPU time; three repetitions warm the JIT up first.
 *
 * <p>Run: {@code mvn -B -q -pl jobs test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=com.marketcast.odds.bench.StreamMessagesBenchmark}
 */
public final class StreamMessagesBenchmark {
    private static final int WARM_UP = 3;
    private static final int REPETITIONS = 7;
    private static final int UPDATES = 500_000;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final String[] IDS = {"home", "draw", "away", "over-2.5", "under-2.5"};
    private static final String[] NAMES = {
        "Home Town", "Draw", "Away United", "Over 2.5 goals", "Under 2.5 goals"
    };

    public static void main(String[] args) {
        for (int r = 0; r < WARM_UP; r++) {
            run();
        }
        double[] rates = new double[REPETITIONS];
        for (int r = 0; r < REPETITIONS; r++) {
            rates[r] = run();
        }
        Arrays.sort(rates);
        System.out.printf(
                "mirror + delta of a five-price update: %,.0f updates per CPU-second median"
                        + " (%,.0f-%,.0f)%n",
                rates[REPETITIONS / 2], rates[0], rates[REPETITIONS - 1]);
    }

    /** Updates per CPU-second; the byte count keeps the JIT from dropping the work. */
    private static double run() {
        StreamMessages messages = new StreamMessages();
        MarketState market = market();
        long bytes = 0;
        long start = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < UPDATES; i++) {
            market.version++;
            for (int s = 0; s < market.selections.length; s++) {
                Selection selection = market.selections[s];
                selection.price = (150 + (i * 7 + s * 31) % 300) / 100.0;
                selection.version = market.version;
            }
            bytes += messages.mirror(market).length;
            bytes += messages.delta(market, OddsFormat.DECIMAL, market.version - 1, i).length;
        }
        double seconds = (THREADS.getCurrentThreadCpuTime() - start) / 1e9;
        if (bytes == 0) {
            throw new IllegalStateException("no output");
        }
        return UPDATES / seconds;
    }

    private static MarketState market() {
        MarketState market = new MarketState("m-100042");
        market.name = "Match Result";
        market.type = "MATCH_ODDS";
        market.event = new EventRow();
        market.event.eventId = "e-10";
        market.event.name = "Home Town 10 v Away United 10";
        market.event.sport = "football";
        market.event.competition = "Premier League";
        market.event.startTime = 1_800_000_000_000L;
        market.eventId = market.event.eventId;
        market.epoch = 1;
        market.selections = new Selection[IDS.length];
        for (int s = 0; s < IDS.length; s++) {
            market.selections[s] = new Selection(IDS[s], 2.0, 0);
            market.selections[s].name = NAMES[s];
        }
        return market;
    }
}

package com.marketcast.odds.bench;

import com.marketcast.odds.markets.Subscription;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;

/**
 * How to store a market's subscribers in RocksDB: a {@code MapState<channel, Subscription>} or one
 * serialized value holding them all. Measures, on the real RocksDB backend, the two paths that
 * matter: reading every subscriber of a market (once per update) and adding then removing one
 * (subscription churn), at several fan-outs.
 *
 * <p>Run: {@code mvn -B -q -pl jobs test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=com.marketcast.odds.bench.SubscriberLayoutBenchmark}
 */
public final class SubscriberLayoutBenchmark {
    private static final int REPETITIONS = 5;

    public static void main(String[] args) throws Exception {
        System.out.println(
                "fan-out | layout | reads/s (median, min-max) | churn ops/s (median, min-max)");
        for (int fanOut : new int[] {1, 8, 64, 1024}) {
            int markets = Math.max(20, 8_000 / fanOut);
            for (Layout layout : Layout.values()) {
                List<double[]> runs = new ArrayList<>();
                for (int r = 0; r < REPETITIONS; r++) {
                    runs.add(run(layout, markets, fanOut));
                }
                System.out.printf(
                        "%7d | %-5s | %s | %s%n",
                        fanOut, layout, summary(runs, 0), summary(runs, 1));
            }
        }
    }

    enum Layout {
        MAP,
        VALUE
    }

    /** Returns {reads per second, churn operations per second}. */
    private static double[] run(Layout layout, int markets, int fanOut) throws Exception {
        KeyedProcessFunction<String, String, Integer> function =
                layout == Layout.MAP ? new MapLayout() : new ValueLayout();
        try (var harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(function),
                        (String s) -> s.substring(2, s.indexOf('|')),
                        Types.STRING)) {
            // the harness grants almost no managed memory; give RocksDB its own write buffers
            // instead
            EmbeddedRocksDBStateBackend rocksDb = new EmbeddedRocksDBStateBackend();
            rocksDb.getMemoryConfiguration().setUseManagedMemory(false);
            harness.setStateBackend(rocksDb);
            harness.open();
            for (int m = 0; m < markets; m++) {
                for (int c = 0; c < fanOut; c++) {
                    harness.processElement("s:m" + m + "|" + channel(c), 0);
                }
            }
            Random random = new Random(1);
            int reads = Math.max(20_000, 200_000 / fanOut);
            long start = System.nanoTime();
            for (int i = 0; i < reads; i++) {
                harness.processElement("u:m" + random.nextInt(markets) + "|", 0);
            }
            double readsPerSecond = reads / ((System.nanoTime() - start) / 1e9);
            int churn = Math.max(2_000, 20_000 / (int) Math.sqrt(fanOut));
            start = System.nanoTime();
            for (int i = 0; i < churn; i++) {
                String key = "m" + random.nextInt(markets) + "|" + channel(fanOut + i);
                harness.processElement("s:" + key, 0);
                harness.processElement("r:" + key, 0);
            }
            double churnPerSecond = churn * 2 / ((System.nanoTime() - start) / 1e9);
            harness.getOutput().clear();
            return new double[] {readsPerSecond, churnPerSecond};
        }
    }

    private static String channel(int i) {
        return String.format("%08x-0000-4000-8000-%012x", i, i);
    }

    private static String summary(List<double[]> runs, int index) {
        double[] values = runs.stream().mapToDouble(r -> r[index]).sorted().toArray();
        return String.format(
                "%,12.0f (%,.0f-%,.0f)",
                values[values.length / 2], values[0], values[values.length - 1]);
    }

    /** The layout the reducer uses: one RocksDB entry per (market, channel). */
    static final class MapLayout extends KeyedProcessFunction<String, String, Integer> {
        private transient MapState<String, Subscription> subscribers;

        @Override
        public void open(Configuration parameters) {
            subscribers =
                    getRuntimeContext()
                            .getMapState(
                                    new MapStateDescriptor<>(
                                            "subscribers",
                                            Types.STRING,
                                            TypeInformation.of(Subscription.class)));
        }

        @Override
        public void processElement(String in, Context ctx, Collector<Integer> out)
                throws Exception {
            String channel = in.substring(in.indexOf('|') + 1);
            switch (in.charAt(0)) {
                case 'u':
                    int streaming = 0;
                    for (Map.Entry<String, Subscription> e : subscribers.entries()) {
                        streaming += e.getValue().streaming ? 1 : 0;
                    }
                    out.collect(streaming);
                    break;
                case 's':
                    Subscription sub = new Subscription();
                    sub.streaming = true;
                    subscribers.put(channel, sub);
                    break;
                default:
                    subscribers.remove(channel);
            }
        }
    }

    /** The alternative: all subscribers of a market in one serialized value. */
    static final class ValueLayout extends KeyedProcessFunction<String, String, Integer> {
        private transient ValueState<SubscriberSet> subscribers;

        @Override
        public void open(Configuration parameters) {
            subscribers =
                    getRuntimeContext()
                            .getState(
                                    new ValueStateDescriptor<>("subscribers", SubscriberSet.class));
        }

        @Override
        public void processElement(String in, Context ctx, Collector<Integer> out)
                throws Exception {
            String channel = in.substring(in.indexOf('|') + 1);
            SubscriberSet set = subscribers.value();
            if (set == null) {
                set = new SubscriberSet();
            }
            switch (in.charAt(0)) {
                case 'u':
                    int streaming = 0;
                    for (Subscription s : set.subscriptions) {
                        streaming += s.streaming ? 1 : 0;
                    }
                    out.collect(streaming);
                    return;
                case 's':
                    Subscription sub = new Subscription();
                    sub.streaming = true;
                    set.channels = Arrays.copyOf(set.channels, set.channels.length + 1);
                    set.channels[set.channels.length - 1] = channel;
                    set.subscriptions =
                            Arrays.copyOf(set.subscriptions, set.subscriptions.length + 1);
                    set.subscriptions[set.subscriptions.length - 1] = sub;
                    break;
                default:
                    int at = Arrays.asList(set.channels).indexOf(channel);
                    if (at >= 0) {
                        set.channels =
                                remove(set.channels, at, new String[set.channels.length - 1]);
                        set.subscriptions =
                                remove(
                                        set.subscriptions,
                                        at,
                                        new Subscription[set.subscriptions.length - 1]);
                    }
            }
            subscribers.update(set);
        }

        private static <T> T[] remove(T[] from, int at, T[] to) {
            System.arraycopy(from, 0, to, 0, at);
            System.arraycopy(from, at + 1, to, at, from.length - at - 1);
            return to;
        }
    }

    /** POJO for the one-value layout: parallel arrays of channel ids and their subscriptions. */
    public static class SubscriberSet {
        public String[] channels = new String[0];
        public Subscription[] subscriptions = new Subscription[0];

        public SubscriberSet() {}
    }
}

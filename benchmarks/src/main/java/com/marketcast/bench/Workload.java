package com.marketcast.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * The benchmark's fixed-seed workload: markets whose update rates are Zipf-skewed (in-play markets
 * are hot), channels whose subscriptions are Zipf-skewed over markets (the big match has thousands
 * of watchers) with a mean fan-out per market, and the feed's update records.
 *
 * <p>Update activity and popularity use two independent rankings of the markets: with one ranking
 * the hottest market would also be the most watched, and a single market would carry most of the
 * output. Independent, the effective fan-out (channel messages per update) stays near the mean.
 */
final class Workload {
    /** Every market's selections, and their names in the catalog. */
    static final String[] SELECTIONS = {"home", "draw", "away", "over-2.5", "under-2.5"};

    static final String[] SELECTION_NAMES = {"Home", "Draw", "Away", "Over 2.5", "Under 2.5"};

    final int markets;
    final int channels;
    final double meanFanOut;

    /** For each channel, the market indices it subscribes to. */
    final int[][] channelMarkets;

    /** For each market, the channel indices subscribed to it. */
    final int[][] marketChannels;

    private final Zipf activity;
    private final int[] activityRank; // activity rank -> market index
    private final Random random;
    private final long[] seq;
    private final double[][] prices;

    Workload(int markets, int channels, double meanFanOut, long seed) {
        if (markets < 1 || channels < 1 || !(meanFanOut > 0)) {
            throw new IllegalArgumentException("markets, channels and fan-out must be positive");
        }
        this.markets = markets;
        this.channels = channels;
        this.meanFanOut = meanFanOut;
        this.random = new Random(seed);
        this.activity = new Zipf(markets, 1.0);
        this.activityRank = permutation(markets, random);
        int[] popularityRank = permutation(markets, random);
        Zipf popularity = new Zipf(markets, 1.0);

        // every channel watches at least one market; the rest of the subscriptions are spread so
        // that markets x meanFanOut subscriptions exist in all
        long total = Math.max(channels, Math.round(markets * meanFanOut));
        int[] perChannel = new int[channels];
        Arrays.fill(perChannel, 1);
        for (long i = channels; i < total; i++) {
            perChannel[random.nextInt(channels)]++;
        }
        channelMarkets = new int[channels][];
        int[] watchers = new int[markets];
        for (int c = 0; c < channels; c++) {
            int wanted = Math.min(perChannel[c], markets);
            int[] chosen = new int[wanted];
            int n = 0;
            while (n < wanted) {
                int market = popularityRank[popularity.next(random)];
                if (!contains(chosen, n, market)) {
                    chosen[n++] = market;
                    watchers[market]++;
                }
            }
            channelMarkets[c] = chosen;
        }
        marketChannels = new int[markets][];
        for (int m = 0; m < markets; m++) {
            marketChannels[m] = new int[watchers[m]];
        }
        int[] filled = new int[markets];
        for (int c = 0; c < channels; c++) {
            for (int m : channelMarkets[c]) {
                marketChannels[m][filled[m]++] = c;
            }
        }
        seq = new long[markets];
        prices = new double[markets][SELECTIONS.length];
        for (double[] p : prices) {
            for (int i = 0; i < p.length; i++) {
                p[i] = 1.5 + 3 * random.nextDouble();
            }
        }
    }

    static String marketId(int market) {
        return "m-" + (100_000 + market);
    }

    /** The catalog's {@code selections} column: {@code [{"id":"home","name":"Home"},...]}. */
    static String catalogSelections() {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < SELECTIONS.length; i++) {
            json.append(i > 0 ? "," : "")
                    .append("{\"id\":\"")
                    .append(SELECTIONS[i])
                    .append("\",\"name\":\"")
                    .append(SELECTION_NAMES[i])
                    .append("\"}");
        }
        return json.append(']').toString();
    }

    static String eventId(int market) {
        return "e-" + (10_000 + market / 4);
    }

    /**
     * A channel id as the control API hands them out (PROTOCOL.md: a random UUID), the same for the
     * same index in every run. Its first hex digit is the channel's subscriber shard, so a pattern
     * per shard ({@link #shardPattern}) splits them.
     */
    static String channelId(int channel, int shards) {
        long high = (mix(channel) & ~0xF000L) | 0x4000L; // version 4
        long low = (mix(~channel) & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L; // IETF
        return Integer.toHexString(channel % shards) + new UUID(high, low).toString().substring(1);
    }

    /** The Redis pattern that matches every channel of one subscriber shard. */
    static String shardPattern(int shard) {
        return "stream:" + Integer.toHexString(shard) + "*";
    }

    /** The largest shard count a channel id's first hex digit can tell apart. */
    static final int MAX_SHARDS = 16;

    /** SplitMix64's finalizer: spreads consecutive indices over all 64 bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    long subscriptions() {
        long n = 0;
        for (int[] m : channelMarkets) {
            n += m.length;
        }
        return n;
    }

    int hottestWatchers() {
        int max = 0;
        for (int[] c : marketChannels) {
            max = Math.max(max, c.length);
        }
        return max;
    }

    /**
     * Channel messages one update produces on average: the fan-out weighted by how often each
     * market is updated.
     */
    double expectedFanOut() {
        double sum = 0;
        for (int rank = 0; rank < markets; rank++) {
            sum += activity.probability(rank) * marketChannels[activityRank[rank]].length;
        }
        return sum;
    }

    /** The market of the next update. */
    int nextMarket() {
        return activityRank[activity.next(random)];
    }

    /** A full update of every market once, in index order: the warm-up that starts every market. */
    List<Integer> everyMarket() {
        List<Integer> all = new ArrayList<>(markets);
        for (int m = 0; m < markets; m++) {
            all.add(m);
        }
        return all;
    }

    /**
     * The next update of {@code market} as PROTOCOL section 1 JSON: every price moves a little.
     * About 230 bytes.
     */
    byte[] update(int market) {
        long s = ++seq[market];
        StringBuilder json = new StringBuilder(256);
        json.append("{\"marketId\":\"")
                .append(marketId(market))
                .append("\",\"eventId\":\"")
                .append(eventId(market))
                .append("\",\"seq\":")
                .append(s)
                .append(",\"status\":\"OPEN\",\"selections\":[");
        double[] p = prices[market];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.max(1.01, Math.min(50, p[i] + (random.nextDouble() - 0.5) * 0.1));
            long cents = Math.round(p[i] * 100);
            if (i > 0) {
                json.append(',');
            }
            json.append("{\"id\":\"")
                    .append(SELECTIONS[i])
                    .append("\",\"price\":")
                    .append(cents / 100)
                    .append('.')
                    .append(cents % 100 < 10 ? "0" : "")
                    .append(cents % 100)
                    .append('}');
        }
        json.append("]}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static boolean contains(int[] values, int n, int value) {
        for (int i = 0; i < n; i++) {
            if (values[i] == value) {
                return true;
            }
        }
        return false;
    }
}

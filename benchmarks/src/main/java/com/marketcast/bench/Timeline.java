package com.marketcast.bench;

import java.util.Arrays;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Every message a benchmark phase received: when (wall-clock ms) and how late (µs from its {@code
 * ts}), packed into one long each and sorted by receipt, so latency can be read for any interval
 * afterwards: inside and outside checkpoints, or second by second after a failure.
 */
final class Timeline {
    /** Latencies are kept up to about a second; anything later reads as this. */
    static final long MAX_LATENCY_MICROS = (1L << 20) - 1;

    private final long[] receipts;

    private Timeline(long[] receipts) {
        this.receipts = receipts;
    }

    static long pack(long receivedMillis, long latencyMicros) {
        return receivedMillis << 20 | Math.min(latencyMicros, MAX_LATENCY_MICROS);
    }

    static Timeline merge(List<long[]> parts) {
        long[] all = new long[parts.stream().mapToInt(p -> p.length).sum()];
        int n = 0;
        for (long[] part : parts) {
            System.arraycopy(part, 0, all, n, part.length);
            n += part.length;
        }
        Arrays.sort(all); // receipt time is the high part
        return new Timeline(all);
    }

    int size() {
        return receipts.length;
    }

    /** Latencies of the messages received in [{@code fromMillis}, {@code toMillis}). */
    Histogram between(long fromMillis, long toMillis) {
        Histogram h = new Histogram(MAX_LATENCY_MICROS, 3);
        for (int i = indexOf(fromMillis); i < receipts.length; i++) {
            long packed = receipts[i];
            if (packed >>> 20 >= toMillis) {
                break;
            }
            h.recordValue(packed & MAX_LATENCY_MICROS);
        }
        return h;
    }

    /**
     * Latencies of the messages received inside any of the intervals ({@code [from, to)} pairs,
     * sorted, not overlapping), or, with {@code inside} false, outside all of them.
     */
    Histogram inside(List<long[]> intervals, boolean inside) {
        Histogram h = new Histogram(MAX_LATENCY_MICROS, 3);
        int next = 0;
        for (long packed : receipts) {
            long at = packed >>> 20;
            while (next < intervals.size() && intervals.get(next)[1] <= at) {
                next++;
            }
            boolean in = next < intervals.size() && intervals.get(next)[0] <= at;
            if (in == inside) {
                h.recordValue(packed & MAX_LATENCY_MICROS);
            }
        }
        return h;
    }

    private int indexOf(long fromMillis) {
        int i = Arrays.binarySearch(receipts, fromMillis << 20);
        return i < 0 ? -i - 1 : i;
    }
}

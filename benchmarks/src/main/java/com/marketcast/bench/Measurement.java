package com.marketcast.bench;

import java.util.Map;
import org.HdrHistogram.Histogram;

/** One measured interval at one input rate, with the cores each component used meanwhile. */
record Measurement(
        double targetRate,
        double updatesPerSec,
        double messagesPerSec,
        Histogram latencyMicros,
        Map<String, Double> cpuCores) {

    double fanOut() {
        return updatesPerSec == 0 ? 0 : messagesPerSec / updatesPerSec;
    }

    double percentileMs(double percentile) {
        return latencyMicros.getTotalCount() == 0
                ? Double.NaN
                : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    double maxMs() {
        return latencyMicros.getTotalCount() == 0
                ? Double.NaN
                : latencyMicros.getMaxValue() / 1000.0;
    }

    /**
     * Held: the input rate was reached, and latency stayed bounded (no backlog building up): p99
     * under 100 ms and nothing older than a second.
     */
    boolean sustained() {
        return updatesPerSec >= 0.95 * targetRate && percentileMs(99) <= 100 && maxMs() <= 1000;
    }
}

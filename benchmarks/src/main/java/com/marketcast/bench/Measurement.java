package com.marketcast.bench;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One measured interval at one input rate: the latency of every message, and separately of those
 * received while a checkpoint ran (empty if none ran) with the longest checkpoint pauses of any
 * subtask per operator (empty if none ran), the subscriber connections Redis dropped, the cores
 * each component used meanwhile, and the garbage collections that stopped the benchmark's JVM and,
 * where the job runs on a standalone cluster, its TaskManager's (null otherwise).
 */
record Measurement(
        double targetRate,
        double updatesPerSec,
        double messagesPerSec,
        Histogram latencyMicros,
        Histogram duringCheckpointsMicros,
        Map<String, JobUnderTest.Pause> longestCheckpointPauseByOperator,
        long droppedSubscribers,
        Map<String, Double> cpuCores,
        GcPauses.Summary gcPauses,
        GcPauses.Summary taskManagerGcPauses) {

    double fanOut() {
        return updatesPerSec == 0 ? 0 : messagesPerSec / updatesPerSec;
    }

    double percentileMs(double percentile) {
        return latencyMicros.getTotalCount() == 0
                ? Double.NaN
                : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    /** The percentile of the messages received while a checkpoint ran; NaN if none ran. */
    double duringCheckpointsMs(double percentile) {
        return duringCheckpointsMicros.getTotalCount() == 0
                ? Double.NaN
                : duringCheckpointsMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    double maxMs() {
        return latencyMicros.getTotalCount() == 0
                ? Double.NaN
                : latencyMicros.getMaxValue() / 1000.0;
    }

    /**
     * Held: the input rate was reached, the lag stayed bounded (nothing reached a subscriber more
     * than a second after its append: no backlog building up), and Redis dropped no subscriber. The
     * latency targets are read separately, at shares of the highest rate held.
     */
    boolean sustained() {
        return updatesPerSec >= 0.95 * targetRate && maxMs() <= 1000 && droppedSubscribers == 0;
    }
}

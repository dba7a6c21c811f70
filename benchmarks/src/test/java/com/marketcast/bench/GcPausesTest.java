package com.marketcast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GcPausesTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void recordsTheCollectionsThatStoppedTheJvmWhileOpen() throws InterruptedException {
        GcPauses.Summary whileOpen;
        try (GcPauses pauses = GcPauses.record()) {
            System.gc();
            System.gc();
            // the collectors notify from a service thread, after the collection
            whileOpen = awaitCount(pauses, 2);
        }

        assertThat(whileOpen.count()).isGreaterThanOrEqualTo(2);
        assertThat(whileOpen.longestMs()).isGreaterThanOrEqualTo(whileOpen.medianMs());
        assertThat(whileOpen.shareOfTime()).isBetween(0.0, 1.0);
    }

    @Test
    void aClosedRecordingCountsNothingMore() throws InterruptedException {
        GcPauses pauses = GcPauses.record();
        System.gc();
        awaitCount(pauses, 1);
        pauses.close();
        int seen = pauses.summary().count();

        // a second recording sees the next collection, the closed one does not
        try (GcPauses next = GcPauses.record()) {
            System.gc();
            awaitCount(next, 1);
        }
        assertThat(pauses.summary().count()).isEqualTo(seen);
    }

    private static GcPauses.Summary awaitCount(GcPauses pauses, int count)
            throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        GcPauses.Summary summary = pauses.summary();
        while (summary.count() < count) {
            assertThat(System.nanoTime()).as("%d collections notified", count).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(10);
            summary = pauses.summary();
        }
        return summary;
    }
}

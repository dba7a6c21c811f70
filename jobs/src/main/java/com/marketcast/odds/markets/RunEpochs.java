package com.marketcast.odds.markets;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands out the epoch of a task run: wall-clock milliseconds, but strictly increasing within the
 * JVM, so two restores in the same millisecond still get distinct epochs.
 */
final class RunEpochs {
    private static final AtomicLong LAST = new AtomicLong();

    private RunEpochs() {}

    static long next() {
        return LAST.updateAndGet(last -> Math.max(System.currentTimeMillis(), last + 1));
    }
}

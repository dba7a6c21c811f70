package com.marketcast.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A step repeated at a fixed rate on its own daemon thread until {@link #stop()}, paced by schedule
 * (step k is due at {@code start + k / rate}, so a slow step is caught up and the long-run rate is
 * exact): the subscription churn and the catalog churn of a measurement.
 */
final class Paced {
    /** One step; may fail, which ends the thread with the failure. */
    interface Step {
        void run() throws Exception;
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    private Paced(String name, double perSecond, Step step) {
        double nanosEach = TimeUnit.SECONDS.toNanos(1) / perSecond;
        thread =
                new Thread(
                        () -> {
                            long start = System.nanoTime();
                            long n = 0;
                            try {
                                while (running.get()) {
                                    step.run();
                                    n++;
                                    LockSupport.parkNanos(
                                            start + (long) (n * nanosEach) - System.nanoTime());
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(name + " failed", e);
                            }
                        },
                        name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts {@code step} {@code perSecond} times a second; null when the rate is not positive. */
    static Paced start(String name, double perSecond, Step step) {
        return perSecond > 0 ? new Paced(name, perSecond, step) : null;
    }

    /** Stops after the step in progress. */
    void stop() throws InterruptedException {
        running.set(false);
        thread.join(5_000);
    }
}

package com.marketcast.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The garbage collections that stopped the JVM during a measured interval, from the collectors' own
 * notifications. Everything but redis-server runs in the benchmark's one JVM (broker, job, feed,
 * subscribers), so each pause stops all of them at once: the floor under the latency percentiles.
 */
final class GcPauses implements AutoCloseable {

    /** The pauses of one interval: how many, their median and longest, their share of the time. */
    record Summary(int count, long medianMs, long longestMs, double shareOfTime) {}

    private final List<Long> durationsMs = new ArrayList<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onCollection;
    private final long startNanos = System.nanoTime();

    private GcPauses() {
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                emitters.add(emitter);
            }
        }
    }

    /** Starts recording the collections from now on, until {@link #close()}. */
    static GcPauses record() {
        return new GcPauses();
    }

    private void onCollection(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                notification.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        // ZGC and Shenandoah also report their concurrent cycles, which stop no application thread
        if (info.getGcAction().contains("cycle")) {
            return;
        }
        synchronized (durationsMs) {
            durationsMs.add(info.getGcInfo().getDuration());
        }
    }

    /** The pauses recorded so far. */
    Summary summary() {
        long[] sorted;
        synchronized (durationsMs) {
            sorted = durationsMs.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        double elapsedMs = (System.nanoTime() - startNanos) / 1e6;
        return sorted.length == 0
                ? new Summary(0, 0, 0, 0)
                : new Summary(
                        sorted.length,
                        sorted[sorted.length / 2],
                        sorted[sorted.length - 1],
                        Arrays.stream(sorted).sum() / elapsedMs);
    }

    @Override
    public void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(listener);
            } catch (ListenerNotFoundException e) {
                throw new IllegalStateException("the listener added in the constructor", e);
            }
        }
    }
}

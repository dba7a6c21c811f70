package com.marketcast.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

/**
 * The garbage collections that stopped a JVM during a measured interval, from the collectors' own
 * notifications: the benchmark's JVM, or over JMX a TaskManager's. Where everything but
 * redis-server runs in the benchmark's one JVM (broker, job, feed, subscribers), each pause stops
 * all of them at once: the floor under the latency percentiles.
 */
final class GcPauses implements AutoCloseable {

    /** The pauses of one interval: how many, their median and longest, their share of the time. */
    record Summary(int count, long medianMs, long longestMs, double shareOfTime) {}

    private final List<Long> durationsMs = new ArrayList<>();
    private final MBeanServerConnection jvm;
    private final List<ObjectName> collectors = new ArrayList<>();
    private final NotificationListener listener = this::onCollection;
    private final long startNanos = System.nanoTime();

    private GcPauses(MBeanServerConnection jvm) {
        this.jvm = jvm;
        try {
            for (ObjectName collector :
                    jvm.queryNames(
                            new ObjectName(
                                    ManagementFactory.GARBAGE_COLLECTOR_MXBEAN_DOMAIN_TYPE + ",*"),
                            null)) {
                jvm.addNotificationListener(collector, listener, null, null);
                collectors.add(collector);
            }
        } catch (JMException e) {
            throw new IllegalStateException("the JVM's collectors took no listener", e);
        } catch (IOException e) {
            throw new UncheckedIOException("the JVM's collectors did not answer", e);
        }
    }

    /** Starts recording this JVM's collections from now on, until {@link #close()}. */
    static GcPauses record() {
        return record(ManagementFactory.getPlatformMBeanServer());
    }

    /** Starts recording the collections of {@code jvm} (e.g. over JMX) from now on. */
    static GcPauses record(MBeanServerConnection jvm) {
        return new GcPauses(jvm);
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
        for (ObjectName collector : collectors) {
            try {
                jvm.removeNotificationListener(collector, listener);
            } catch (InstanceNotFoundException | IOException gone) {
                // the remote JVM has exited or closed its connection: nothing more to come
            } catch (JMException e) {
                throw new IllegalStateException("the listener added in the constructor", e);
            }
        }
    }
}

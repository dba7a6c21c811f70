package com.marketcast.bench;

import com.sun.management.ThreadMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.lang.management.ThreadInfo;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import javax.management.MBeanServerConnection;
import redis.clients.jedis.Jedis;

/**
 * Where the CPU of a measured interval went, per component: the JVM's threads grouped by name
 * (everything but redis-server runs in the benchmark's JVM: the broker, the job's tasks, the feed,
 * the subscribers; or the job's tasks in a TaskManager JVM of their own, sampled over JMX) plus the
 * redis-server process, read from {@code /proc}, and each JVM's own threads that are not Java
 * threads (garbage collection, JIT, RocksDB's native flush and compaction threads): the process's
 * CPU less that of its Java threads. Reported in cores: 1.0 is one core busy for the whole
 * interval.
 */
final class CpuUsage {
    /** Linux's USER_HZ, the unit of /proc/PID/stat times, on every architecture Java runs on. */
    private static final long TICKS_PER_SECOND = 100;

    private static final Jvm BENCHMARK =
            new Jvm(
                    (ThreadMXBean) ManagementFactory.getThreadMXBean(),
                    ProcessHandle.current().pid(),
                    "gc+jit+rocksdb native");

    /**
     * A JVM to sample: its threads, its process, and the name its CPU outside Java threads goes by.
     */
    record Jvm(ThreadMXBean threads, long pid, String nativeComponent) {
        /** A TaskManager's JVM, over JMX. */
        static Jvm taskManager(MBeanServerConnection connection) throws IOException {
            return new Jvm(
                    ManagementFactory.newPlatformMXBeanProxy(
                            connection, ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class),
                    ManagementFactory.newPlatformMXBeanProxy(
                                    connection,
                                    ManagementFactory.RUNTIME_MXBEAN_NAME,
                                    RuntimeMXBean.class)
                            .getPid(),
                    "taskmanager gc+jit+rocksdb native");
        }
    }

    /** The CPU used so far by one JVM's live threads, by name, and by its whole process. */
    private record JvmSample(
            Jvm jvm,
            Map<Long, Long> threadNanos,
            Map<Long, String> threadNames,
            long processNanos) {
        static JvmSample of(Jvm jvm) {
            Map<Long, Long> nanos = new LinkedHashMap<>();
            Map<Long, String> names = new LinkedHashMap<>();
            long[] ids = jvm.threads().getAllThreadIds();
            // three calls in all, not one per thread: a TaskManager answers over the network
            ThreadInfo[] infos = jvm.threads().getThreadInfo(ids);
            long[] cpu = jvm.threads().getThreadCpuTime(ids);
            for (int i = 0; i < ids.length; i++) {
                if (infos[i] != null && cpu[i] >= 0) {
                    nanos.put(ids[i], cpu[i]);
                    names.put(ids[i], infos[i].getThreadName());
                }
            }
            return new JvmSample(jvm, nanos, names, processCpuNanos(jvm.pid()));
        }

        /** Adds the cores used since {@code before} per component to {@code cores}. */
        void addCoresSince(JvmSample before, double seconds, Map<String, Double> cores) {
            double javaThreads = 0;
            for (Map.Entry<Long, Long> t : threadNanos.entrySet()) {
                long used = t.getValue() - before.threadNanos.getOrDefault(t.getKey(), 0L);
                cores.merge(
                        component(threadNames.get(t.getKey())), used / 1e9 / seconds, Double::sum);
                javaThreads += used / 1e9 / seconds;
            }
            if (processNanos >= 0 && before.processNanos >= 0) {
                // not Java threads: the garbage collector, the JIT, RocksDB's flushes and
                // compactions
                double nativeCores =
                        (processNanos - before.processNanos) / 1e9 / seconds - javaThreads;
                cores.merge(jvm.nativeComponent(), Math.max(0, nativeCores), Double::sum);
            }
        }
    }

    private final List<JvmSample> jvms = new ArrayList<>();
    private final long redisNanos;
    private final long wallNanos;

    private CpuUsage(long redisPid, List<Jvm> others) {
        wallNanos = System.nanoTime();
        jvms.add(JvmSample.of(BENCHMARK));
        others.forEach(jvm -> jvms.add(JvmSample.of(jvm)));
        redisNanos = processCpuNanos(redisPid);
    }

    /** The CPU used so far by every live thread and by redis-server ({@code redisPid}, or -1). */
    static CpuUsage sample(long redisPid) {
        return new CpuUsage(redisPid, List.of());
    }

    /** As {@link #sample(long)}, and also by the threads and process of {@code taskManager}. */
    static CpuUsage sample(long redisPid, Jvm taskManager) {
        return new CpuUsage(redisPid, List.of(taskManager));
    }

    /** Cores used per component between {@code before} and this sample, largest first. */
    Map<String, Double> coresSince(CpuUsage before) {
        double seconds = (wallNanos - before.wallNanos) / 1e9;
        Map<String, Double> cores = new LinkedHashMap<>();
        for (int i = 0; i < jvms.size(); i++) {
            jvms.get(i).addCoresSince(before.jvms.get(i), seconds, cores);
        }
        if (redisNanos >= 0 && before.redisNanos >= 0) {
            cores.put("redis-server", (redisNanos - before.redisNanos) / 1e9 / seconds);
        }
        Map<String, Double> sorted = new LinkedHashMap<>();
        cores.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** "reducer 0.61, broker 0.32, ...": cores per component, and the total. */
    static String describe(Map<String, Double> cores) {
        StringJoiner parts = new StringJoiner(", ");
        double total = 0;
        for (Map.Entry<String, Double> e : cores.entrySet()) {
            total += e.getValue();
            if (e.getValue() >= 0.005) {
                parts.add(String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()));
            }
        }
        return String.format(Locale.ROOT, "%.2f cores: %s", total, parts);
    }

    /** The component a thread works for, from its name. */
    static String component(String thread) {
        if (thread.contains(com.marketcast.odds.Descriptors.MARKET_REDUCER)
                || thread.contains(HandWrittenOnFlink.REDUCER)) {
            return "reducer+sink (task)";
        }
        if (thread.startsWith("redis-sink-io")) {
            return "redis sink I/O";
        }
        if (thread.contains(com.marketcast.odds.Descriptors.UPDATES_SOURCE)
                || thread.contains(com.marketcast.odds.Descriptors.PARSE_UPDATES)) {
            return "updates source+parse";
        }
        if (thread.contains(com.marketcast.odds.Descriptors.CHANNEL_REGISTRY)
                || thread.contains(com.marketcast.odds.Descriptors.COMMANDS_SOURCE)) {
            return "commands+registry";
        }
        if (thread.startsWith("b3-reducer")) {
            return "B3 reducer";
        }
        if (thread.startsWith("b1-publisher")) {
            return "B1 publisher";
        }
        if (thread.startsWith("subscriber-")) {
            return "subscribers";
        }
        if (thread.contains("bench-feed") || thread.equals("main") || thread.startsWith("churn")) {
            return "feed+benchmark";
        }
        if (thread.startsWith("data-plane-kafka")
                || thread.startsWith("kafka-")
                || thread.startsWith("raft-")
                || thread.startsWith("controller-")
                || thread.startsWith("broker-")
                || thread.startsWith("ExpirationReaper")
                || thread.startsWith("group-")
                || thread.startsWith("quorum")
                || thread.startsWith("LogDirFailureHandler")) {
            return "kafka broker";
        }
        return "flink runtime+other";
    }

    /** The process id of the redis-server at {@code uri}, from its INFO. */
    static long redisPid(String uri) {
        try (Jedis jedis = new Jedis(URI.create(uri))) {
            for (String line : jedis.info("server").split("\r?\n")) {
                if (line.startsWith("process_id:")) {
                    return Long.parseLong(line.substring("process_id:".length()).trim());
                }
            }
        }
        return -1;
    }

    private static long processCpuNanos(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // fields after the command name (which may hold spaces) in parentheses
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
            return ticks * 1_000_000_000L / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}

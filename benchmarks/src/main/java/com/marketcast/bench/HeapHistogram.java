package com.marketcast.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/**
 * The live objects of this JVM by class, as {@code jcmd <pid> GC.class_histogram} prints them (the
 * JVM's diagnostic command, which runs a full GC first). Two of them taken before and after a step
 * say which classes the step's objects are, and so where each subscription's heap goes.
 */
final class HeapHistogram {
    private static final Pattern ROW =
            Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)", Pattern.MULTILINE);

    /** One class's live objects: how many, and their shallow bytes. */
    record Row(String className, long instances, long bytes) {}

    private final Map<String, Row> byClass;

    private HeapHistogram(Map<String, Row> byClass) {
        this.byClass = byClass;
    }

    /** Takes the histogram of this JVM's live objects now. */
    static HeapHistogram take() throws Exception {
        String printed =
                (String)
                        ManagementFactory.getPlatformMBeanServer()
                                .invoke(
                                        new ObjectName("com.sun.management:type=DiagnosticCommand"),
                                        "gcClassHistogram",
                                        new Object[] {new String[0]},
                                        new String[] {String[].class.getName()});
        return parse(printed);
    }

    static HeapHistogram parse(String printed) {
        Map<String, Row> byClass = new HashMap<>();
        Matcher row = ROW.matcher(printed);
        while (row.find()) {
            String name = row.group(3);
            byClass.merge(
                    name,
                    new Row(name, Long.parseLong(row.group(1)), Long.parseLong(row.group(2))),
                    (a, b) -> new Row(name, a.instances + b.instances, a.bytes + b.bytes));
        }
        return new HeapHistogram(byClass);
    }

    /** What grew from {@code before} to this one, by class, largest growth first. */
    List<Row> grownSince(HeapHistogram before) {
        List<Row> grown = new ArrayList<>();
        byClass.forEach(
                (name, now) -> {
                    Row then = before.byClass.getOrDefault(name, new Row(name, 0, 0));
                    grown.add(
                            new Row(name, now.instances - then.instances, now.bytes - then.bytes));
                });
        grown.sort(Comparator.comparingLong(Row::bytes).reversed());
        return grown;
    }
}

package com.marketcast.sql;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;

/**
 * Follows a running query's changelog on a thread of its own and keeps the table it describes
 * (inserts add a row, retractions remove it), so a test can wait for an expected table with a
 * deadline. Closing it cancels the query.
 */
final class ChangelogCollector implements AutoCloseable {
    private final CloseableIterator<Row> changes;
    private final List<Row> table = new ArrayList<>();
    private final Thread reader;
    private volatile Throwable failure;

    ChangelogCollector(TableResult result) {
        this.changes = result.collect();
        this.reader = new Thread(this::read, "changelog-collector");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try {
            while (changes.hasNext()) {
                Row change = changes.next();
                RowKind kind = change.getKind();
                Row row = Row.copy(change);
                row.setKind(RowKind.INSERT);
                synchronized (table) {
                    if (kind == RowKind.INSERT || kind == RowKind.UPDATE_AFTER) {
                        table.add(row);
                    } else if (!table.remove(row)) {
                        throw new AssertionError("retraction of a row not in the table: " + row);
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** The table now, rows as inserted (kind INSERT). */
    List<Row> table() {
        synchronized (table) {
            return new ArrayList<>(table);
        }
    }

    /** Waits until the table satisfies the condition; fails with the last table seen. */
    List<Row> awaitTable(Duration timeout, String what, Predicate<List<Row>> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (failure != null) {
                throw new AssertionError("the query failed while waiting for " + what, failure);
            }
            List<Row> now = table();
            if (condition.test(now)) {
                return now;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "timed out after " + timeout + " waiting for " + what + "; table: " + now);
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    @Override
    public void close() throws Exception {
        changes.close();
    }
}

package com.marketcast.sql;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Drops the replication slots of a deployment's catalog tables. A slot outlives the query that
 * created it and keeps WAL until it is dropped, so the runner drops its own when a view ends.
 */
final class ReplicationSlots {
    private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(10);

    private ReplicationSlots() {}

    /**
     * Ends the replication connections still attached to the slots, then drops them.
     *
     * @return how many slots were dropped
     */
    static int drop(Deployment deployment) throws SQLException {
        String[] slots = {deployment.slotName("events"), deployment.slotName("markets")};
        try (Connection connection =
                DriverManager.getConnection(
                        deployment.catalogJdbcUrl(),
                        deployment.catalogUser(),
                        deployment.catalogPassword())) {
            int dropped = 0;
            long deadline = System.nanoTime() + RELEASE_TIMEOUT.toNanos();
            for (String slot : slots) {
                while (true) {
                    terminateReader(connection, slot);
                    try {
                        dropped += dropIfExists(connection, slot) ? 1 : 0;
                        break;
                    } catch (SQLException e) {
                        // 55006 object_in_use: the terminated reader has not released it yet
                        if (!"55006".equals(e.getSQLState()) || System.nanoTime() > deadline) {
                            throw e;
                        }
                        LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                    }
                }
            }
            return dropped;
        }
    }

    private static void terminateReader(Connection connection, String slot) throws SQLException {
        try (PreparedStatement kill =
                connection.prepareStatement(
                        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                                + " WHERE slot_name = ? AND active_pid IS NOT NULL")) {
            kill.setString(1, slot);
            kill.execute();
        }
    }

    private static boolean dropIfExists(Connection connection, String slot) throws SQLException {
        try (PreparedStatement drop =
                connection.prepareStatement(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                                + " WHERE slot_name = ?")) {
            drop.setString(1, slot);
            try (ResultSet rows = drop.executeQuery()) {
                return rows.next();
            }
        }
    }
}

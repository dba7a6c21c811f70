package com.marketcast.bench;

import com.marketcast.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The catalog of the benchmark's markets in a private PostgreSQL (the schema of {@code
 * sql/catalog/schema.sql}, one event per four markets as in {@link Workload#eventId}), read by the
 * job through CDC, and a small catalog churn while measuring: a trader suspends a market or reopens
 * it, so subscribers get catalog deltas beside the feed's.
 */
final class BenchCatalog implements AutoCloseable {
    private static final String SLOT = "marketcast_bench";

    private final EmbeddedPostgres postgres;
    private final Workload workload;
    private final AtomicLong changes = new AtomicLong();
    private Paced churn;
    private Connection connection;

    BenchCatalog(Workload workload) {
        this.workload = workload;
        postgres = EmbeddedPostgres.start();
        postgres.runScript(schema());
        postgres.execute(
                "INSERT INTO events SELECT 'e-' || (10000 + i), 'Event ' || i, 'football',"
                        + " 'League ' || (i % 20), now() + interval '1 day', false"
                        + " FROM generate_series(0, "
                        + (workload.markets - 1) / 4
                        + ") i");
        postgres.execute(
                "INSERT INTO markets SELECT 'm-' || (100000 + i), 'e-' || (10000 + i / 4),"
                        + " 'Match Odds', 'MATCH_ODDS', 'OPEN', '"
                        + Workload.catalogSelections()
                        + "'"
                        + " FROM generate_series(0, "
                        + (workload.markets - 1)
                        + ") i");
    }

    /** The job's catalog options. */
    Map<String, String> jobOptions() {
        return Map.of(
                "catalog-url", postgres.jdbcUrl(),
                "catalog-user", postgres.user(),
                "catalog-password", postgres.password(),
                "catalog-slot", SLOT);
    }

    /** Starts {@code perSecond} catalog changes a second, until {@link #stopChurn()}. */
    void startChurn(double perSecond, long seed) {
        if (perSecond <= 0) {
            return;
        }
        Random random = new Random(seed);
        PreparedStatement toggle;
        try {
            connection = postgres.connect();
            toggle =
                    connection.prepareStatement(
                            "UPDATE markets SET status = CASE status WHEN 'OPEN' THEN"
                                    + " 'SUSPENDED' ELSE 'OPEN' END WHERE market_id = ?");
        } catch (SQLException e) {
            throw new IllegalStateException("catalog churn cannot reach " + postgres.jdbcUrl(), e);
        }
        churn =
                Paced.start(
                        "churn-catalog",
                        perSecond,
                        () -> {
                            toggle.setString(
                                    1, Workload.marketId(random.nextInt(workload.markets)));
                            toggle.executeUpdate();
                            changes.incrementAndGet();
                        });
    }

    void stopChurn() throws InterruptedException {
        if (churn != null) {
            churn.stop();
            churn = null;
        }
        if (connection != null) {
            try {
                connection.close(); // closes the statement too
            } catch (SQLException e) {
                // the churn is over; a connection that fails to close leaves nothing behind
            }
            connection = null;
        }
    }

    long changes() {
        return changes.get();
    }

    private static Path schema() {
        return List.of(Path.of("sql/catalog/schema.sql"), Path.of("../sql/catalog/schema.sql"))
                .stream()
                .filter(Files::isRegularFile)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("sql/catalog/schema.sql not found"));
    }

    @Override
    public void close() throws InterruptedException {
        stopChurn();
        postgres.dropReplicationSlot(SLOT);
        postgres.close();
    }
}

package com.marketcast.local;

import com.marketcast.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog database of the local stack: a private PostgreSQL loaded with {@code
 * sql/catalog/schema.sql} and {@code sample-data.sql} (packaged on the classpath), or one given
 * with {@code --catalog-url}. It reads the markets the generator feeds, and drops the job's
 * replication slot when the stack stops (a slot outlives its job and pins WAL until it is dropped).
 */
final class LocalCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(LocalCatalog.class);

    private final String url;
    private final String user;
    private final String password;

    LocalCatalog(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** The private database, with the schema and the sample catalog loaded. */
    static LocalCatalog loadSample(EmbeddedPostgres postgres) {
        long started = System.nanoTime();
        postgres.execute(resource("catalog/schema.sql"));
        postgres.execute(resource("catalog/sample-data.sql"));
        LOG.info(
                "Loaded the sample catalog into {} in {} ms",
                postgres.jdbcUrl(),
                (System.nanoTime() - started) / 1_000_000);
        return new LocalCatalog(postgres.jdbcUrl(), postgres.user(), postgres.password());
    }

    String url() {
        return url;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    /**
     * The markets that are not closed, in-play events first, then by kick-off: the order of hotness
     * the generator gives them.
     */
    List<MarketSimulation.MarketInfo> openMarkets() {
        List<MarketSimulation.MarketInfo> markets = new ArrayList<>();
        try (Connection connection = connect();
                PreparedStatement query =
                        connection.prepareStatement(
                                "SELECT m.market_id, m.event_id, e.sport, e.competition, m.type,"
                                        + " m.name, ARRAY(SELECT s->>'id' FROM"
                                        + " jsonb_array_elements(m.selections) s)"
                                        + " FROM markets m JOIN events e USING (event_id)"
                                        + " WHERE m.status <> 'CLOSED'"
                                        + " ORDER BY e.in_play DESC, e.start_time,"
                                        + " length(m.market_id), m.market_id");
                ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                markets.add(info(rows));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot read the markets of the catalog " + url + ": " + e.getMessage(), e);
        }
        return markets;
    }

    /** Reads a row of (market_id, event_id, sport, competition, type, name, selection ids). */
    static MarketSimulation.MarketInfo info(ResultSet row) throws SQLException {
        Array ids = row.getArray(7);
        List<String> selectionIds = List.of((String[]) ids.getArray());
        return new MarketSimulation.MarketInfo(
                row.getString(1),
                row.getString(2),
                row.getString(3),
                row.getString(4),
                row.getString(5),
                row.getString(6),
                selectionIds);
    }

    /**
     * The names of the events of these markets, in the order of the markets, each once: what a demo
     * channel shows.
     */
    List<String> eventNames(List<String> marketIds) {
        List<String> names = new ArrayList<>();
        try (Connection connection = connect();
                PreparedStatement query =
                        connection.prepareStatement(
                                "SELECT e.name, e.in_play FROM unnest(?::text[]) WITH ORDINALITY"
                                        + " AS m(market_id, ord) JOIN markets USING (market_id)"
                                        + " JOIN events e USING (event_id) ORDER BY ord")) {
            query.setArray(1, connection.createArrayOf("text", marketIds.toArray()));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    String name = rows.getString(1) + (rows.getBoolean(2) ? " (in play)" : "");
                    if (!names.contains(name)) {
                        names.add(name);
                    }
                }
            }
        } catch (SQLException e) {
            LOG.debug("Cannot read the events of {}: {}", marketIds, e.getMessage());
        }
        return names;
    }

    /**
     * How many open or suspended markets of this sport have an event that starts within the next
     * {@code minutes} and has not started: what a {@code startsWithinMinutes} query holds now.
     */
    long marketsStartingWithin(String sport, int minutes) {
        try (Connection connection = connect();
                PreparedStatement query =
                        connection.prepareStatement(
                                "SELECT count(*) FROM markets m JOIN events e USING (event_id)"
                                        + " WHERE e.sport = ? AND m.status <> 'CLOSED' AND"
                                        + " e.start_time >= now() AND e.start_time <= now() +"
                                        + " make_interval(mins => ?)")) {
            query.setString(1, sport);
            query.setInt(2, minutes);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            LOG.debug("Cannot count the markets of {}: {}", sport, e.getMessage());
            return -1;
        }
    }

    /** Drops the job's slot if it exists, ending a replication connection still attached to it. */
    void dropSlot(String slot) {
        try (Connection connection = connect();
                PreparedStatement kill =
                        connection.prepareStatement(
                                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                                        + " WHERE slot_name = ? AND active_pid IS NOT NULL");
                PreparedStatement drop =
                        connection.prepareStatement(
                                "SELECT pg_drop_replication_slot(slot_name) FROM"
                                        + " pg_replication_slots WHERE slot_name = ? AND NOT"
                                        + " active")) {
            kill.setString(1, slot);
            kill.execute();
            drop.setString(1, slot);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try (ResultSet rows = drop.executeQuery()) {
                    if (rows.next()) {
                        LOG.info("Dropped replication slot {} of {}", slot, url);
                        return;
                    }
                }
                if (!slotExists(connection, slot)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    LOG.warn("Replication slot {} of {} is still in use; not dropped", slot, url);
                    return;
                }
                // a terminated walsender releases its slot a moment later
                LockSupport.parkNanos(50_000_000L);
            }
        } catch (SQLException e) {
            LOG.warn(
                    "Could not drop replication slot {} of {}: {} (drop it with SELECT"
                            + " pg_drop_replication_slot('{}'))",
                    slot,
                    url,
                    e.getMessage(),
                    slot);
        }
    }

    private static boolean slotExists(Connection connection, String slot) throws SQLException {
        try (PreparedStatement query =
                connection.prepareStatement(
                        "SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
            query.setString(1, slot);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static String resource(String name) {
        try (InputStream in = LocalCatalog.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(
                        name + " is not on the classpath (it is packaged from sql/catalog)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

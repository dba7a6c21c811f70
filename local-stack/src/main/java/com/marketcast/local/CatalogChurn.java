package com.marketcast.local;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes the catalog through SQL as traders and the catalog team do, one change per interval: a
 * hot market suspended and reopened a few seconds later, a kick-off moved, one of the next events
 * set in play, an event renamed, a market of an in-play event closed (settled) and a new one added
 * to it, a new event with its markets. Closed and added markets are passed to the {@link
 * MarketSimulation}, so the feed stops and starts pricing them.
 *
 * <p>A {@link #focus} (the markets a demo channel shows, the sport its query asks for) draws about
 * half of the suspensions and renames to those markets' events, and a share of the kick-off moves,
 * kick-offs and new events to that sport's next events, so that a tail shows them: markets
 * suspended and reopened, renamed events, markets joining and leaving a {@code startsWithinMinutes}
 * query.
 *
 * <p>{@link #step()} makes one change on the calling thread (tests drive it); {@link #start()} runs
 * steps on a daemon thread until {@link #close()}. A failed step is logged and skipped. Each change
 * is logged at DEBUG; {@link #summary()} counts them by kind.
 */
final class CatalogChurn implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogChurn.class);
    private static final Duration MIN_SUSPENSION = Duration.ofSeconds(3);
    private static final Duration MAX_SUSPENSION = Duration.ofSeconds(8);

    /** The changes it makes. */
    enum Change {
        SUSPEND,
        REOPEN,
        MOVE_KICK_OFF,
        IN_PLAY,
        RENAME,
        CLOSE_AND_ADD,
        NEW_EVENT
    }

    private record Reopening(long dueAt, String marketId) {}

    private final LocalCatalog catalog;
    private final MarketSimulation simulation;
    private final Duration interval;
    private final Random random;
    private final LongSupplier clock;
    private final Deque<Reopening> reopenings = new ArrayDeque<>();
    private final Map<Change, AtomicLong> counts = new EnumMap<>(Change.class);
    private List<String> focusMarkets = List.of();
    private String focusSport;
    private int focusMinutes = 120;
    private BiConsumer<Change, String> listener = (change, what) -> {};
    private Connection connection;
    private volatile ScheduledExecutorService executor;

    CatalogChurn(LocalCatalog catalog, MarketSimulation simulation, Duration interval, long seed) {
        this(catalog, simulation, interval, seed, System::currentTimeMillis);
    }

    /** With the clock that decides when a suspended market is reopened (tests step it). */
    CatalogChurn(
            LocalCatalog catalog,
            MarketSimulation simulation,
            Duration interval,
            long seed,
            LongSupplier clock) {
        this.clock = clock;
        this.catalog = catalog;
        this.simulation = simulation;
        this.interval = interval;
        this.random = new Random(seed);
        for (Change change : Change.values()) {
            counts.put(change, new AtomicLong());
        }
    }

    /**
     * Draws about half of the changes to these markets (suspensions, renames of their events) and a
     * share to the events of this sport that start within about {@code minutes} (kick-offs moved
     * across that boundary, kick-offs, new events starting within it): what a demo channel with a
     * {@code {"sport":…,"startsWithinMinutes":…}} query shows. The markets may be empty and the
     * sport null.
     */
    synchronized CatalogChurn focus(List<String> marketIds, String sport, int minutes) {
        if (minutes < 4) {
            throw new IllegalArgumentException("focus minutes must be at least 4, got " + minutes);
        }
        this.focusMarkets = List.copyOf(marketIds);
        this.focusSport = sport;
        this.focusMinutes = minutes;
        return this;
    }

    /** Told of every change made, with what it changed (a market or event id first). */
    synchronized CatalogChurn onChange(BiConsumer<Change, String> listener) {
        this.listener = listener;
        return this;
    }

    synchronized CatalogChurn start() {
        executor =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "catalog-churn");
                            t.setDaemon(true);
                            return t;
                        });
        executor.scheduleWithFixedDelay(
                this::stepQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("Catalog churn: one change every {} ms in {}", interval.toMillis(), catalog.url());
        return this;
    }

    /** How many changes of each kind it made. */
    Map<Change, Long> counts() {
        Map<Change, Long> snapshot = new EnumMap<>(Change.class);
        counts.forEach((change, count) -> snapshot.put(change, count.get()));
        return snapshot;
    }

    long total() {
        return counts.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** One line: the total and the count of each kind, e.g. for the periodic report. */
    String summary() {
        Map<Change, Long> c = counts();
        return String.format(
                "%d changes: %d suspended, %d reopened, %d kick-offs moved, %d in play, %d renamed,"
                        + " %d closed and replaced, %d new events",
                total(),
                c.get(Change.SUSPEND),
                c.get(Change.REOPEN),
                c.get(Change.MOVE_KICK_OFF),
                c.get(Change.IN_PLAY),
                c.get(Change.RENAME),
                c.get(Change.CLOSE_AND_ADD),
                c.get(Change.NEW_EVENT));
    }

    private void stepQuietly() {
        try {
            step();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Catalog churn: a change failed: {}", e.getMessage());
        }
    }

    /** Reopens what is due, then makes one change, on the churn's connection to the catalog. */
    synchronized void step() throws SQLException {
        if (connection == null || connection.isClosed()) {
            // one connection for all steps (autocommit: each change is its own transaction)
            connection = catalog.connect();
        }
        try {
            step(connection);
        } catch (SQLException e) {
            // the next step reconnects: the database may have restarted
            closeConnection();
            throw e;
        }
    }

    private void step(Connection connection) throws SQLException {
        long now = clock.getAsLong();
        while (!reopenings.isEmpty() && reopenings.peek().dueAt() <= now) {
            String market = reopenings.peek().marketId();
            if (update(
                            connection,
                            "UPDATE markets SET status = 'OPEN' WHERE market_id = ? AND status"
                                    + " = 'SUSPENDED'",
                            market)
                    > 0) {
                done(Change.REOPEN, market);
            }
            // only once done: a failed reopening is tried again at the next step
            reopenings.poll();
        }
        double roll = random.nextDouble();
        if (roll < 0.30) {
            suspend(connection, now);
        } else if (roll < 0.45) {
            moveKickOff(connection);
        } else if (roll < 0.60) {
            kickOff(connection);
        } else if (roll < 0.70) {
            rename(connection);
        } else if (roll < 0.90) {
            closeAndAdd(connection);
        } else {
            newEvent(connection);
        }
    }

    /**
     * A trader halts a hot market (a focus one half of the time); it reopens a few seconds later.
     */
    private void suspend(Connection connection, long now) throws SQLException {
        List<String> candidates =
                !focusMarkets.isEmpty() && random.nextBoolean()
                        ? focusMarkets
                        : simulation.openMarketIds(40);
        if (candidates.isEmpty()) {
            return;
        }
        String market = candidates.get(random.nextInt(candidates.size()));
        if (update(
                        connection,
                        "UPDATE markets SET status = 'SUSPENDED' WHERE market_id = ? AND status ="
                                + " 'OPEN'",
                        market)
                > 0) {
            long suspension =
                    MIN_SUSPENSION.toMillis()
                            + (long)
                                    (random.nextDouble()
                                            * (MAX_SUSPENSION.toMillis()
                                                    - MIN_SUSPENSION.toMillis()));
            reopenings.add(new Reopening(now + suspension, market));
            done(Change.SUSPEND, market);
        }
    }

    /**
     * An upcoming event's kick-off moves by 15 to 60 minutes either way, never into the past; half
     * of the time one of the focus sport's next events (within twice the focus minutes), so that it
     * may cross the boundary of a {@code startsWithinMinutes} query.
     */
    private void moveKickOff(Connection connection) throws SQLException {
        int minutes = (15 + random.nextInt(46)) * (random.nextBoolean() ? 1 : -1);
        String event;
        String update =
                "UPDATE events SET start_time = greatest(start_time + make_interval(mins => ?),"
                        + " now() + interval '5 minutes') WHERE event_id = ";
        if (focusSport != null && random.nextBoolean()) {
            event =
                    first(
                            connection,
                            update
                                    + "(SELECT event_id FROM events WHERE NOT in_play AND sport = ?"
                                    + " AND start_time > now() AND start_time < now() +"
                                    + " make_interval(mins => ?) ORDER BY start_time, event_id"
                                    + " OFFSET ? LIMIT 1) RETURNING event_id",
                            minutes,
                            focusSport,
                            2 * focusMinutes,
                            random.nextInt(4));
        } else {
            event =
                    first(
                            connection,
                            update
                                    + "(SELECT event_id FROM events WHERE NOT in_play AND"
                                    + " start_time > now() ORDER BY event_id OFFSET ? LIMIT 1)"
                                    + " RETURNING event_id",
                            minutes,
                            random.nextInt(100));
        }
        if (event != null) {
            done(Change.MOVE_KICK_OFF, event + " by " + minutes + " min");
        }
    }

    /**
     * One of the next ten events to start (a quarter of the time the focus sport's next one) kicks
     * off now and goes in play.
     */
    private void kickOff(Connection connection) throws SQLException {
        String update =
                "UPDATE events SET in_play = true, start_time = least(start_time, now()) WHERE"
                        + " event_id = ";
        String event;
        if (focusSport != null && random.nextInt(4) == 0) {
            event =
                    first(
                            connection,
                            update
                                    + "(SELECT event_id FROM events WHERE NOT in_play AND sport = ?"
                                    + " ORDER BY start_time, event_id LIMIT 1) RETURNING event_id",
                            focusSport);
        } else {
            event =
                    first(
                            connection,
                            update
                                    + "(SELECT event_id FROM events WHERE NOT in_play ORDER BY"
                                    + " start_time, event_id OFFSET ? LIMIT 1) RETURNING event_id",
                            random.nextInt(10));
        }
        if (event != null) {
            done(Change.IN_PLAY, event);
        }
    }

    /**
     * A name fix: "A v B" becomes "A vs B" and back; half of the time the event of a focus market.
     */
    private void rename(Connection connection) throws SQLException {
        String update =
                "UPDATE events SET name = CASE WHEN name LIKE '% vs %' THEN replace(name, ' vs ',"
                        + " ' v ') ELSE replace(name, ' v ', ' vs ') END WHERE event_id = ";
        String event;
        if (!focusMarkets.isEmpty() && random.nextBoolean()) {
            event =
                    first(
                            connection,
                            update
                                    + "(SELECT event_id FROM markets WHERE market_id = ?)"
                                    + " RETURNING event_id",
                            focusMarkets.get(random.nextInt(focusMarkets.size())));
        } else {
            event =
                    first(
                            connection,
                            update
                                    + "(SELECT event_id FROM events ORDER BY event_id OFFSET ?"
                                    + " LIMIT 1) RETURNING event_id",
                            random.nextInt(400));
        }
        if (event != null) {
            done(Change.RENAME, event);
        }
    }

    /** A market of an in-play event is settled (CLOSED) and a new one opens on that event. */
    private void closeAndAdd(Connection connection) throws SQLException {
        String closed = null;
        String event = null;
        try (PreparedStatement close =
                connection.prepareStatement(
                        "UPDATE markets SET status = 'CLOSED' WHERE market_id = (SELECT"
                                + " m.market_id FROM markets m JOIN events e USING (event_id)"
                                + " WHERE e.in_play AND m.status <> 'CLOSED' ORDER BY m.market_id"
                                + " OFFSET ? LIMIT 1) RETURNING market_id, event_id")) {
            close.setInt(1, random.nextInt(50));
            try (ResultSet rows = close.executeQuery()) {
                if (rows.next()) {
                    closed = rows.getString(1);
                    event = rows.getString(2);
                }
            }
        }
        if (closed == null) {
            return;
        }
        simulation.remove(closed);
        String added = addMarket(connection, event, "NEXT_SCORE", "Next Score");
        done(Change.CLOSE_AND_ADD, closed + " closed, " + added + " added on " + event);
    }

    /**
     * A new event of an existing competition, with two markets: in one to three days, or two times
     * in three an event of the focus sport starting within the focus minutes (from a quarter to
     * nine tenths of them), so that its markets join the demo query at once.
     */
    private void newEvent(Connection connection) throws SQLException {
        String event = "e-" + (maxNumber(connection, "events", "event_id") + 1);
        boolean soon = focusSport != null && random.nextInt(3) < 2;
        try (PreparedStatement insert =
                connection.prepareStatement(
                        "INSERT INTO events (event_id, name, sport, competition, start_time)"
                                + " SELECT ?, split_part(a.name, ' v', 1) || ' v ' ||"
                                + " split_part(b.name, ' v', 1), a.sport, a.competition, now() +"
                                + " make_interval(mins => ?) FROM (SELECT * FROM events WHERE"
                                + " sport = coalesce(?, sport) ORDER BY event_id OFFSET ? LIMIT"
                                + " 1) a JOIN events b ON b.competition = a.competition AND"
                                + " split_part(b.name, ' v', 1) <> split_part(a.name, ' v', 1)"
                                + " ORDER BY b.event_id LIMIT 1")) {
            insert.setString(1, event);
            insert.setInt(
                    2,
                    soon
                            ? focusMinutes / 4
                                    + random.nextInt(focusMinutes * 9 / 10 - focusMinutes / 4)
                            : 60 * (24 + random.nextInt(48)));
            insert.setString(3, soon ? focusSport : null);
            insert.setInt(4, random.nextInt(soon ? 20 : 400));
            if (insert.executeUpdate() == 0) {
                return;
            }
        }
        String first = addMarket(connection, event, "WINNER", "Winner");
        String second = addMarket(connection, event, "NEXT_SCORE", "First Score");
        done(Change.NEW_EVENT, event + " with " + first + ", " + second);
    }

    /** Inserts a two-way market named after the event's sides and hands it to the feed. */
    private String addMarket(Connection connection, String event, String type, String name)
            throws SQLException {
        String market = "m-" + (maxNumber(connection, "markets", "market_id") + 1);
        try (PreparedStatement insert =
                connection.prepareStatement(
                        "INSERT INTO markets (market_id, event_id, name, type, selections) SELECT"
                                + " ?, event_id, ?, ?, jsonb_build_array(jsonb_build_object('id',"
                                + " 'home', 'name', split_part(replace(name, ' vs ', ' v '), ' v ',"
                                + " 1)), jsonb_build_object('id', 'away', 'name',"
                                + " split_part(replace(name, ' vs ', ' v '), ' v ', 2))) FROM"
                                + " events WHERE event_id = ?")) {
            insert.setString(1, market);
            insert.setString(2, name);
            insert.setString(3, type);
            insert.setString(4, event);
            insert.executeUpdate();
        }
        try (PreparedStatement read =
                connection.prepareStatement(
                        "SELECT m.market_id, m.event_id, e.sport, e.competition, m.type, m.name,"
                                + " ARRAY(SELECT s->>'id' FROM jsonb_array_elements(m.selections)"
                                + " s) FROM markets m JOIN events e USING (event_id) WHERE"
                                + " m.market_id = ?")) {
            read.setString(1, market);
            try (ResultSet rows = read.executeQuery()) {
                if (rows.next()) {
                    simulation.add(LocalCatalog.info(rows));
                }
            }
        }
        return market;
    }

    private static long maxNumber(Connection connection, String table, String column)
            throws SQLException {
        String sql =
                String.format(
                        "SELECT coalesce(max(substr(%s, 3)::bigint), 0) FROM %s WHERE %s ~"
                                + " '^[em]-[0-9]+$'",
                        column, table, column);
        try (PreparedStatement query = connection.prepareStatement(sql);
                ResultSet rows = query.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static int update(Connection connection, String sql, String id) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, id);
            return statement.executeUpdate();
        }
    }

    /**
     * Runs a statement with parameters (integers and strings) and returns the first column of its
     * first row, or null without a row.
     */
    private static String first(Connection connection, String sql, Object... parameters)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    private void done(Change change, String what) {
        counts.get(change).incrementAndGet();
        LOG.debug("Catalog churn: {} {}", change, what);
        listener.accept(change, what);
    }

    @Override
    public void close() {
        ScheduledExecutorService executor = this.executor;
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeConnection();
    }

    private synchronized void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("Catalog churn: closing the connection failed: {}", e.getMessage());
            }
            connection = null;
        }
    }
}

package com.marketcast.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private PostgreSQL cluster on a free loopback port, set up for logical replication (the CDC
 * source of the catalog): {@code wal_level=logical}, replication slots and WAL senders enabled, one
 * database {@value #DATABASE}, password authentication for {@value #USER}.
 *
 * <p>It runs the Debian PostgreSQL binaries ({@code /usr/lib/postgresql/<version>/bin}, or the
 * directory in {@code MARKETCAST_PG_BIN}). {@code initdb} refuses to run as root, so as root the
 * cluster belongs to the {@code postgres} user that the Debian package creates, and {@code initdb}
 * and {@code pg_ctl} run as that user. {@code pg_ctl} daemonizes the server: a JVM shutdown hook
 * stops it, so an interrupted run leaves no server and no temp directory behind.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);

    public static final String DATABASE = "catalog";
    public static final String USER = "postgres";
    public static final String PASSWORD = "marketcast";

    private static final String SYSTEM_USER = "postgres";
    private static final String SETSID = "/usr/bin/setsid";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final int port;
    private final Path dir;
    private final Path bin;
    private final boolean asSystemUser;
    private final Thread shutdownHook;
    private boolean running;

    private EmbeddedPostgres(int port, Path dir, Path bin, boolean asSystemUser) {
        this.port = port;
        this.dir = dir;
        this.bin = bin;
        this.asSystemUser = asSystemUser;
        this.shutdownHook =
                new Thread(
                        () -> {
                            stop();
                            TempDirs.deleteRecursively(dir);
                        },
                        "postgres-shutdown-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Initialises and starts a cluster on a free port and creates the database. */
    public static EmbeddedPostgres start() {
        return start(FreePorts.next());
    }

    /** Initialises and starts a cluster on the given port and creates the database. */
    public static EmbeddedPostgres start(int port) {
        long started = System.nanoTime();
        Path bin = binDirectory();
        boolean asSystemUser = "root".equals(System.getProperty("user.name"));
        EmbeddedPostgres postgres;
        try {
            Path dir = Files.createTempDirectory("postgres-" + port);
            if (asSystemUser) {
                UserPrincipal owner =
                        dir.getFileSystem()
                                .getUserPrincipalLookupService()
                                .lookupPrincipalByName(SYSTEM_USER);
                Files.setOwner(dir, owner);
            }
            postgres = new EmbeddedPostgres(port, dir, bin, asSystemUser);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot prepare a PostgreSQL data directory (as root, the Debian package's '"
                            + SYSTEM_USER
                            + "' user must exist: is the package postgresql installed?)",
                    e);
        }
        try {
            postgres.initdb();
            postgres.launch();
            postgres.createDatabase();
        } catch (RuntimeException e) {
            postgres.close();
            throw e;
        }
        LOG.info(
                "PostgreSQL listening on {} (user {}, wal_level=logical), ready in {} ms",
                postgres.jdbcUrl(),
                USER,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return postgres;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public String database() {
        return DATABASE;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    /** The JDBC URL of the catalog database, the form the job's {@code --catalog-url} takes. */
    public String jdbcUrl() {
        return jdbcUrl(DATABASE);
    }

    /** A new connection to the catalog database; the caller closes it. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    /**
     * Runs SQL in the catalog database: one statement, or several separated by semicolons (no psql
     * meta-commands).
     */
    public void execute(String sql) {
        try (Connection connection = connect();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    /** Runs a SQL file (plain statements, no psql meta-commands) in the catalog database. */
    public void runScript(Path file) {
        String sql;
        try {
            sql = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        try (Connection connection = connect();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(file + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Kills every WAL sender (the replication connections of CDC readers), as a network cut or a
     * database failover would: the readers must reconnect by themselves.
     *
     * @return how many were terminated
     */
    public int terminateWalSenders() {
        return queryInt(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE backend_type = 'walsender') AS killed");
    }

    /** The replication slots that exist now. */
    public List<String> replicationSlots() {
        List<String> slots = new ArrayList<>();
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet rows =
                        statement.executeQuery(
                                "SELECT slot_name FROM pg_replication_slots ORDER BY 1")) {
            while (rows.next()) {
                slots.add(rows.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list replication slots: " + e.getMessage(), e);
        }
        return slots;
    }

    /**
     * How far a slot's confirmed position trails the current WAL position, in bytes: the WAL the
     * slot pins. Empty when the slot does not exist or has confirmed nothing yet.
     */
    public Optional<Long> replicationSlotLagBytes(String slot) {
        try (Connection connection = connect();
                PreparedStatement statement =
                        connection.prepareStatement(
                                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)"
                                        + " FROM pg_replication_slots WHERE slot_name = ?")) {
            statement.setString(1, slot);
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next() || rows.getObject(1) == null) {
                    return Optional.empty();
                }
                return Optional.of(rows.getLong(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read slot " + slot + ": " + e.getMessage(), e);
        }
    }

    /**
     * Drops a replication slot if it exists, first ending a replication connection still attached
     * to it (a slot outlives its reader and pins WAL until dropped).
     *
     * @return whether a slot was dropped
     */
    public boolean dropReplicationSlot(String slot) {
        try (Connection connection = connect()) {
            try (PreparedStatement kill =
                    connection.prepareStatement(
                            "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                                    + " WHERE slot_name = ? AND active_pid IS NOT NULL")) {
                kill.setString(1, slot);
                kill.execute();
            }
            // a terminated walsender releases its slot asynchronously; retry briefly while active
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {
                try (PreparedStatement drop =
                        connection.prepareStatement(
                                "SELECT pg_drop_replication_slot(slot_name) FROM"
                                        + " pg_replication_slots WHERE slot_name = ?")) {
                    drop.setString(1, slot);
                    try (ResultSet rows = drop.executeQuery()) {
                        return rows.next();
                    }
                } catch (SQLException e) {
                    // 55006 object_in_use: the slot is still held by a backend being terminated
                    if (!"55006".equals(e.getSQLState()) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.onSpinWait();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot drop replication slot " + slot + ": " + e.getMessage(), e);
        }
    }

    /**
     * Leaves stopping to the caller: for a caller that stops several services in order from its own
     * shutdown hook (JVM shutdown hooks run concurrently, in no order).
     */
    public EmbeddedPostgres withoutShutdownHook() {
        removeShutdownHook();
        return this;
    }

    /** Stops the server ({@code pg_ctl stop -m fast}); the data directory stays until close. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        try {
            run(pgCtl("stop", "-m", "fast"));
        } catch (RuntimeException e) {
            LOG.warn("pg_ctl stop failed for {}: {}", dir, e.getMessage());
        }
        running = false;
    }

    /** Stops the server for good and deletes its data directory. */
    @Override
    public void close() {
        stop();
        removeShutdownHook();
        TempDirs.deleteRecursively(dir);
    }

    private void removeShutdownHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private void initdb() {
        Path passwordFile = dir.resolve("password");
        try {
            Files.writeString(passwordFile, PASSWORD + "\n", StandardCharsets.UTF_8);
            if (asSystemUser) {
                Files.setOwner(passwordFile, Files.getOwner(dir));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run(
                command(
                        bin.resolve("initdb").toString(),
                        "-D",
                        dataDir().toString(),
                        "-U",
                        USER,
                        "--pwfile=" + passwordFile,
                        "--auth=scram-sha-256",
                        "--encoding=UTF8",
                        "--locale=C",
                        "--no-sync"));
    }

    private synchronized void launch() {
        String options =
                String.join(
                        " ",
                        "-p " + port,
                        "-c listen_addresses=127.0.0.1",
                        "-c unix_socket_directories=" + dir,
                        "-c wal_level=logical",
                        "-c max_replication_slots=10",
                        "-c max_wal_senders=10",
                        // a private, throw-away cluster: durability buys nothing here
                        "-c fsync=off");
        run(
                pgCtl(
                        "start",
                        "-w",
                        "-t",
                        "60",
                        "-l",
                        dir.resolve("postgres.log").toString(),
                        "-o",
                        options));
        running = true;
    }

    private void createDatabase() {
        try (Connection connection =
                        DriverManager.getConnection(jdbcUrl("postgres"), USER, PASSWORD);
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + DATABASE);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot create database " + DATABASE + ": " + e.getMessage(), e);
        }
    }

    private int queryInt(String sql) {
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    private String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    private Path dataDir() {
        return dir.resolve("data");
    }

    private List<String> pgCtl(String... args) {
        List<String> command = new ArrayList<>();
        command.add(bin.resolve("pg_ctl").toString());
        command.add("-D");
        command.add(dataDir().toString());
        command.addAll(List.of(args));
        return command(command.toArray(String[]::new));
    }

    /** The command line, run as the cluster's owner and in its own session. */
    private List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        if (new File(SETSID).canExecute()) {
            // its own session: a Ctrl-C in the terminal signals the whole foreground process
            // group, and the server would stop under a job still reading from it; this way only
            // the JVM gets the signal, and its shutdown hook stops the server in order
            command.add(SETSID);
        }
        if (asSystemUser) {
            command.addAll(List.of("runuser", "-u", SYSTEM_USER, "--"));
        }
        command.addAll(List.of(args));
        return command;
    }

    private void run(List<String> command) {
        Path log = dir.resolve("commands.log");
        try {
            Process process =
                    new ProcessBuilder(command)
                            .directory(dir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                            .start();
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        String.join(" ", command)
                                + " exited with "
                                + process.exitValue()
                                + ": "
                                + tail(log)
                                + tail(dir.resolve("postgres.log")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()))
                    + "\n";
        } catch (IOException e) {
            return "";
        }
    }

    /** {@code MARKETCAST_PG_BIN}, else the newest {@code /usr/lib/postgresql/<version>/bin}. */
    private static Path binDirectory() {
        String configured = System.getenv("MARKETCAST_PG_BIN");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path root = Path.of("/usr/lib/postgresql");
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(version -> version.resolve("bin"))
                    .filter(candidate -> Files.isExecutable(candidate.resolve("initdb")))
                    .max(Comparator.comparing(EmbeddedPostgres::majorVersion))
                    .orElseThrow(EmbeddedPostgres::notInstalled);
        } catch (IOException e) {
            throw notInstalled();
        }
    }

    private static Integer majorVersion(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static IllegalStateException notInstalled() {
        return new IllegalStateException(
                "no PostgreSQL binaries under /usr/lib/postgresql/<version>/bin: install the Debian"
                        + " package postgresql (bin/install-deps postgres), or set"
                        + " MARKETCAST_PG_BIN to a directory holding initdb and pg_ctl");
    }
}

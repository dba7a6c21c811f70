package com.marketcast.sql;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.ResultKind;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.api.internal.TableResultInternal;
import org.apache.flink.table.operations.Operation;
import org.apache.flink.table.operations.command.SetOperation;

/**
 * {@code bin/sql}: runs one view of {@code sql/views} on a local Flink MiniCluster against a
 * deployment's Kafka and catalog, and prints its changing result table until Ctrl-C.
 *
 * <p>It runs exactly what a Flink SQL client runs with {@code -i <init> -f <view>}: the statements
 * of {@code tables.sql}, the deployment's {@code ALTER TABLE ... SET} statements ({@link
 * Deployment}), then the view's statements, of which the last is the query. {@code --print-init}
 * prints that init file for a SQL client or the SQL Gateway.
 */
public final class SqlViewRunner {
    static final String USAGE =
            "Usage: bin/sql <view> [--bootstrap-servers HOST:PORT] [--catalog-url"
                    + " jdbc:postgresql://HOST:PORT/DB]\n"
                    + "               [--catalog-user USER] [--catalog-password PASSWORD]"
                    + " [--catalog-publication NAME]\n"
                    + "               [--catalog-slot PREFIX] [--updates-topic T]"
                    + " [--commands-topic T] [--dead-letters-topic T]\n"
                    + "               [--startup-mode earliest-offset|latest-offset]\n"
                    + "       bin/sql --list\n"
                    + "       bin/sql --print-init [the same options]\n";

    private static final Pattern CATALOG_TABLE = Pattern.compile("\\b(events|markets)\\b");

    private final Path sqlDir;
    private final Deployment deployment;

    public SqlViewRunner(Path sqlDir, Deployment deployment) {
        this.sqlDir = sqlDir;
        this.deployment = deployment;
    }

    /** The shared DDL every view runs after. */
    public Path tablesFile() {
        return sqlDir.resolve("tables.sql");
    }

    /** The view of that name ({@code views/<name>.sql}), or a path to a SQL file. */
    public Path view(String name) throws SqlViewException {
        Path named = sqlDir.resolve("views").resolve(name + ".sql");
        if (Files.isRegularFile(named)) {
            return named;
        }
        Path file = Path.of(name);
        if (Files.isRegularFile(file)) {
            return file;
        }
        throw new SqlViewException(
                "No view '" + name + "'. The views are: " + String.join(", ", viewNames()));
    }

    /** The names of the views in {@code views/}, sorted. */
    public List<String> viewNames() {
        try (Stream<Path> files = Files.list(sqlDir.resolve("views"))) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".sql"))
                    .map(name -> name.substring(0, name.length() - ".sql".length()))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + sqlDir.resolve("views"), e);
        }
    }

    /** The init file for a SQL client: {@code tables.sql} and this deployment's statements. */
    public String initScript() {
        try {
            StringBuilder script =
                    new StringBuilder(Files.readString(tablesFile(), StandardCharsets.UTF_8));
            script.append("\n-- The deployment (bin/sql --print-init).\n");
            for (String alter : deployment.alterStatements()) {
                script.append(alter).append(";\n\n");
            }
            return script.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tablesFile(), e);
        }
    }

    /**
     * Runs the init statements and the view's statements; returns the running query of the last
     * one. Nothing is left half-done on error: the exception names the file and line.
     */
    public TableResult start(TableEnvironment env, Path viewFile) throws SqlViewException {
        SqlScript tables = SqlScript.read(tablesFile());
        for (SqlScript.Statement statement : tables.statements()) {
            execute(env, tables.file(), statement);
        }
        for (String alter : deployment.alterStatements()) {
            execute(env, Path.of("(deployment)"), new SqlScript.Statement(0, alter));
        }
        SqlScript view = SqlScript.read(viewFile);
        if (view.statements().isEmpty()) {
            throw new SqlViewException(viewFile + " holds no statement");
        }
        TableResult last = null;
        for (SqlScript.Statement statement : view.statements()) {
            last = execute(env, viewFile, statement);
        }
        if (last.getResultKind() != ResultKind.SUCCESS_WITH_CONTENT
                || last.getJobClient().isEmpty()) {
            throw new SqlViewException(
                    "The last statement of " + viewFile + " must be a query (SELECT ...)");
        }
        return last;
    }

    private static TableResult execute(
            TableEnvironment env, Path file, SqlScript.Statement statement)
            throws SqlViewException {
        try {
            TableEnvironmentInternal internal = (TableEnvironmentInternal) env;
            List<Operation> operations = internal.getParser().parse(statement.sql());
            if (operations.size() == 1 && operations.get(0) instanceof SetOperation set) {
                // SET is a SQL client command, not a statement TableEnvironment executes
                if (set.getKey().isEmpty() || set.getValue().isEmpty()) {
                    throw new SqlViewException(
                            "SET needs a key and a value in "
                                    + file
                                    + " (line "
                                    + statement.line()
                                    + ")");
                }
                env.getConfig()
                        .getConfiguration()
                        .setString(set.getKey().get(), set.getValue().get());
                return TableResultInternal.TABLE_RESULT_OK;
            }
            return internal.executeInternal(operations.get(0));
        } catch (RuntimeException e) {
            throw new SqlViewException(file, statement.line(), e);
        }
    }

    /** Whether the view reads the catalog, so its replication slots must be dropped after it. */
    static boolean readsCatalog(Path viewFile) {
        return SqlScript.read(viewFile).statements().stream()
                .anyMatch(statement -> CATALOG_TABLE.matcher(statement.sql()).find());
    }

    public static void main(String[] args) {
        Path sqlDir = Path.of(System.getProperty("marketcast.sql-dir", "."));
        System.exit(run(args, sqlDir, System.out, System.err));
    }

    /** The command: returns its exit code (0, 1 for a failed view, 2 for bad usage). */
    static int run(String[] args, Path sqlDir, PrintStream out, PrintStream err) {
        List<String> positional = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        boolean list = false;
        boolean printInit = false;
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--list" -> list = true;
                    case "--print-init" -> printInit = true;
                    case "--help", "-h" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> {
                        if (!arg.startsWith("--")) {
                            positional.add(arg);
                        } else if (!Deployment.DEFAULTS.containsKey(arg.substring(2))) {
                            throw new IllegalArgumentException("Unknown option '" + arg + "'");
                        } else if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(
                                    "Option '" + arg.substring(2) + "' needs a value");
                        } else {
                            options.put(arg.substring(2), args[++i]);
                        }
                    }
                }
            }
            if (!printInit && !options.containsKey("catalog-slot")) {
                // slots of their own: two views (or bin/sql and a SQL client) may run at once
                options.put("catalog-slot", "marketcast_sql_" + ProcessHandle.current().pid());
            }
            SqlViewRunner runner = new SqlViewRunner(sqlDir, Deployment.of(options));
            if (list) {
                runner.viewNames().forEach(out::println);
                return 0;
            }
            if (printInit) {
                out.print(runner.initScript());
                return 0;
            }
            if (positional.size() != 1) {
                throw new IllegalArgumentException("Name one view");
            }
            return runner.runAndPrint(positional.get(0), out, err);
        } catch (IllegalArgumentException e) {
            err.println("bin/sql: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
    }

    private int runAndPrint(String name, PrintStream out, PrintStream err) {
        Path viewFile;
        try {
            viewFile = view(name);
        } catch (SqlViewException e) {
            err.println(e.getMessage());
            return 1;
        }
        boolean readsCatalog = readsCatalog(viewFile);
        Thread dropSlots = new Thread(() -> dropSlots(readsCatalog, err), "drop-slots");
        Runtime.getRuntime().addShutdownHook(dropSlots);
        StreamTableEnvironment env =
                StreamTableEnvironment.create(
                        StreamExecutionEnvironment.createLocalEnvironment(1),
                        EnvironmentSettings.inStreamingMode());
        out.println(
                "bin/sql: "
                        + viewFile
                        + " on Kafka "
                        + deployment.bootstrapServers()
                        + (readsCatalog
                                ? " and catalog "
                                        + deployment.catalogJdbcUrl()
                                        + " (slots "
                                        + deployment.slotName("events")
                                        + ", "
                                        + deployment.slotName("markets")
                                        + ", dropped on exit)"
                                : "")
                        + "; Ctrl-C stops");
        try {
            start(env, viewFile).print();
            return 0;
        } catch (SqlViewException e) {
            err.println(e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println(new SqlViewException(viewFile, 0, e).getMessage());
            return 1;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(dropSlots);
                dropSlots.run();
            } catch (IllegalStateException shuttingDown) {
                // the hook runs
            }
        }
    }

    private void dropSlots(boolean readsCatalog, PrintStream err) {
        if (!readsCatalog) {
            return;
        }
        try {
            ReplicationSlots.drop(deployment);
        } catch (SQLException e) {
            err.println(
                    "bin/sql: could not drop the replication slots "
                            + deployment.slotName("events")
                            + " and "
                            + deployment.slotName("markets")
                            + " ("
                            + e.getMessage()
                            + "): drop them with SELECT pg_drop_replication_slot('<slot>')");
        }
    }
}

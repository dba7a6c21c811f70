package com.marketcast.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command's answers that need no running services: malformed views fail with the SQL client's
 * kind of message and no stack trace, bad options name the option, and the init file it prints
 * points every table at the deployment.
 */
class SqlViewRunnerTest {
    private static final Path SQL_DIR = Path.of(".");

    @TempDir Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void aViewThatDoesNotParseFailsWithTheParserMessage() throws Exception {
        Path view = dir.resolve("broken.sql");
        Files.writeString(view, "-- a typo\nSELECT marketId\nFORM market_updates;\n");

        int exit = run(view.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err())
                .startsWith("[ERROR] Could not execute SQL statement of " + view + " (line 2).")
                .contains("org.apache.flink.table.api.SqlParserException: SQL parse failed.")
                .contains("Encountered \"market_updates\" at line 2, column 6")
                .doesNotContain("\tat ");
    }

    @Test
    void aViewNamingAnUnknownColumnFailsWithTheValidatorMessage() throws Exception {
        Path view = dir.resolve("unknown-column.sql");
        Files.writeString(view, "SELECT marketId, price\nFROM market_updates;\n");

        int exit = run(view.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err())
                .contains("org.apache.flink.table.api.ValidationException: SQL validation failed.")
                .contains("Column 'price' not found in any table")
                .doesNotContain("\tat ");
    }

    @Test
    void aViewEndingInAStatementThatIsNotAQueryIsRefused() throws Exception {
        Path view = dir.resolve("no-query.sql");
        Files.writeString(
                view, "CREATE TEMPORARY VIEW v AS\nSELECT marketId FROM market_updates;\n");

        assertThat(run(view.toString())).isEqualTo(1);
        assertThat(err()).contains("must be a query");
    }

    @Test
    void anUnknownViewListsTheViews() {
        assertThat(run("most-busy-markets")).isEqualTo(1);
        assertThat(err())
                .contains("No view 'most-busy-markets'")
                .contains("most-active-markets, sharp-price-moves, subscriptions");
    }

    @Test
    void badOptionsNameTheOption() {
        assertThat(run("most-active-markets", "--bootstrap", "x:1")).isEqualTo(2);
        assertThat(err()).contains("Unknown option '--bootstrap'");

        err.reset();
        assertThat(run("most-active-markets", "--catalog-url", "postgres://h/db")).isEqualTo(2);
        assertThat(err()).contains("Option 'catalog-url' must look like jdbc:postgresql://");

        err.reset();
        assertThat(run("most-active-markets", "--startup-mode", "group-offsets")).isEqualTo(2);
        assertThat(err()).contains("Option 'startup-mode'");
    }

    @Test
    void printInitPointsEveryTableAtTheDeployment() {
        int exit =
                run(
                        "--print-init",
                        "--bootstrap-servers",
                        "kafka:9092",
                        "--catalog-url",
                        "jdbc:postgresql://db:6543/cat",
                        "--catalog-password",
                        "it's",
                        "--catalog-slot",
                        "adhoc");

        assertThat(exit).isZero();
        String init = out.toString(StandardCharsets.UTF_8);
        assertThat(init)
                .startsWith("-- The shared DDL")
                .contains("CREATE TABLE market_updates")
                .contains(
                        "ALTER TABLE market_updates SET (\n"
                                + "  'topic' = 'market-updates',\n"
                                + "  'properties.bootstrap.servers' = 'kafka:9092',\n"
                                + "  'scan.startup.mode' = 'earliest-offset');")
                .contains("'hostname' = 'db'", "'port' = '6543'", "'database-name' = 'cat'")
                .contains("'password' = 'it''s'")
                .contains("'slot.name' = 'adhoc_events'", "'slot.name' = 'adhoc_markets'");
        // the init file splits into the statements the runner executes
        assertThat(SqlScript.parse(Path.of("init.sql"), init).statements())
                .hasSize(SqlScript.read(SQL_DIR.resolve("tables.sql")).statements().size() + 5);
    }

    private int run(String... args) {
        return SqlViewRunner.run(
                args,
                SQL_DIR,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}

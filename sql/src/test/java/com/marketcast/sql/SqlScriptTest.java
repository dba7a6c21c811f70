package com.marketcast.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Statements are split as the Flink SQL client splits a file. */
class SqlScriptTest {
    @Test
    void aStatementEndsWithASemicolonAtTheEndOfALine() {
        SqlScript script =
                SqlScript.parse(
                        Path.of("v.sql"),
                        "-- header; not a statement\n"
                                + "\n"
                                + "SET 'a' = 'b';\n"
                                + "SELECT 'x;y' AS s, -- a comment\n"
                                + "  1 AS n\n"
                                + "FROM t;\n"
                                + "-- trailing comment\n"
                                + "SELECT 2");

        assertThat(script.statements())
                .containsExactly(
                        new SqlScript.Statement(3, "SET 'a' = 'b'"),
                        new SqlScript.Statement(
                                4, "SELECT 'x;y' AS s, -- a comment\n  1 AS n\nFROM t"),
                        new SqlScript.Statement(8, "SELECT 2"));
    }

    @Test
    void aFileOfCommentsHasNoStatement() {
        assertThat(SqlScript.parse(Path.of("v.sql"), "-- only\n-- comments;\n").statements())
                .isEmpty();
    }

    @Test
    void everyViewFileEndsInOneQuery() {
        for (String view : new SqlViewRunner(Path.of("."), null).viewNames()) {
            SqlScript script = SqlScript.read(Path.of("views", view + ".sql"));
            assertThat(script.statements()).as(view).isNotEmpty();
            assertThat(script.statements().get(script.statements().size() - 1).sql())
                    .as(view)
                    .startsWith("SELECT");
        }
    }
}

package com.marketcast.sql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The statements of a SQL file, split the way the Flink SQL client reads a file given with {@code
 * -i} or {@code -f}: a statement ends with a semicolon at the end of a line. Comment lines ({@code
 * --}) never end one. Keeping to that rule is what lets the same files run unchanged in {@code
 * sql-client.sh}, in the SQL Gateway and in {@link SqlViewRunner}.
 */
public final class SqlScript {
    private final Path file;
    private final List<Statement> statements;

    /** One statement and the line of the file it starts on, for error messages. */
    public record Statement(int line, String sql) {}

    private SqlScript(Path file, List<Statement> statements) {
        this.file = file;
        this.statements = List.copyOf(statements);
    }

    public static SqlScript read(Path file) {
        try {
            return parse(file, Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static SqlScript parse(Path file, String text) {
        List<Statement> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean hasCode = false;
        int startLine = 0;
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String trimmed = line.strip();
            boolean comment = trimmed.isEmpty() || trimmed.startsWith("--");
            if (comment && !hasCode) {
                continue; // a file's or a statement's header comment is not part of the statement
            }
            current.append(line).append('\n');
            if (comment) {
                continue;
            }
            if (!hasCode) {
                startLine = i + 1;
            }
            hasCode = true;
            if (trimmed.endsWith(";")) {
                statements.add(new Statement(startLine, withoutTerminator(current)));
                current.setLength(0);
                hasCode = false;
            }
        }
        if (hasCode) {
            // the last statement of a file may omit its semicolon, as in the SQL client
            statements.add(new Statement(startLine, current.toString().strip()));
        }
        return new SqlScript(file, statements);
    }

    private static String withoutTerminator(StringBuilder statement) {
        String text = statement.toString().strip();
        return text.substring(0, text.length() - 1).strip();
    }

    public Path file() {
        return file;
    }

    /** The statements without their terminating semicolons and the comment lines above them. */
    public List<Statement> statements() {
        return statements;
    }
}

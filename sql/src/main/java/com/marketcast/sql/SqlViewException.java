package com.marketcast.sql;

import java.nio.file.Path;

/**
 * A statement of a SQL file that Flink refused, or a query that failed while it ran. The message
 * reads like the Flink SQL client's ({@code [ERROR] Could not execute SQL statement. Reason:}),
 * with the file and line of the statement, and without a stack trace.
 */
public final class SqlViewException extends Exception {
    private static final long serialVersionUID = 1L;

    SqlViewException(Path file, int line, Throwable reason) {
        super(
                "[ERROR] Could not execute SQL statement of "
                        + file
                        + " (line "
                        + line
                        + "). Reason:\n"
                        + describe(reason),
                reason);
    }

    SqlViewException(String message) {
        super("[ERROR] " + message);
    }

    /**
     * The exception and the causes below it, one line each: Flink's own messages say what is wrong
     * (the parser's "Encountered ... at line 3, column 8", the validator's "Object 'x' not found").
     */
    private static String describe(Throwable reason) {
        StringBuilder text = new StringBuilder();
        String previous = null;
        for (Throwable t = reason; t != null; t = t.getCause()) {
            String line = t.getClass().getName() + ": " + t.getMessage();
            // Flink often wraps a cause repeating its message: print each message once
            if (previous == null || !previous.contains(String.valueOf(t.getMessage()))) {
                text.append(text.length() == 0 ? "" : "\nCaused by: ").append(line);
            }
            previous = String.valueOf(t.getMessage());
            if (t.getCause() == t) {
                break;
            }
        }
        return text.toString();
    }
}

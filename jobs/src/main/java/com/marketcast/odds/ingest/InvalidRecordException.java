package com.marketcast.odds.ingest;

/**
 * A Kafka record that does not satisfy the wire contract. The message is the human-readable reason
 * that goes into the dead letter (PROTOCOL section 4), e.g. {@code seq must be a number}.
 *
 * <p>No stack trace is captured: bad records are expected input, a burst of them must not cost a
 * stack walk each, and the reason already says what went wrong.
 */
public class InvalidRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidRecordException(String reason) {
        super(reason, null, false, false);
    }

    public InvalidRecordException(String reason, Throwable cause) {
        super(reason, cause, false, false);
    }

    /** The reason for the dead letter; the same as {@link #getMessage()}. */
    public String reason() {
        return getMessage();
    }
}

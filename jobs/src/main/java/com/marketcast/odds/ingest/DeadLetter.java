package com.marketcast.odds.ingest;

/** A record of the {@code dead-letters} topic (PROTOCOL section 4). */
public class DeadLetter {
    public String source;
    public int partition;
    public long offset;
    public String reason;

    /** The original record value as text (lossy for bytes that are not UTF-8). */
    public String payload;

    public DeadLetter() {}

    public DeadLetter(String source, int partition, long offset, String reason, String payload) {
        this.source = source;
        this.partition = partition;
        this.offset = offset;
        this.reason = reason;
        this.payload = payload;
    }

    @Override
    public String toString() {
        return "DeadLetter{" + source + "/" + partition + "@" + offset + ": " + reason + "}";
    }
}

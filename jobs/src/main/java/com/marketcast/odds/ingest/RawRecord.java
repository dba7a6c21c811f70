package com.marketcast.odds.ingest;

/**
 * A Kafka record as read, before validation: the payload plus the provenance a dead letter needs.
 * Parsing happens in an operator rather than in the Kafka deserializer, so a bad record becomes a
 * dead letter instead of failing the source.
 */
public class RawRecord {
    public String topic;
    public int partition;
    public long offset;
    public long timestamp;

    /** Null when the record has no key. */
    public String key;

    /** Null for a tombstone. */
    public byte[] value;

    public RawRecord() {}

    public RawRecord(
            String topic, int partition, long offset, long timestamp, String key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
    }
}

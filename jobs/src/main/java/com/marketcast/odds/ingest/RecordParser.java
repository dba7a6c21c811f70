package com.marketcast.odds.ingest;

import java.io.Serializable;

/**
 * Turns one raw Kafka record into a validated model object, or says why it cannot. Serializable
 * because it travels inside {@link ParseRecords} to the task managers; each parallel instance gets
 * its own copy, so an implementation may keep unsynchronized caches in transient fields.
 */
@FunctionalInterface
public interface RecordParser<T> extends Serializable {

    /**
     * Parses and validates the record. Bad input must be reported with {@link
     * InvalidRecordException}, never with a runtime exception (though {@link ParseRecords} survives
     * those too).
     */
    T parse(RawRecord record) throws InvalidRecordException;
}

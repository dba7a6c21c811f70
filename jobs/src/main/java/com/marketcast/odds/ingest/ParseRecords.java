package com.marketcast.odds.ingest;

import com.marketcast.odds.Descriptors;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses raw Kafka records with a {@link RecordParser}: a valid record goes downstream, any other
 * becomes a {@link DeadLetter} on {@link Descriptors#DEAD_LETTERS} with its provenance (topic,
 * partition, offset) and reason. Bad input never fails the job (PROTOCOL section 1): a restart
 * would replay the same record and fail again, stalling the partition for good.
 *
 * <p>The output type comes from the parser when it implements {@link ResultTypeQueryable} (the
 * project's parsers do), so {@code process(new ParseRecords<>(parser))} needs no {@code returns}.
 *
 * <p>Metrics: {@code recordsParsed} and {@code deadLetters}.
 */
public class ParseRecords<T> extends ProcessFunction<RawRecord, T>
        implements ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ParseRecords.class);

    /**
     * Dead letters carry at most this much of the original value: enough to diagnose, and a dead
     * letter stays well under Kafka's default 1 MiB message limit whatever the input was.
     */
    public static final int MAX_PAYLOAD_BYTES = 64 * 1024;

    static final String UNEXPECTED = "unexpected parse error: ";

    private final RecordParser<T> parser;
    private final TypeInformation<T> producedType;

    private transient Counter recordsParsed;
    private transient Counter deadLetters;
    private transient long unexpectedErrors;

    /** For a parser that knows its output type (implements {@link ResultTypeQueryable}). */
    public ParseRecords(RecordParser<T> parser) {
        this(parser, producedTypeOf(parser));
    }

    public ParseRecords(RecordParser<T> parser, TypeInformation<T> producedType) {
        this.parser = Objects.requireNonNull(parser, "parser");
        this.producedType = Objects.requireNonNull(producedType, "producedType");
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        recordsParsed = getRuntimeContext().getMetricGroup().counter("recordsParsed");
        deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<T> out) {
        T parsed;
        try {
            parsed = parser.parse(record);
        } catch (InvalidRecordException e) {
            deadLetter(record, e.reason(), ctx);
            return;
        } catch (RuntimeException e) {
            // A parser bug, not bad input; still this record's problem only, so dead-letter it. The
            // log is thinned to the 1st, 2nd, 4th, 8th... occurrence: a bug that hits every record
            // must not flood it.
            unexpectedErrors++;
            if (Long.bitCount(unexpectedErrors) == 1) {
                LOG.warn(
                        "Parser {} failed on {}/{}@{} ({} such failures so far)",
                        parser.getClass().getName(),
                        record.topic,
                        record.partition,
                        record.offset,
                        unexpectedErrors,
                        e);
            }
            deadLetter(record, UNEXPECTED + e, ctx);
            return;
        }
        recordsParsed.inc();
        out.collect(parsed);
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return producedType;
    }

    private void deadLetter(RawRecord record, String reason, Context ctx) {
        deadLetters.inc();
        ctx.output(
                Descriptors.DEAD_LETTERS,
                new DeadLetter(
                        record.topic,
                        record.partition,
                        record.offset,
                        reason,
                        payloadText(record.value)));
    }

    /**
     * The value as UTF-8 text (invalid bytes become U+FFFD), cut at {@link #MAX_PAYLOAD_BYTES} with
     * a marker naming the full size, so nobody mistakes a cut payload for the original.
     */
    static String payloadText(byte[] value) {
        if (value == null) {
            return null;
        }
        if (value.length <= MAX_PAYLOAD_BYTES) {
            return new String(value, StandardCharsets.UTF_8);
        }
        return new String(value, 0, MAX_PAYLOAD_BYTES, StandardCharsets.UTF_8)
                + "...[truncated: "
                + value.length
                + " bytes in total]";
    }

    @SuppressWarnings("unchecked")
    private static <T> TypeInformation<T> producedTypeOf(RecordParser<T> parser) {
        if (parser instanceof ResultTypeQueryable) {
            return ((ResultTypeQueryable<T>) parser).getProducedType();
        }
        throw new IllegalArgumentException(
                "Cannot tell what "
                        + parser.getClass().getName()
                        + " produces: implement ResultTypeQueryable or pass the TypeInformation");
    }
}

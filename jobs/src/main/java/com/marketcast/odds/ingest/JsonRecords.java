package com.marketcast.odds.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * The JSON limits and the wording of dead-letter reasons shared by the parsers of this package, so
 * that both topics reject the same way and producers see one vocabulary.
 */
final class JsonRecords {
    /** Deep enough for any real record; shallow enough that nothing recurses dangerously. */
    static final int MAX_NESTING_DEPTH = 32;

    static final int MAX_ID_LENGTH = 128;
    static final String ID_RULE = "1 to " + MAX_ID_LENGTH + " characters of [A-Za-z0-9._:-]";

    /** Values echoed in a reason are cut to this, so a reason stays readable and small. */
    private static final int MAX_ECHO = 64;

    private static final int MAX_JACKSON_MESSAGE = 300;
    private static final Pattern SOURCE_LOCATION =
            Pattern.compile("\\[Source: [^;\\]]*; line: (\\d+), column: (\\d+)\\]");
    private static final Pattern FEATURE_HINT = Pattern.compile(": enable `[^`]*` to allow");
    private static final Pattern CONSTRAINT_HINT = Pattern.compile(", from `[^`]*`");

    private JsonRecords() {}

    /**
     * A factory for untrusted input. Nesting is capped so a hostile document cannot exhaust the
     * stack or the heap while unknown fields are skipped; the document length cap backs up the size
     * check the parsers make before parsing. Duplicate names are rejected because which of two
     * values wins is undefined across producers' JSON libraries. Names are not interned: the
     * parsers compare them with {@code equals}, and interning would let a producer fill the JVM's
     * string table with made-up field names.
     */
    static JsonFactory factory(int maxRecordBytes) {
        return JsonFactory.builder()
                .streamReadConstraints(
                        StreamReadConstraints.builder()
                                .maxNestingDepth(MAX_NESTING_DEPTH)
                                .maxDocumentLength(maxRecordBytes)
                                .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                .build();
    }

    /** Checks what can be checked without parsing: presence and size of the value. */
    static void checkValue(RawRecord record, int maxRecordBytes) throws InvalidRecordException {
        if (record.value == null) {
            throw new InvalidRecordException("record value is null (a tombstone)");
        }
        if (record.value.length > maxRecordBytes) {
            throw new InvalidRecordException(
                    "record is "
                            + record.value.length
                            + " bytes, more than the limit of "
                            + maxRecordBytes
                            + " bytes");
        }
        if (record.value.length == 0) {
            throw new InvalidRecordException("record value is empty");
        }
    }

    /**
     * Reads the first token and requires an object. A blank value (only whitespace) is reported
     * like an empty one.
     */
    static void startObject(JsonParser parser) throws IOException, InvalidRecordException {
        JsonToken first = parser.nextToken();
        if (first == null) {
            throw new InvalidRecordException("record value is empty");
        }
        if (first != JsonToken.START_OBJECT) {
            throw new InvalidRecordException(
                    "record value must be a JSON object, not " + describe(first));
        }
    }

    /**
     * Jackson reads a stream of root values by default; a record is exactly one object, and
     * anything after it means the producer concatenated or corrupted records.
     */
    static void expectEnd(JsonParser parser) throws IOException, InvalidRecordException {
        JsonToken next = parser.nextToken();
        if (next != null) {
            throw new InvalidRecordException(
                    "record value must be a single JSON object, but "
                            + describe(next)
                            + " follows it");
        }
    }

    /** The key is the partitioning key: a record whose key disagrees would land on a wrong task. */
    static void checkKey(RawRecord record, String field, String id) throws InvalidRecordException {
        if (record.key == null) {
            throw new InvalidRecordException(
                    "record key is missing; it must equal " + field + " " + echo(id));
        }
        if (!record.key.equals(id)) {
            throw new InvalidRecordException(
                    "key " + echo(record.key) + " does not match " + field + " " + echo(id));
        }
    }

    /** Ids are checked by hand rather than with a regex: this runs for every record. */
    static boolean isId(String value) {
        int length = value.length();
        if (length == 0 || length > MAX_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || c == '.'
                            || c == '_'
                            || c == ':'
                            || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static InvalidRecordException notAnId(String field, String value) {
        return new InvalidRecordException(field + " must be " + ID_RULE + ", not " + echo(value));
    }

    static InvalidRecordException wrongType(String field, String expected, JsonToken actual) {
        return new InvalidRecordException(
                field + " must be " + expected + ", not " + describe(actual));
    }

    static InvalidRecordException wrongType(String field, String expected, JsonNode actual) {
        return new InvalidRecordException(
                field + " must be " + expected + ", not " + describe(actual));
    }

    static String describe(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        switch (token) {
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            case VALUE_STRING:
                return "a string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case VALUE_NULL:
                return "null";
            default:
                return token.asString() == null ? token.name() : "'" + token.asString() + "'";
        }
    }

    static String describe(JsonNode node) {
        switch (node.getNodeType()) {
            case OBJECT:
            case POJO:
                return "an object";
            case ARRAY:
                return "an array";
            case STRING:
            case BINARY:
                return "a string";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "a boolean";
            case NULL:
            case MISSING:
            default:
                return "null";
        }
    }

    /** A value quoted for a reason, cut short if long (never inside a surrogate pair). */
    static String echo(String value) {
        if (value.length() <= MAX_ECHO) {
            return "'" + value + "'";
        }
        int end = MAX_ECHO;
        if (Character.isHighSurrogate(value.charAt(end - 1))) {
            end--;
        }
        return "'" + value.substring(0, end) + "...'";
    }

    /** A number's text for a reason; numbers may legally be up to 1,000 digits long. */
    static String echoNumber(String text) {
        return text.length() <= MAX_ECHO ? text : text.substring(0, MAX_ECHO) + "...";
    }

    /**
     * The reason for a document Jackson could not read: its short message, where (a JSON Pointer to
     * the field, when there is one, and line and column), and nothing about Jackson's features,
     * which mean nothing to a producer.
     */
    static InvalidRecordException malformed(JsonProcessingException e) {
        String message = clean(e.getOriginalMessage());
        if (e instanceof StreamConstraintsException) {
            return new InvalidRecordException("JSON limit exceeded: " + message, e);
        }
        StringBuilder reason = new StringBuilder("malformed JSON");
        if (e instanceof StreamReadException && ((StreamReadException) e).getProcessor() != null) {
            String pointer =
                    ((StreamReadException) e)
                            .getProcessor()
                            .getParsingContext()
                            .pathAsPointer()
                            .toString();
            if (!pointer.isEmpty()) {
                reason.append(" at ").append(pointer);
            }
        }
        JsonLocation location = e.getLocation();
        if (location != null) {
            reason.append(" (line ")
                    .append(location.getLineNr())
                    .append(", column ")
                    .append(location.getColumnNr())
                    .append(')');
        }
        reason.append(": ").append(message);
        if (message.startsWith("Non-standard token")) {
            reason.append(" (NaN and Infinity are not JSON numbers)");
        }
        return new InvalidRecordException(reason.toString(), e);
    }

    private static String clean(String message) {
        if (message == null) {
            return "unreadable";
        }
        String cleaned = SOURCE_LOCATION.matcher(message).replaceAll("line $1, column $2");
        cleaned = FEATURE_HINT.matcher(cleaned).replaceAll("");
        cleaned = CONSTRAINT_HINT.matcher(cleaned).replaceAll("");
        return cleaned.length() <= MAX_JACKSON_MESSAGE
                ? cleaned
                : cleaned.substring(0, MAX_JACKSON_MESSAGE) + "...";
    }

    static void closeQuietly(JsonParser parser) {
        try {
            parser.close();
        } catch (IOException ignored) {
            // In-memory input: nothing to release that could fail.
        }
    }
}

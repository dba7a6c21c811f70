package com.marketcast.odds.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.marketcast.odds.model.MarketStatus;
import com.marketcast.odds.model.MarketUpdate;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MarketUpdateParserTest {
    private static final int MAX_BYTES = 4096;
    private static final long RECORD_TIME = 1_732_260_000_500L;
    private static final MarketUpdateParser PARSER = new MarketUpdateParser(MAX_BYTES);

    private static final String GOOD =
            "{\"marketId\":\"m-1001\",\"eventId\":\"e-17\",\"seq\":42,\"ts\":1732260000123,"
                    + "\"status\":\"OPEN\","
                    + "\"selections\":[{\"id\":\"home\",\"price\":1.85},{\"id\":\"draw\","
                    + "\"price\":3.40},{\"id\":\"away\",\"price\":4.20}]}";

    @Test
    void goodRecordIsFullyParsed() throws Exception {
        MarketUpdate update = PARSER.parse(record("m-1001", GOOD));

        assertThat(update.marketId).isEqualTo("m-1001");
        assertThat(update.eventId).isEqualTo("e-17");
        assertThat(update.seq).isEqualTo(42);
        assertThat(update.ts).isEqualTo(1_732_260_000_123L);
        assertThat(update.status).isEqualTo(MarketStatus.OPEN);
        assertThat(update.recordTime).isEqualTo(RECORD_TIME);
        assertThat(update.selections).hasSize(3);
        assertThat(update.selections[0].id).isEqualTo("home");
        assertThat(update.selections[0].price).isEqualTo(1.85);
        assertThat(update.selections[1].id).isEqualTo("draw");
        assertThat(update.selections[1].price).isEqualTo(3.40);
        assertThat(update.selections[2].id).isEqualTo("away");
        assertThat(update.selections[2].price).isEqualTo(4.20);
    }

    @Test
    void optionalFieldsDefault() throws Exception {
        MarketUpdate update = PARSER.parse(record("m-1", "{\"marketId\":\"m-1\",\"seq\":0}"));

        assertThat(update.seq).isZero();
        assertThat(update.ts).as("ts defaults to the record time").isEqualTo(RECORD_TIME);
        assertThat(update.eventId).isNull();
        assertThat(update.status).isNull();
        assertThat(update.selections).isEmpty();
    }

    @Test
    void explicitNullsMeanAbsent() throws Exception {
        MarketUpdate update =
                PARSER.parse(
                        record(
                                "m-1",
                                "{\"marketId\":\"m-1\",\"seq\":1,\"eventId\":null,\"ts\":null,"
                                        + "\"status\":null,\"selections\":null}"));

        assertThat(update.eventId).isNull();
        assertThat(update.ts).isEqualTo(RECORD_TIME);
        assertThat(update.status).isNull();
        assertThat(update.selections).isEmpty();
    }

    @Test
    void unknownFieldsAreSkippedAtEveryLevel() throws Exception {
        MarketUpdate update =
                PARSER.parse(
                        record(
                                "m-1",
                                "{\"feed\":{\"name\":\"x\",\"tags\":[1,[2,{\"a\":null}]]},"
                                        + "\"marketId\":\"m-1\",\"extra\":[{\"seq\":\"no\"}],"
                                        + "\"seq\":7,\"status\":\"SUSPENDED\",\"selections\":"
                                        + "[{\"id\":\"x\",\"name\":{\"en\":\"X\"},\"price\":2}]}"));

        assertThat(update.seq).isEqualTo(7);
        assertThat(update.status).isEqualTo(MarketStatus.SUSPENDED);
        assertThat(update.selections).hasSize(1);
        assertThat(update.selections[0].price).as("an integral price is fine").isEqualTo(2.0);
    }

    @Test
    void survivesJavaSerializationAsFlinkShipsIt() throws Exception {
        MarketUpdateParser copy = InstantiationUtil.clone(PARSER);

        assertThat(copy.parse(record("m-1001", GOOD)).seq).isEqualTo(42);
    }

    @Test
    void producesAPojoType() {
        assertThat(PARSER.getProducedType()).isInstanceOf(PojoTypeInfo.class);
    }

    // ---- not JSON, or not one object ----

    @Test
    void malformedJson() {
        String reason = reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":42,}");

        assertThat(reason).startsWith("malformed JSON").contains("line 1, column");
        assertThat(reason).doesNotContain("Source:", "StreamReadFeature");
    }

    @Test
    void unquotedFieldName() {
        assertThat(reasonFor("m-1", "{marketId:\"m-1\",\"seq\":42}"))
                .startsWith("malformed JSON")
                .contains("double-quote");
    }

    @Test
    void truncatedJson() {
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":4"))
                .startsWith("malformed JSON")
                .contains("end-of-input");
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"selections\":[{\"id\":\"a\""))
                .startsWith("malformed JSON")
                .contains("end-of-input");
    }

    @Test
    void trailingContent() {
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":1}{\"marketId\":\"m-1\"}"))
                .isEqualTo("record value must be a single JSON object, but an object follows it");
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":1} x"))
                .startsWith("malformed JSON");
    }

    @Test
    void notAnObject() {
        assertThat(reasonFor("m-1", "[" + GOOD + "]"))
                .isEqualTo("record value must be a JSON object, not an array");
        assertThat(reasonFor("m-1", "42"))
                .isEqualTo("record value must be a JSON object, not a number");
        assertThat(reasonFor("m-1", "\"m-1\""))
                .isEqualTo("record value must be a JSON object, not a string");
        assertThat(reasonFor("m-1", "null"))
                .isEqualTo("record value must be a JSON object, not null");
    }

    @Test
    void emptyValue() {
        assertThat(reasonFor("m-1", "")).isEqualTo("record value is empty");
        assertThat(reasonFor("m-1", "  \n ")).isEqualTo("record value is empty");
    }

    @Test
    void nullValue() {
        assertThat(reasonFor(new RawRecord("market-updates", 0, 0, RECORD_TIME, "m-1", null)))
                .isEqualTo("record value is null (a tombstone)");
    }

    @Test
    void duplicateTopLevelField() {
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":1,\"seq\":2}"))
                .startsWith("malformed JSON at /seq")
                .contains("Duplicate field 'seq'");
    }

    // ---- limits ----

    @Test
    void oversizedDocumentIsRejectedBeforeParsing() {
        String big = "{\"marketId\":\"m-1\",\"seq\":1,\"pad\":\"" + "x".repeat(MAX_BYTES) + "\"}";

        assertThat(reasonFor("m-1", big))
                .isEqualTo(
                        "record is "
                                + big.length()
                                + " bytes, more than the limit of "
                                + MAX_BYTES
                                + " bytes");
    }

    @Test
    void deepNestingInAnUnknownFieldIsRejectedWithoutStackOverflow() {
        MarketUpdateParser roomy = new MarketUpdateParser(1 << 20);
        String deep =
                "{\"marketId\":\"m-1\",\"seq\":1,\"x\":"
                        + "[".repeat(10_000)
                        + "]".repeat(10_000)
                        + "}";

        assertThat(reasonFor(roomy, "m-1", deep))
                .startsWith("JSON limit exceeded")
                .contains("nesting depth")
                .contains("32");
    }

    @Test
    void nestingUpToTheLimitIsSkipped() throws Exception {
        // The record's object is level 1, so 31 arrays inside reach exactly 32.
        String atLimit = "{\"marketId\":\"m-1\",\"seq\":1,\"x\":" + nested(31) + "}";
        String overLimit = "{\"marketId\":\"m-1\",\"seq\":1,\"x\":" + nested(32) + "}";

        assertThat(PARSER.parse(record("m-1", atLimit)).seq).isEqualTo(1);
        assertThat(reasonFor("m-1", overLimit)).startsWith("JSON limit exceeded");
    }

    @Test
    void tooManySelections() {
        StringBuilder json = new StringBuilder("{\"marketId\":\"m-1\",\"seq\":1,\"selections\":[");
        for (int i = 0; i < 65; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"id\":\"s")
                    .append(i)
                    .append("\",\"price\":2}");
        }
        MarketUpdateParser roomy = new MarketUpdateParser(1 << 20);

        assertThat(reasonFor(roomy, "m-1", json.append("]}").toString()))
                .isEqualTo("selections has more than 64 entries");
    }

    // ---- missing and mistyped fields ----

    @Test
    void missingMarketId() {
        assertThat(reasonFor("m-1", "{\"seq\":1}")).isEqualTo("marketId is required");
    }

    @Test
    void missingSeq() {
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\"}")).isEqualTo("seq is required");
    }

    @Test
    void seqAsString() {
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":\"42\"}"))
                .isEqualTo("seq must be a number, not a string");
    }

    @ParameterizedTest
    @ValueSource(strings = {"4.2", "42.0", "4.2e1"})
    void seqAsFraction(String seq) {
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":" + seq + "}"))
                .isEqualTo("seq must be an integer, not " + seq);
    }

    @Test
    void seqNegative() {
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":-1}"))
                .isEqualTo("seq must be at least 0, not -1");
    }

    @Test
    void seqBeyondALong() {
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":9223372036854775808}"))
                .startsWith("seq is out of range");
    }

    @Test
    void seqNull() {
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":null}"))
                .isEqualTo("seq must be a number, not null");
    }

    @Test
    void tsAsString() {
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":1,\"ts\":\"now\"}"))
                .isEqualTo("ts must be a number, not a string");
    }

    @Test
    void marketIdAsNumber() {
        assertThat(reasonFor("1001", "{\"marketId\":1001,\"seq\":1}"))
                .isEqualTo("marketId must be a string, not a number");
    }

    @Test
    void priceAsString() {
        assertThat(
                        reasonFor(
                                "m-1",
                                "{\"marketId\":\"m-1\",\"seq\":1,"
                                        + "\"selections\":[{\"id\":\"home\",\"price\":\"1.85\"}]}"))
                .isEqualTo("selections[0].price must be a number, not a string");
    }

    @Test
    void selectionsNotAnArray() {
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":1,\"selections\":{}}"))
                .isEqualTo("selections must be an array, not an object");
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":1,\"selections\":[1.5]}"))
                .isEqualTo("selections[0] must be an object, not a number");
    }

    @Test
    void selectionWithoutIdOrPrice() {
        assertThat(
                        reasonFor(
                                "m-1",
                                "{\"marketId\":\"m-1\",\"seq\":1,\"selections\":[{\"price\":2}]}"))
                .isEqualTo("selections[0].id is required");
        assertThat(
                        reasonFor(
                                "m-1",
                                "{\"marketId\":\"m-1\",\"seq\":1,\"selections\":[{\"id\":\"a\"}]}"))
                .isEqualTo("selections[0].price is required");
    }

    // ---- values out of their domain ----

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1", "0.5", "0", "-3.2"})
    void oddsOfOneOrLess(String price) {
        assertThat(reasonFor("m-1", withPrices("2.5", price)))
                .isEqualTo("selections[1].price must be greater than 1.0, not " + price);
    }

    @ParameterizedTest
    @ValueSource(strings = {"NaN", "Infinity", "-Infinity"})
    void nonNumericPriceLiterals(String literal) {
        assertThat(reasonFor("m-1", withPrices(literal)))
                .startsWith("malformed JSON at /selections/0/price")
                .contains("'" + literal + "'")
                .endsWith("(NaN and Infinity are not JSON numbers)")
                .doesNotContain("ALLOW_NON_NUMERIC_NUMBERS");
    }

    @Test
    void priceOverflowingADouble() {
        assertThat(reasonFor("m-1", withPrices("1e999")))
                .isEqualTo("selections[0].price must be a finite number, not 1e999");
    }

    @Test
    void keyDoesNotMatchMarketId() {
        assertThat(reasonFor("m-2", "{\"marketId\":\"m-1\",\"seq\":1}"))
                .isEqualTo("key 'm-2' does not match marketId 'm-1'");
    }

    @Test
    void missingKey() {
        assertThat(reasonFor(null, "{\"marketId\":\"m-1\",\"seq\":1}"))
                .isEqualTo("record key is missing; it must equal marketId 'm-1'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"OPENED", "open", "LIVE", ""})
    void unknownStatus(String status) {
        assertThat(
                        reasonFor(
                                "m-1",
                                "{\"marketId\":\"m-1\",\"seq\":1,\"status\":\"" + status + "\"}"))
                .isEqualTo("status must be one of OPEN, SUSPENDED, CLOSED, not '" + status + "'");
    }

    @Test
    void duplicateSelectionIds() {
        assertThat(
                        reasonFor(
                                "m-1",
                                "{\"marketId\":\"m-1\",\"seq\":1,\"selections\":["
                                        + "{\"id\":\"home\",\"price\":1.85},"
                                        + "{\"id\":\"away\",\"price\":4.2},"
                                        + "{\"id\":\"home\",\"price\":1.9}]}"))
                .isEqualTo(
                        "selections[2].id 'home' is a duplicate: selections must have distinct"
                                + " ids");
    }

    @ParameterizedTest
    @ValueSource(strings = {"m 1", "m/1", "m\\u00e9", "m\\\"1", ""})
    void invalidMarketIdCharacters(String id) {
        assertThat(reasonFor(null, "{\"marketId\":\"" + id + "\",\"seq\":1}"))
                .startsWith("marketId must be 1 to 128 characters of [A-Za-z0-9._:-], not '");
    }

    @Test
    void idLengthLimit() throws Exception {
        String longest = "m".repeat(128);
        String tooLong = "m".repeat(129);

        assertThat(PARSER.parse(record(longest, "{\"marketId\":\"" + longest + "\",\"seq\":1}")))
                .isNotNull();
        assertThat(reasonFor(tooLong, "{\"marketId\":\"" + tooLong + "\",\"seq\":1}"))
                .as("a long value is cut short in the reason")
                .isEqualTo(
                        "marketId must be 1 to 128 characters of [A-Za-z0-9._:-], not '"
                                + "m".repeat(64)
                                + "...'");
    }

    @Test
    void invalidSelectionAndEventIds() {
        assertThat(reasonFor("m-1", "{\"marketId\":\"m-1\",\"seq\":1,\"eventId\":\"e 1\"}"))
                .isEqualTo("eventId must be 1 to 128 characters of [A-Za-z0-9._:-], not 'e 1'");
        assertThat(
                        reasonFor(
                                "m-1",
                                "{\"marketId\":\"m-1\",\"seq\":1,"
                                        + "\"selections\":[{\"id\":\"ho/me\",\"price\":2}]}"))
                .isEqualTo(
                        "selections[0].id must be 1 to 128 characters of [A-Za-z0-9._:-],"
                                + " not 'ho/me'");
    }

    // ---- helpers ----

    private static RawRecord record(String key, String json) {
        return new RawRecord(
                "market-updates", 3, 1234, RECORD_TIME, key, json.getBytes(StandardCharsets.UTF_8));
    }

    private static String withPrices(String... prices) {
        StringBuilder json = new StringBuilder("{\"marketId\":\"m-1\",\"seq\":1,\"selections\":[");
        for (int i = 0; i < prices.length; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"id\":\"s")
                    .append(i)
                    .append("\",\"price\":")
                    .append(prices[i])
                    .append('}');
        }
        return json.append("]}").toString();
    }

    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    private static String reasonFor(String key, String json) {
        return reasonFor(PARSER, key, json);
    }

    private static String reasonFor(MarketUpdateParser parser, String key, String json) {
        return reasonFor(parser, record(key, json));
    }

    private static String reasonFor(RawRecord record) {
        return reasonFor(PARSER, record);
    }

    private static String reasonFor(MarketUpdateParser parser, RawRecord record) {
        try {
            MarketUpdate update = parser.parse(record);
            return fail("expected a rejection, got " + update);
        } catch (InvalidRecordException e) {
            assertThat(e.reason()).isEqualTo(e.getMessage());
            return e.reason();
        }
    }
}

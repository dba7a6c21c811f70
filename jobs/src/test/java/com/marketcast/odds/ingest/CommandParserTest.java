package com.marketcast.odds.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.marketcast.odds.model.Command;
import com.marketcast.odds.model.CommandType;
import com.marketcast.odds.model.OddsFormat;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandParserTest {
    private static final int MAX_BYTES = 256 * 1024;
    private static final long RECORD_TIME = 1_732_260_000_500L;
    private static final String CHANNEL = "3f1c2a9e-7b7d-4a51-9a3e-0c5b2d8e6f10";
    private static final CommandParser PARSER = new CommandParser(MAX_BYTES);

    // ---- every command type ----

    @Test
    void openWithDefaults() throws Exception {
        Command open = parse("{\"type\":\"OPEN\",\"channelId\":\"" + CHANNEL + "\"}");

        assertThat(open.type).isEqualTo(CommandType.OPEN);
        assertThat(open.channelId).isEqualTo(CHANNEL);
        assertThat(open.oddsFormat).isNull();
        assertThat(open.throttleMs).isZero();
        assertThat(open.markets).isNull();
        assertThat(open.since).isNull();
        assertThat(open.recordTime).isEqualTo(RECORD_TIME);
    }

    @Test
    void openWithView() throws Exception {
        Command open =
                parse(
                        "{\"type\":\"OPEN\",\"channelId\":\""
                                + CHANNEL
                                + "\",\"oddsFormat\":\"FRACTIONAL\",\"throttleMs\":3600000}");

        assertThat(open.oddsFormat).isEqualTo(OddsFormat.FRACTIONAL);
        assertThat(open.throttleMs).isEqualTo(3_600_000L);
    }

    @Test
    void subscribeToMarkets() throws Exception {
        Command subscribe =
                parse(
                        "{\"channelId\":\""
                                + CHANNEL
                                + "\",\"markets\":[\"m-1\",\"m-2\",\"m-1\"],"
                                + "\"type\":\"SUBSCRIBE\"}");

        assertThat(subscribe.type).as("type may come last").isEqualTo(CommandType.SUBSCRIBE);
        assertThat(subscribe.markets).as("repeats collapse").containsExactly("m-1", "m-2");
        assertThat(subscribe.recordTime).isEqualTo(RECORD_TIME);
    }

    @Test
    void beginStreamForEverything() throws Exception {
        Command begin = parse("{\"type\":\"BEGIN_STREAM\",\"channelId\":\"" + CHANNEL + "\"}");

        assertThat(begin.type).isEqualTo(CommandType.BEGIN_STREAM);
        assertThat(begin.markets).as("null means every subscribed market").isNull();
        assertThat(begin.since).isNull();
    }

    @Test
    void beginStreamForASubsetSince() throws Exception {
        Command begin =
                parse(
                        "{\"type\":\"BEGIN_STREAM\",\"channelId\":\""
                                + CHANNEL
                                + "\",\"markets\":[\"m-2\"],\"since\":1732260000000}");

        assertThat(begin.markets).containsExactly("m-2");
        assertThat(begin.since).isEqualTo(1_732_260_000_000L);
    }

    @Test
    void unsubscribeMarkets() throws Exception {
        Command unsubscribe =
                parse(
                        "{\"type\":\"UNSUBSCRIBE\",\"channelId\":\""
                                + CHANNEL
                                + "\",\"markets\":[\"m-1\"]}");

        assertThat(unsubscribe.type).isEqualTo(CommandType.UNSUBSCRIBE);
        assertThat(unsubscribe.markets).containsExactly("m-1");
    }

    @Test
    void heartbeatAndDisconnect() throws Exception {
        assertThat(parse("{\"type\":\"HEARTBEAT\",\"channelId\":\"" + CHANNEL + "\"}").type)
                .isEqualTo(CommandType.HEARTBEAT);
        assertThat(parse("{\"type\":\"DISCONNECT\",\"channelId\":\"" + CHANNEL + "\"}").type)
                .isEqualTo(CommandType.DISCONNECT);
    }

    @Test
    void fieldsOfAnotherTypeAndUnknownFieldsAreIgnored() throws Exception {
        Command heartbeat =
                parse(
                        "{\"type\":\"HEARTBEAT\",\"channelId\":\""
                                + CHANNEL
                                + "\",\"markets\":\"not a list\",\"throttleMs\":-5,"
                                + "\"queryId\":\"q\",\"client\":{\"v\":[1,2]}}");

        assertThat(heartbeat.markets).isNull();
        assertThat(heartbeat.throttleMs).isZero();
    }

    @Test
    void survivesJavaSerializationAsFlinkShipsIt() throws Exception {
        CommandParser copy = InstantiationUtil.clone(PARSER);

        assertThat(
                        copy.parse(
                                record(
                                        CHANNEL,
                                        "{\"type\":\"OPEN\",\"channelId\":\"" + CHANNEL + "\"}")))
                .isNotNull();
        assertThat(PARSER.getProducedType()).isInstanceOf(PojoTypeInfo.class);
    }

    // ---- type ----

    @ParameterizedTest
    @ValueSource(strings = {"PING", "open", "SUBSCRIBE_QUERY", ""})
    void unknownType(String type) {
        assertThat(reasonFor("{\"type\":\"" + type + "\",\"channelId\":\"" + CHANNEL + "\"}"))
                .isEqualTo("unknown command type '" + type + "'");
    }

    @Test
    void missingOrMistypedType() {
        assertThat(reasonFor("{\"channelId\":\"" + CHANNEL + "\"}")).isEqualTo("type is required");
        assertThat(reasonFor("{\"type\":1,\"channelId\":\"" + CHANNEL + "\"}"))
                .isEqualTo("type must be a string, not a number");
    }

    // ---- channel id and key ----

    @Test
    void missingChannelId() {
        assertThat(reasonFor("{\"type\":\"HEARTBEAT\"}")).isEqualTo("channelId is required");
        assertThat(reasonFor("{\"type\":\"HEARTBEAT\",\"channelId\":null}"))
                .isEqualTo("channelId must be a string, not null");
    }

    @Test
    void invalidChannelId() {
        assertThat(reasonFor("c 1", "{\"type\":\"HEARTBEAT\",\"channelId\":\"c 1\"}"))
                .isEqualTo("channelId must be 1 to 128 characters of [A-Za-z0-9._:-], not 'c 1'");
    }

    @Test
    void keyDoesNotMatchChannelId() {
        assertThat(reasonFor("other", "{\"type\":\"HEARTBEAT\",\"channelId\":\"" + CHANNEL + "\"}"))
                .isEqualTo("key 'other' does not match channelId '" + CHANNEL + "'");
        assertThat(reasonFor(null, "{\"type\":\"HEARTBEAT\",\"channelId\":\"" + CHANNEL + "\"}"))
                .isEqualTo("record key is missing; it must equal channelId '" + CHANNEL + "'");
    }

    // ---- OPEN ----

    @Test
    void badOddsFormat() {
        assertThat(reasonFor(open(",\"oddsFormat\":\"HONGKONG\"")))
                .isEqualTo(
                        "oddsFormat must be one of DECIMAL, FRACTIONAL, AMERICAN, not 'HONGKONG'");
        assertThat(reasonFor(open(",\"oddsFormat\":2")))
                .isEqualTo("oddsFormat must be a string, not a number");
    }

    @Test
    void negativeThrottle() {
        assertThat(reasonFor(open(",\"throttleMs\":-1")))
                .isEqualTo("throttleMs must be between 0 and 3600000, not -1");
    }

    @Test
    void throttleTooLongOrNotAnInteger() {
        assertThat(reasonFor(open(",\"throttleMs\":3600001")))
                .isEqualTo("throttleMs must be between 0 and 3600000, not 3600001");
        assertThat(reasonFor(open(",\"throttleMs\":250.5")))
                .isEqualTo("throttleMs must be an integer, not 250.5");
        assertThat(reasonFor(open(",\"throttleMs\":\"250\"")))
                .isEqualTo("throttleMs must be a number, not a string");
        assertThat(reasonFor(open(",\"throttleMs\":99999999999999999999")))
                .startsWith("throttleMs is out of range");
    }

    // ---- SUBSCRIBE / UNSUBSCRIBE / BEGIN_STREAM ----

    @Test
    void emptyMarkets() {
        assertThat(reasonFor(command("SUBSCRIBE", ",\"markets\":[]")))
                .isEqualTo("markets must not be empty");
        assertThat(reasonFor(command("BEGIN_STREAM", ",\"markets\":[]")))
                .isEqualTo("markets must not be empty");
    }

    @Test
    void missingOrMistypedMarkets() {
        assertThat(reasonFor(command("SUBSCRIBE", "")))
                .isEqualTo("markets is required for SUBSCRIBE");
        assertThat(reasonFor(command("UNSUBSCRIBE", "")))
                .isEqualTo("markets is required for UNSUBSCRIBE");
        assertThat(reasonFor(command("SUBSCRIBE", ",\"markets\":\"m-1\"")))
                .isEqualTo("markets must be an array, not a string");
        assertThat(reasonFor(command("SUBSCRIBE", ",\"markets\":[\"m-1\",7]")))
                .isEqualTo("markets[1] must be a string, not a number");
        assertThat(reasonFor(command("SUBSCRIBE", ",\"markets\":[\"m-1\",\"m 2\"]")))
                .isEqualTo("markets[1] must be 1 to 128 characters of [A-Za-z0-9._:-], not 'm 2'");
    }

    @Test
    void tooManyMarkets() {
        StringBuilder markets = new StringBuilder(",\"markets\":[");
        for (int i = 0; i <= CommandParser.MAX_MARKETS; i++) {
            markets.append(i == 0 ? "" : ",").append("\"m").append(i).append('"');
        }

        assertThat(reasonFor(command("SUBSCRIBE", markets.append(']').toString())))
                .isEqualTo("markets has 10001 entries, more than 10000");
    }

    @Test
    void subscribeToAQuery() throws Exception {
        Command subscribe =
                parse(
                        command(
                                "SUBSCRIBE",
                                ",\"queryId\":\"q-1\",\"query\":{\"sport\":\"football\","
                                        + "\"competition\":\"Premier League\",\"eventId\":\"e-17\","
                                        + "\"inPlay\":false,\"startsWithinMinutes\":10080}"));

        assertThat(subscribe.markets).isNull();
        assertThat(subscribe.queryId).isEqualTo("q-1");
        assertThat(subscribe.query.sport).isEqualTo("football");
        assertThat(subscribe.query.competition).isEqualTo("Premier League");
        assertThat(subscribe.query.eventId).isEqualTo("e-17");
        assertThat(subscribe.query.inPlay).isFalse();
        assertThat(subscribe.query.startsWithinMinutes).isEqualTo(10_080);

        Command oneClause =
                parse(
                        command(
                                "SUBSCRIBE",
                                ",\"queryId\":\"q-2\",\"query\":{\"inPlay\":true,\"sport\":null}"));
        assertThat(oneClause.query.inPlay).isTrue();
        assertThat(oneClause.query.sport).as("null means absent").isNull();
    }

    @Test
    void unsubscribeAQuery() throws Exception {
        Command unsubscribe = parse(command("UNSUBSCRIBE", ",\"queryId\":\"q-1\""));

        assertThat(unsubscribe.queryId).isEqualTo("q-1");
        assertThat(unsubscribe.markets).isNull();
        assertThat(unsubscribe.query).isNull();
    }

    @Test
    void queryClausesOfTheWrongType() {
        assertThat(reasonFor(query("{\"sport\":7}")))
                .isEqualTo("query.sport must be a string, not a number");
        assertThat(reasonFor(query("{\"competition\":[\"x\"]}")))
                .isEqualTo("query.competition must be a string, not an array");
        assertThat(reasonFor(query("{\"eventId\":\"e 1\"}")))
                .isEqualTo(
                        "query.eventId must be 1 to 128 characters of [A-Za-z0-9._:-], not 'e 1'");
        assertThat(reasonFor(query("{\"inPlay\":\"true\"}")))
                .isEqualTo("query.inPlay must be a boolean, not a string");
        assertThat(reasonFor(query("{\"startsWithinMinutes\":\"60\"}")))
                .isEqualTo("query.startsWithinMinutes must be a number, not a string");
        assertThat(reasonFor(query("{\"startsWithinMinutes\":1.5}")))
                .isEqualTo("query.startsWithinMinutes must be an integer, not 1.5");
        assertThat(reasonFor(query("{\"startsWithinMinutes\":0}")))
                .isEqualTo("query.startsWithinMinutes must be between 1 and 10080, not 0");
        assertThat(reasonFor(query("{\"startsWithinMinutes\":10081}")))
                .isEqualTo("query.startsWithinMinutes must be between 1 and 10080, not 10081");
        assertThat(reasonFor(query("{\"sport\":\"\"}")))
                .isEqualTo("query.sport must be 1 to 256 characters");
        assertThat(reasonFor(query("\"football\"")))
                .isEqualTo("query must be an object, not a string");
    }

    @Test
    void unknownClauseOrEmptyQueryIsRejected() {
        assertThat(reasonFor(query("{\"sports\":\"football\"}")))
                .isEqualTo(
                        "query has an unknown clause 'sports'; known: sport, competition,"
                                + " eventId, inPlay, startsWithinMinutes");
        assertThat(reasonFor(query("{}"))).isEqualTo("query must have at least one clause");
        assertThat(reasonFor(query("{\"sport\":null}")))
                .isEqualTo("query must have at least one clause");
    }

    @Test
    void queryFormNeedsBothPartsAndExcludesMarkets() {
        assertThat(reasonFor(command("SUBSCRIBE", ",\"queryId\":\"q-1\"")))
                .isEqualTo("query is required with queryId");
        assertThat(reasonFor(command("SUBSCRIBE", ",\"query\":{\"sport\":\"football\"}")))
                .isEqualTo("queryId is required with query");
        assertThat(reasonFor(command("SUBSCRIBE", ",\"queryId\":7,\"query\":{\"sport\":\"x\"}")))
                .isEqualTo("queryId must be a string, not a number");
        assertThat(
                        reasonFor(
                                command(
                                        "SUBSCRIBE",
                                        ",\"queryId\":\"q 1\",\"query\":{\"sport\":\"x\"}")))
                .isEqualTo("queryId must be 1 to 128 characters of [A-Za-z0-9._:-], not 'q 1'");
        assertThat(
                        reasonFor(
                                command(
                                        "SUBSCRIBE",
                                        ",\"markets\":[\"m-1\"],\"queryId\":\"q-1\","
                                                + "\"query\":{\"sport\":\"football\"}")))
                .isEqualTo("SUBSCRIBE takes either markets or queryId, not both");
        assertThat(reasonFor(command("UNSUBSCRIBE", ",\"markets\":[\"m-1\"],\"queryId\":\"q-1\"")))
                .isEqualTo("UNSUBSCRIBE takes either markets or queryId, not both");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5", "1732260000000.0"})
    void nonIntegerSince(String since) {
        assertThat(reasonFor(command("BEGIN_STREAM", ",\"since\":" + since)))
                .isEqualTo("since must be an integer, not " + since);
    }

    @Test
    void sinceAsStringOrNegative() {
        assertThat(reasonFor(command("BEGIN_STREAM", ",\"since\":\"1732260000000\"")))
                .isEqualTo("since must be a number, not a string");
        assertThat(reasonFor(command("BEGIN_STREAM", ",\"since\":-1")))
                .isEqualTo("since must be at least 0, not -1");
    }

    // ---- the document itself ----

    @Test
    void oversized() {
        CommandParser small = new CommandParser(100);
        String big = command("SUBSCRIBE", ",\"markets\":[\"" + "m".repeat(100) + "\"]");

        assertThat(reasonFor(small, CHANNEL, big))
                .isEqualTo(
                        "record is " + big.length() + " bytes, more than the limit of 100 bytes");
    }

    @Test
    void deepNesting() {
        String deep =
                command(
                        "HEARTBEAT",
                        ",\"x\":" + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000));

        assertThat(reasonFor(deep)).startsWith("JSON limit exceeded").contains("nesting depth");
    }

    @Test
    void malformedAndNotAnObject() {
        assertThat(reasonFor("{\"type\":\"HEARTBEAT\",\"channelId\":"))
                .startsWith("malformed JSON");
        assertThat(reasonFor("{\"type\":\"HEARTBEAT\",\"type\":\"OPEN\",\"channelId\":\"c\"}"))
                .startsWith("malformed JSON at /type")
                .contains("Duplicate field 'type'");
        assertThat(reasonFor("[]")).isEqualTo("record value must be a JSON object, not an array");
        assertThat(reasonFor(command("HEARTBEAT", "") + " []"))
                .isEqualTo("record value must be a single JSON object, but an array follows it");
        assertThat(reasonFor("")).isEqualTo("record value is empty");
        assertThat(reasonFor(PARSER, new RawRecord("stream-commands", 0, 0, 0, CHANNEL, null)))
                .isEqualTo("record value is null (a tombstone)");
    }

    // ---- helpers ----

    private static String query(String query) {
        return command("SUBSCRIBE", ",\"queryId\":\"q-1\",\"query\":" + query);
    }

    private static String open(String fields) {
        return command("OPEN", fields);
    }

    private static String command(String type, String fields) {
        return "{\"type\":\"" + type + "\",\"channelId\":\"" + CHANNEL + "\"" + fields + "}";
    }

    private static Command parse(String json) throws InvalidRecordException {
        return PARSER.parse(record(CHANNEL, json));
    }

    private static RawRecord record(String key, String json) {
        return new RawRecord(
                "stream-commands", 1, 99, RECORD_TIME, key, json.getBytes(StandardCharsets.UTF_8));
    }

    private static String reasonFor(String json) {
        return reasonFor(PARSER, CHANNEL, json);
    }

    private static String reasonFor(String key, String json) {
        return reasonFor(PARSER, key, json);
    }

    private static String reasonFor(CommandParser parser, String key, String json) {
        return reasonFor(parser, record(key, json));
    }

    private static String reasonFor(CommandParser parser, RawRecord record) {
        try {
            Command command = parser.parse(record);
            return fail("expected a rejection, got " + command);
        } catch (InvalidRecordException e) {
            return e.reason();
        }
    }
}

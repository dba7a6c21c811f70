package com.marketcast.odds.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marketcast.odds.Descriptors;
import com.marketcast.odds.model.MarketUpdate;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class ParseRecordsTest {
    private static final String GOOD = "{\"marketId\":\"m-1\",\"seq\":42}";
    private static final String BAD = "{\"marketId\":\"m-1\",\"seq\":\"42\"}";

    @Test
    void goodRecordGoesDownstreamBadOneBecomesADeadLetter() throws Exception {
        try (OneInputStreamOperatorTestHarness<RawRecord, MarketUpdate> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(
                        new ParseRecords<>(new MarketUpdateParser(4096)))) {
            harness.processElement(record(7, "m-1", GOOD), 1_000L);
            harness.processElement(record(8, "m-1", BAD), 2_000L);

            List<MarketUpdate> out = harness.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).marketId).isEqualTo("m-1");
            assertThat(out.get(0).seq).isEqualTo(42);

            List<DeadLetter> deadLetters = deadLetters(harness);
            assertThat(deadLetters).hasSize(1);
            DeadLetter deadLetter = deadLetters.get(0);
            assertThat(deadLetter.source).isEqualTo("market-updates");
            assertThat(deadLetter.partition).isEqualTo(3);
            assertThat(deadLetter.offset).isEqualTo(8);
            assertThat(deadLetter.reason).isEqualTo("seq must be a number, not a string");
            assertThat(deadLetter.payload).isEqualTo(BAD);
        }
    }

    @Test
    void parserBugsAreDeadLetteredNotThrown() throws Exception {
        RecordParser<String> buggy =
                record -> {
                    throw new IllegalStateException("boom");
                };
        try (OneInputStreamOperatorTestHarness<RawRecord, String> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(
                        new ParseRecords<>(buggy, Types.STRING))) {
            harness.processElement(record(1, "k", "{}"), 1L);
            harness.processElement(new RawRecord("market-updates", 0, 2, 1L, null, null), 1L);

            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(deadLetters(harness))
                    .extracting(d -> d.reason)
                    .containsOnly("unexpected parse error: java.lang.IllegalStateException: boom");
            assertThat(deadLetters(harness)).extracting(d -> d.payload).containsExactly("{}", null);
        }
    }

    @Test
    void countsParsedRecordsAndDeadLetters() throws Exception {
        InterceptingOperatorMetricGroup operatorMetrics = new InterceptingOperatorMetricGroup();
        MockEnvironment environment =
                new MockEnvironmentBuilder()
                        .setMetricGroup(
                                new InterceptingTaskMetricGroup() {
                                    @Override
                                    public InternalOperatorMetricGroup getOrAddOperator(
                                            OperatorID id, String name) {
                                        return operatorMetrics;
                                    }
                                })
                        .build();
        try (environment;
                OneInputStreamOperatorTestHarness<RawRecord, MarketUpdate> harness =
                        new OneInputStreamOperatorTestHarness<>(
                                new ProcessOperator<>(
                                        new ParseRecords<>(new MarketUpdateParser(4096))),
                                environment)) {
            harness.open();
            harness.processElement(record(1, "m-1", GOOD), 1L);
            harness.processElement(record(2, "m-1", GOOD), 1L);
            harness.processElement(record(3, "m-2", GOOD), 1L);

            assertThat(((Counter) operatorMetrics.get("recordsParsed")).getCount()).isEqualTo(2);
            assertThat(((Counter) operatorMetrics.get("deadLetters")).getCount()).isEqualTo(1);
        }
    }

    @Test
    void longPayloadsAreCutWithAMarker() {
        byte[] value = "x".repeat(100_000).getBytes(StandardCharsets.UTF_8);

        String payload = ParseRecords.payloadText(value);

        assertThat(payload)
                .startsWith("x".repeat(ParseRecords.MAX_PAYLOAD_BYTES))
                .endsWith("...[truncated: 100000 bytes in total]")
                .hasSize(
                        ParseRecords.MAX_PAYLOAD_BYTES
                                + "...[truncated: 100000 bytes in total]".length());
        assertThat(ParseRecords.payloadText(null)).isNull();
        assertThat(ParseRecords.payloadText(new byte[] {'a', (byte) 0xff})).isEqualTo("a\uFFFD");
    }

    @Test
    void aParserThatCannotNameItsTypeNeedsOne() {
        RecordParser<String> lambda = record -> "x";

        assertThatThrownBy(() -> new ParseRecords<>(lambda))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ResultTypeQueryable");
        assertThat(new ParseRecords<>(new CommandParser(10)).getProducedType())
                .isEqualTo(new CommandParser(10).getProducedType());
    }

    private static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<?, ?> harness) {
        return harness.getSideOutput(Descriptors.DEAD_LETTERS).stream()
                .map(StreamRecord::getValue)
                .collect(Collectors.toList());
    }

    private static RawRecord record(long offset, String key, String json) {
        return new RawRecord(
                "market-updates", 3, offset, 1_000L, key, json.getBytes(StandardCharsets.UTF_8));
    }
}

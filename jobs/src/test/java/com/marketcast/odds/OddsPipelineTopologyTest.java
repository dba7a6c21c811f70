package com.marketcast.odds;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.catalog.CatalogChange;
import com.marketcast.odds.catalog.EventRow;
import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.catalog.MarketRow;
import com.marketcast.odds.channels.ChannelState;
import com.marketcast.odds.channels.MarketWork;
import com.marketcast.odds.channels.QueryCommand;
import com.marketcast.odds.ingest.DeadLetter;
import com.marketcast.odds.ingest.RawRecord;
import com.marketcast.odds.model.Command;
import com.marketcast.odds.model.MarketQuery;
import com.marketcast.odds.model.MarketUpdate;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Guards what savepoint compatibility depends on: stable operator uids and POJO state types. */
class OddsPipelineTopologyTest {

    @Test
    void everyStatefulOperatorHasItsStableUid() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        OddsJob.define(env, OddsSettings.fromMap(Map.of("parallelism", "2")));
        StreamGraph graph = env.getStreamGraph();

        List<String> uids =
                graph.getStreamNodes().stream()
                        .map(StreamNode::getTransformationUID)
                        .collect(Collectors.toList());
        assertThat(uids)
                .contains(
                        Descriptors.UPDATES_SOURCE,
                        Descriptors.COMMANDS_SOURCE,
                        Descriptors.PARSE_UPDATES,
                        Descriptors.PARSE_COMMANDS,
                        Descriptors.CATALOG_SOURCE,
                        Descriptors.ROUTE_CATALOG,
                        Descriptors.CATALOG_JOIN,
                        Descriptors.CHANNEL_REGISTRY,
                        Descriptors.MARKET_REDUCER,
                        Descriptors.REDIS_SINK,
                        Descriptors.DEAD_LETTER_SINK);
        assertThat(statefulOperatorsWithoutUid(graph)).isEmpty();
    }

    @Test
    void theGuardFindsAStatefulOperatorWithoutUid() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromData(1L, 2L)
                .uid("numbers")
                .keyBy(n -> n % 2)
                .reduce(Long::sum)
                .name("sum-without-uid")
                .sinkTo(new DiscardingSink<>())
                .name("discard-without-uid");

        assertThat(statefulOperatorsWithoutUid(env.getStreamGraph()))
                .containsExactlyInAnyOrder("sum-without-uid", "discard-without-uid: Writer");
    }

    /**
     * Operators whose state a savepoint holds (sources, keyed operators, sinks) but that have no
     * uid: after a change of the job graph their state would not be matched on restore.
     */
    private static List<String> statefulOperatorsWithoutUid(StreamGraph graph) {
        return graph.getStreamNodes().stream()
                .filter(
                        node ->
                                node.getStatePartitioners().length > 0
                                        || node.getInEdges().isEmpty()
                                        || node.getOutEdges().isEmpty())
                .filter(node -> node.getTransformationUID() == null)
                .map(StreamNode::getOperatorName)
                .collect(Collectors.toList());
    }

    @ParameterizedTest
    @ValueSource(
            classes = {
                CatalogChange.class,
                EventRow.class,
                MarketRow.class,
                MarketCatalog.class,
                ChannelState.class,
                MarketWork.class,
                QueryCommand.class,
                MarketQuery.class,
                MarketUpdate.class,
                Command.class,
                RawRecord.class,
                DeadLetter.class,
                RedisWrite.class
            })
    void stateAndRecordTypesAreSerializedAsPojosWithoutKryo(Class<?> type) {
        // MarketState, Subscription and MarketInput have explicit serializers instead:
        // ExplicitSerializersTest
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(type);
    }
}

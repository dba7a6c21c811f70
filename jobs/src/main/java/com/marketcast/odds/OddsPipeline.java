package com.marketcast.odds;

import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.catalog.CatalogChange;
import com.marketcast.odds.catalog.CatalogJoin;
import com.marketcast.odds.catalog.MarketCatalog;
import com.marketcast.odds.catalog.RouteCatalogChanges;
import com.marketcast.odds.channels.ChannelRegistry;
import com.marketcast.odds.channels.MarketWork;
import com.marketcast.odds.channels.QueryCommand;
import com.marketcast.odds.ingest.CommandParser;
import com.marketcast.odds.ingest.DeadLetter;
import com.marketcast.odds.ingest.MarketUpdateParser;
import com.marketcast.odds.ingest.ParseRecords;
import com.marketcast.odds.ingest.RawRecord;
import com.marketcast.odds.markets.MarketInput;
import com.marketcast.odds.markets.MarketReducerOperator;
import com.marketcast.odds.model.Command;
import com.marketcast.odds.model.MarketUpdate;
import com.marketcast.odds.serialization.ChannelIdSerializer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The odds job's topology, in data-flow order:
 *
 * <pre>
 *  market-updates ─ parse ──────────────────────────────────────┐
 *  stream-commands ─ parse ─ keyBy(channel) ─ ChannelRegistry ───┼─ keyBy(market) ─ MarketReducer ─ Redis
 *                                              └ queries ─ broadcast ─┘ (connected)
 *  catalog (CDC) ─ route ─ keyBy(event) ─ CatalogJoin ───────────┘
 *  (unreadable records) ──────────────────────────────────────────────────────────── dead-letters
 * </pre>
 *
 * <p>Sources and sinks are parameters, so tests run the same topology with their own. Without a
 * catalog source (null) markets carry feed data only.
 */
public final class OddsPipeline {
    private OddsPipeline() {}

    public static void define(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> updatesSource,
            Source<RawRecord, ?, ?> commandsSource,
            Source<CatalogChange, ?, ?> catalogSource,
            Sink<RedisWrite> redisSink,
            Sink<DeadLetter> deadLetterSink,
            OddsSettings settings) {
        TypeInformation<MarketInput> marketInput = TypeInformation.of(MarketInput.class);

        SingleOutputStreamOperator<MarketUpdate> updates =
                env.fromSource(
                                updatesSource,
                                WatermarkStrategy.noWatermarks(),
                                Descriptors.UPDATES_SOURCE)
                        .uid(Descriptors.UPDATES_SOURCE)
                        .process(
                                new ParseRecords<>(
                                        new MarketUpdateParser(settings.maxRecordBytes())))
                        .returns(MarketUpdate.class)
                        .uid(Descriptors.PARSE_UPDATES)
                        .name(Descriptors.PARSE_UPDATES);

        SingleOutputStreamOperator<Command> commands =
                env.fromSource(
                                commandsSource,
                                WatermarkStrategy.noWatermarks(),
                                Descriptors.COMMANDS_SOURCE)
                        .uid(Descriptors.COMMANDS_SOURCE)
                        .process(new ParseRecords<>(new CommandParser(settings.maxRecordBytes())))
                        .returns(Command.class)
                        .uid(Descriptors.PARSE_COMMANDS)
                        .name(Descriptors.PARSE_COMMANDS);

        SingleOutputStreamOperator<MarketWork> work =
                commands.keyBy(command -> command.channelId, ChannelIdSerializer.TYPE)
                        .process(new ChannelRegistry(settings.channelTtl()))
                        .returns(MarketWork.class)
                        .uid(Descriptors.CHANNEL_REGISTRY)
                        .name(Descriptors.CHANNEL_REGISTRY);
        // A query's markets are only known where the markets are: every reducer subtask gets it.
        DataStream<QueryCommand> queries =
                work.getSideOutput(Descriptors.QUERY_COMMANDS).broadcast();

        DataStream<MarketInput> inputs =
                updates.map(MarketInput::of)
                        .returns(marketInput)
                        .name("updates-as-market-input")
                        .union(
                                work.map(MarketInput::of)
                                        .returns(marketInput)
                                        .name("work-as-market-input"));
        DataStream<DeadLetter> deadLetters =
                updates.getSideOutput(Descriptors.DEAD_LETTERS)
                        .union(commands.getSideOutput(Descriptors.DEAD_LETTERS));

        if (catalogSource != null) {
            SingleOutputStreamOperator<CatalogChange> catalog =
                    env.fromSource(
                                    catalogSource,
                                    WatermarkStrategy.noWatermarks(),
                                    Descriptors.CATALOG_SOURCE)
                            .uid(Descriptors.CATALOG_SOURCE)
                            .process(new RouteCatalogChanges())
                            .returns(CatalogChange.class)
                            .uid(Descriptors.ROUTE_CATALOG)
                            .name(Descriptors.ROUTE_CATALOG);
            inputs =
                    inputs.union(
                            catalog.keyBy(CatalogChange::eventKey)
                                    .process(new CatalogJoin())
                                    .returns(MarketCatalog.class)
                                    .uid(Descriptors.CATALOG_JOIN)
                                    .name(Descriptors.CATALOG_JOIN)
                                    .map(MarketInput::of)
                                    .returns(marketInput)
                                    .name("catalog-as-market-input"));
            deadLetters = deadLetters.union(catalog.getSideOutput(Descriptors.DEAD_LETTERS));
        }

        inputs.keyBy(MarketInput::marketId)
                .connect(queries)
                .transform(
                        Descriptors.MARKET_REDUCER,
                        TypeInformation.of(RedisWrite.class),
                        new MarketReducerOperator(
                                settings.closedMarketTtl(),
                                settings.hotMarkets(),
                                settings.hotMarketWriteDelay()))
                .uid(Descriptors.MARKET_REDUCER)
                .sinkTo(redisSink)
                .uid(Descriptors.REDIS_SINK)
                .name(Descriptors.REDIS_SINK);

        deadLetters
                .sinkTo(deadLetterSink)
                .uid(Descriptors.DEAD_LETTER_SINK)
                .name(Descriptors.DEAD_LETTER_SINK);
    }
}

package com.marketcast.bench;

import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.Descriptors;
import com.marketcast.odds.OddsJob;
import com.marketcast.odds.OddsSettings;
import com.marketcast.odds.ingest.RawRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Baseline B3's reducer run by Flink (the scenario {@code b3-on-flink}): the job's Kafka source, a
 * shuffle keyed by market, {@link HandWrittenMarkets} in one operator, and the job's Redis sink.
 * The markets live in a plain map, not in Flink state, and there are no checkpoints: beside B3 it
 * shows what Flink's runtime alone costs (the source's fetcher hand-over, the network shuffle and
 * its record serialization, the sink's asynchronous writer), before any of the job's own work.
 */
final class HandWrittenOnFlink {
    /** The reducer's name, which names its task's thread. */
    static final String REDUCER = "hand-written-reducer";

    private HandWrittenOnFlink() {}

    static void define(
            StreamExecutionEnvironment env, OddsSettings settings, byte[][][] subscribers) {
        settings.parallelism().ifPresent(env::setParallelism);
        env.getConfig().enableObjectReuse();
        env.fromSource(
                        OddsJob.kafkaSource(settings, settings.updatesTopic()),
                        WatermarkStrategy.noWatermarks(),
                        Descriptors.UPDATES_SOURCE)
                .keyBy(record -> record.key) // the feed keys every record by its market
                .process(new Reduce(subscribers))
                .returns(RedisWrite.class)
                .name(REDUCER)
                .sinkTo(OddsJob.redisSink(settings))
                .name("redis");
    }

    /** One subtask's markets; the keyBy sends every update of a market to the same subtask. */
    private static final class Reduce extends KeyedProcessFunction<String, RawRecord, RedisWrite>
            implements HandWrittenMarkets.Writes {
        private final byte[][][] subscribers;
        private transient HandWrittenMarkets markets;
        private transient Collector<RedisWrite> out;

        Reduce(byte[][][] subscribers) {
            this.subscribers = subscribers;
        }

        @Override
        public void open(OpenContext context) {
            markets = new HandWrittenMarkets(subscribers);
        }

        @Override
        public void processElement(RawRecord record, Context ctx, Collector<RedisWrite> out)
                throws Exception {
            this.out = out;
            markets.apply(record.value, record.timestamp, this);
        }

        @Override
        public void set(byte[] key, byte[] value) {
            out.collect(new RedisWrite(RedisWrite.Command.SET, key, value));
        }

        @Override
        public void publish(byte[] channel, byte[] message) {
            out.collect(new RedisWrite(RedisWrite.Command.PUBLISH, channel, message));
        }
    }
}

package com.marketcast.odds.markets;

import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.model.MarketUpdate;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.util.Collector;

/**
 * The reducer's feed metrics beside its message counters: {@code updatesIn} (feed updates reaching
 * the reducer, stale ones included), and two histograms over the updates that published something:
 * {@code subscribersPerMarket}, the channels one update was published to (the market's streaming
 * subscribers, less throttled ones whose interval has not passed), and {@code
 * endToEndLatencyMillis}, from the update's {@code ts} (the feed's own time, or the Kafka record
 * time when it has none) to the reducer's output, which the Redis sink's {@code flushLatencyMicros}
 * then follows.
 *
 * <p>It sees the output of one update through {@link #track}, a collector that counts the channel
 * messages passing to the operator's output, so the reducer's publishing code needs no change.
 */
final class ReducerMetrics implements Collector<RedisWrite> {
    /** Samples each histogram keeps: enough for a p99 over the last second or so of updates. */
    private static final int WINDOW = 1024;

    private final Counter updatesIn;
    private final Histogram subscribersPerMarket;
    private final Histogram endToEndLatencyMillis;
    private Collector<RedisWrite> out;
    private int published;

    ReducerMetrics(MetricGroup group) {
        updatesIn = group.counter("updatesIn");
        subscribersPerMarket =
                group.histogram("subscribersPerMarket", new DescriptiveStatisticsHistogram(WINDOW));
        endToEndLatencyMillis =
                group.histogram(
                        "endToEndLatencyMillis", new DescriptiveStatisticsHistogram(WINDOW));
    }

    /** The output to hand the reducer for one update: {@code out}, counting channel messages. */
    Collector<RedisWrite> track(Collector<RedisWrite> out) {
        this.out = out;
        this.published = 0;
        return this;
    }

    /** After the update went through the reducer, with what {@link #track} counted. */
    void updateDone(MarketUpdate update, long now) {
        updatesIn.inc();
        if (published > 0) {
            subscribersPerMarket.update(published);
            long ts = update.ts > 0 ? update.ts : update.recordTime;
            // a feed clock ahead of ours would give negative latencies: count them as none
            endToEndLatencyMillis.update(Math.max(0, now - ts));
        }
        out = null;
    }

    @Override
    public void collect(RedisWrite write) {
        if (write.command == RedisWrite.Command.PUBLISH) {
            published++;
        }
        out.collect(write);
    }

    @Override
    public void close() {
        out.close();
    }
}

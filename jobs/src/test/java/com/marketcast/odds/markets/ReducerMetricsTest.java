package com.marketcast.odds.markets;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.odds.model.MarketUpdate;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.junit.jupiter.api.Test;

class ReducerMetricsTest {
    private final InterceptingOperatorMetricGroup group = new InterceptingOperatorMetricGroup();
    private final ReducerMetrics metrics = new ReducerMetrics(group);
    private final List<RedisWrite> output = new ArrayList<>();

    @Test
    void anUpdateThatPublishesRecordsItsFanOutAndLatencyFromItsTs() {
        var out = metrics.track(new ListCollector<>(output));
        out.collect(RedisWrite.set("market:m1", new byte[] {1}));
        out.collect(RedisWrite.publish("stream:a", new byte[] {2}));
        out.collect(RedisWrite.publish("stream:b", new byte[] {2}));
        metrics.updateDone(update(10_000, 20_000), 10_040);

        assertThat(output).hasSize(3);
        assertThat(counter("updatesIn").getCount()).isEqualTo(1);
        assertThat(histogram("subscribersPerMarket").getStatistics().getMax()).isEqualTo(2);
        assertThat(histogram("endToEndLatencyMillis").getStatistics().getMax()).isEqualTo(40);
    }

    @Test
    void withoutTsTheKafkaRecordTimeCountsAndUnpublishedUpdatesAreOnlyCounted() {
        metrics.track(new ListCollector<>(output));
        metrics.updateDone(update(0, 5_000), 5_007);
        assertThat(histogram("endToEndLatencyMillis").getCount()).isZero();

        metrics.track(new ListCollector<>(output))
                .collect(RedisWrite.publish("stream:a", new byte[] {3}));
        metrics.updateDone(update(0, 5_000), 5_007);
        // a feed clock ahead of the job's is no negative latency
        metrics.track(new ListCollector<>(output))
                .collect(RedisWrite.publish("stream:a", new byte[] {3}));
        metrics.updateDone(update(9_000, 5_000), 5_007);

        assertThat(counter("updatesIn").getCount()).isEqualTo(3);
        assertThat(histogram("subscribersPerMarket").getCount()).isEqualTo(2);
        assertThat(histogram("endToEndLatencyMillis").getStatistics().getValues())
                .containsExactlyInAnyOrder(7, 0);
    }

    private static MarketUpdate update(long ts, long recordTime) {
        MarketUpdate update = new MarketUpdate();
        update.marketId = "m1";
        update.seq = 1;
        update.ts = ts;
        update.recordTime = recordTime;
        return update;
    }

    private Counter counter(String name) {
        return (Counter) group.get(name);
    }

    private Histogram histogram(String name) {
        return (Histogram) group.get(name);
    }
}

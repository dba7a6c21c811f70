package com.marketcast.connectors.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.embedded.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sink in a real (mini) Flink cluster: a bounded job whose every element reaches a subscriber.
 */
class RedisSinkITCase {
    private static final int PARALLELISM = 2;
    private static final int CHANNELS = 8;
    private static final long ELEMENTS = 20_000;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(PARALLELISM)
                            .build());

    @Test
    void boundedJobPublishesEveryElementInOrderPerChannel() throws Exception {
        try (RedisServer redis = RedisServer.start();
                RedisSubscriber subscriber = RedisSubscriber.psubscribe(redis.uri(), "job.*")) {
            Configuration conf = new Configuration();
            // RedisWrite must travel as a POJO: fail the job if anything falls back to Kryo
            conf.set(PipelineOptions.GENERIC_TYPES, false);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(PARALLELISM);
            // checkpoints during the run exercise flush-on-checkpoint and the state serializer
            env.enableCheckpointing(100);

            env.fromSequence(0, ELEMENTS - 1)
                    .setParallelism(1) // one ordered source, so per-channel order is checkable
                    .map(
                            i ->
                                    RedisWrite.publish(
                                            "job.ch" + (i % CHANNELS),
                                            Long.toString(i).getBytes(StandardCharsets.UTF_8)))
                    .setParallelism(1)
                    // a channel is written by one sink subtask: what keeps its order end to end
                    .keyBy(write -> new String(write.key, StandardCharsets.UTF_8))
                    .sinkTo(
                            RedisSink.<RedisWrite>builder()
                                    .setRedisUri(redis.uri())
                                    .setSerializer(RedisWriteSerializer.identity())
                                    .build())
                    .name("redis-sink")
                    .uid("redis-sink");
            env.execute("redis-sink-itcase");

            subscriber.awaitCount((int) ELEMENTS, Duration.ofSeconds(20));
            Map<String, List<String>> received = subscriber.all();
            assertThat(received).hasSize(CHANNELS);
            for (int channel = 0; channel < CHANNELS; channel++) {
                int c = channel;
                List<String> expected =
                        LongStream.range(0, ELEMENTS)
                                .filter(i -> i % CHANNELS == c)
                                .mapToObj(Long::toString)
                                .collect(Collectors.toList());
                assertThat(received.get("job.ch" + channel))
                        .as("job.ch%d: every element, once, in order", channel)
                        .containsExactlyElementsOf(expected);
            }
        }
    }
}

package com.marketcast.bench;

import com.marketcast.embedded.EmbeddedKafka;
import com.marketcast.embedded.RedisServer;
import com.marketcast.embedded.TempDirs;
import com.marketcast.odds.OddsJob;
import com.marketcast.odds.OddsSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The system under test, fresh per scenario: an in-process Kafka broker (the data topic stamps
 * records with their append time, the {@code ts} latency is measured from), a private redis-server,
 * the odds job on a MiniCluster configured by {@code flink-conf/config.yaml} with the scenario's
 * state backend and checkpoint interval, the subscribers, and the workload's channels subscribed
 * and started before anything is measured.
 */
final class JobUnderTest implements AutoCloseable {
    /**
     * A configuration of the job: its state backend and checkpoint interval (null: off); or, with
     * {@code handWritten}, baseline B3 in place of the job.
     */
    record Scenario(
            String name,
            String stateBackend,
            Duration checkpointInterval,
            boolean handWritten,
            Duration bufferTimeout,
            Duration redisFlushInterval) {}

    private static final int PARALLELISM = 2;
    private static final int UPDATE_PARTITIONS = 4;

    private final Path runDir;
    private final EmbeddedKafka kafka;
    private final RedisServer redis;
    private final JobClient job;
    private final HandWrittenReducer handWritten;
    private final SubscriberPool subscribers;
    private final FeedDriver feed;

    JobUnderTest(Scenario scenario, Workload workload, int shards) throws Exception {
        runDir = Files.createTempDirectory("marketcast-bench-");
        kafka = EmbeddedKafka.start();
        kafka.createTopic(
                "market-updates",
                UPDATE_PARTITIONS,
                Map.of("message.timestamp.type", "LogAppendTime"));
        kafka.createTopic("stream-commands", 2);
        kafka.createTopic("dead-letters", 1);
        redis = RedisServer.start();
        subscribers = new SubscriberPool(redis.uri(), shards);

        Map<String, String> options = new HashMap<>();
        options.put("bootstrap-servers", kafka.bootstrapServers());
        options.put("redis", redis.uri());
        options.put("parallelism", Integer.toString(PARALLELISM));
        // "off": a checkpoint never comes due during a run
        options.put(
                "checkpoint-interval",
                scenario.checkpointInterval() == null
                        ? "1h"
                        : scenario.checkpointInterval().toMillis() + "ms");
        options.put("no-catalog", "true");
        if (scenario.redisFlushInterval() != null) {
            options.put("redis-flush-interval", scenario.redisFlushInterval().toMillis() + "ms");
        }
        OddsSettings settings = OddsSettings.fromMap(options);
        if (scenario.handWritten()) {
            job = null;
            handWritten =
                    new HandWrittenReducer(
                            kafka.bootstrapServers(),
                            settings.updatesTopic(),
                            UPDATE_PARTITIONS,
                            redis.uri(),
                            workload,
                            shards);
        } else {
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(
                            PARALLELISM, flinkConfiguration(scenario));
            job = OddsJob.start(env, settings);
            handWritten = null;
            subscribe(workload, settings.commandsTopic(), shards);
        }
        feed = new FeedDriver(kafka.bootstrapServers(), settings.updatesTopic(), workload);
        feed.warmUp();
        subscribers.awaitSnapshots(workload.subscriptions(), Duration.ofMinutes(5));
    }

    /** Runs at {@code rate} for the warm-up, then measures for {@code duration}. */
    Measurement measure(double rate, Duration warmUp, Duration duration) {
        feed.run(rate, warmUp);
        subscribers.takeLatencies();
        long messagesBefore = subscribers.messages();
        long start = System.nanoTime();
        long sent = feed.run(rate, duration);
        double seconds = (System.nanoTime() - start) / 1e9;
        long messages = subscribers.messages() - messagesBefore;
        return new Measurement(
                rate, sent / seconds, messages / seconds, subscribers.takeLatencies());
    }

    double meanRecordBytes() {
        return feed.meanRecordBytes();
    }

    private Configuration flinkConfiguration(Scenario scenario) {
        Path confDir =
                List.of(Path.of("flink-conf"), Path.of("..", "flink-conf")).stream()
                        .filter(d -> Files.isRegularFile(d.resolve("config.yaml")))
                        .findFirst()
                        .orElse(null);
        Configuration conf =
                confDir == null
                        ? new Configuration()
                        : GlobalConfiguration.loadConfiguration(confDir.toString());
        conf.removeConfig(TaskManagerOptions.TOTAL_PROCESS_MEMORY);
        conf.removeConfig(JobManagerOptions.TOTAL_PROCESS_MEMORY);
        conf.set(StateBackendOptions.STATE_BACKEND, scenario.stateBackend());
        conf.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                runDir.resolve("checkpoints").toUri().toString());
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, PARALLELISM);
        conf.set(RestOptions.BIND_PORT, "0");
        if (scenario.bufferTimeout() != null) {
            conf.set(ExecutionOptions.BUFFER_TIMEOUT, scenario.bufferTimeout());
        }
        return conf;
    }

    /** OPEN, SUBSCRIBE and BEGIN_STREAM for every channel of the workload. */
    private void subscribe(Workload workload, String topic, int shards) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true); // a channel's commands in order
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int c = 0; c < workload.channels; c++) {
                String id = Workload.channelId(c, shards);
                StringBuilder markets = new StringBuilder();
                for (int m : workload.channelMarkets[c]) {
                    markets.append(markets.length() == 0 ? "\"" : ",\"")
                            .append(Workload.marketId(m))
                            .append('"');
                }
                send(producer, topic, id, "{\"type\":\"OPEN\",\"channelId\":\"" + id + "\"}");
                send(
                        producer,
                        topic,
                        id,
                        "{\"type\":\"SUBSCRIBE\",\"channelId\":\""
                                + id
                                + "\",\"markets\":["
                                + markets
                                + "]}");
                send(
                        producer,
                        topic,
                        id,
                        "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"" + id + "\"}");
            }
            producer.flush();
        }
    }

    private static void send(
            KafkaProducer<String, String> producer, String topic, String key, String value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    @Override
    public void close() throws Exception {
        try {
            if (job != null) {
                job.cancel().get();
            } else {
                handWritten.close();
            }
        } finally {
            feed.close();
            subscribers.close();
            redis.close();
            kafka.close();
            TempDirs.deleteRecursively(runDir);
        }
    }
}

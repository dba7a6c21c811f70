package com.marketcast.odds;

import com.marketcast.connectors.redis.RedisSink;
import com.marketcast.connectors.redis.RedisWrite;
import com.marketcast.connectors.redis.RedisWriteSerializer;
import com.marketcast.odds.catalog.CatalogChange;
import com.marketcast.odds.catalog.CatalogDeserializer;
import com.marketcast.odds.catalog.CatalogPublication;
import com.marketcast.odds.ingest.DeadLetter;
import com.marketcast.odds.ingest.DeadLetterSerializer;
import com.marketcast.odds.ingest.RawRecord;
import com.marketcast.odds.ingest.RawRecordDeserializer;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.api.common.JobID;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the odds job: reads the options, builds the real Kafka sources and the Redis and
 * dead-letter sinks, and runs {@link OddsPipeline}. Submit it with {@code flink run} and the
 * options of the README.
 */
public final class OddsJob {
    private static final Logger LOG = LoggerFactory.getLogger(OddsJob.class);
    public static final String JOB_NAME = "marketcast-odds";

    private OddsJob() {}

    public static void main(String[] args) throws Exception {
        OddsSettings settings;
        try {
            settings = OddsSettings.fromArgs(args);
            prepareCatalog(settings);
        } catch (IllegalArgumentException e) {
            System.err.println("marketcast-odds: " + e.getMessage());
            throw e;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, settings);
        env.execute(JOB_NAME);
    }

    /**
     * Configures the environment and defines the job with the real sources and sinks; does not run
     * it.
     */
    public static void define(StreamExecutionEnvironment env, OddsSettings settings) {
        configure(env, settings);
        OddsPipeline.define(
                env,
                kafkaSource(settings, settings.updatesTopic()),
                kafkaSource(settings, settings.commandsTopic()),
                settings.catalogEnabled() ? catalogSource(settings) : null,
                redisSink(settings),
                deadLetterSink(settings),
                settings);
        LOG.info("marketcast-odds: {}", settings);
    }

    /** Defines the job and submits it without waiting: the local stack's way to run it. */
    public static JobClient start(StreamExecutionEnvironment env, OddsSettings settings)
            throws Exception {
        prepareCatalog(settings);
        define(env, settings);
        JobClient client = env.executeAsync(JOB_NAME);
        JobID id = client.getJobID();
        LOG.info("marketcast-odds submitted as job {}", id);
        return client;
    }

    /** Client side, before submitting: the catalog's publication exists and covers its tables. */
    static void prepareCatalog(OddsSettings settings) {
        if (settings.catalogEnabled()) {
            CatalogPublication.ensure(settings);
        }
    }

    /**
     * Exactly-once checkpoints (state and Kafka offsets move together), POJO-only state (no Kryo
     * fallback), and object reuse: the reducer hands one serialized payload to many Redis writes
     * and never mutates an emitted record, so chained operators need not copy them.
     */
    public static void configure(StreamExecutionEnvironment env, OddsSettings settings) {
        settings.parallelism().ifPresent(env::setParallelism);
        env.enableCheckpointing(
                settings.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        env.getConfig().enableObjectReuse();
        env.getConfig().disableGenericTypes();
    }

    /**
     * Starts from the group's committed offsets, or the earliest ones when it has none; commits on
     * checkpoints.
     */
    public static KafkaSource<RawRecord> kafkaSource(OddsSettings settings, String topic) {
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setTopics(topic)
                .setGroupId(settings.groupId())
                .setClientIdPrefix(settings.groupId() + "-" + topic)
                .setStartingOffsets(
                        OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("commit.offsets.on.checkpoint", "true")
                .build();
    }

    /**
     * Flink CDC's incremental PostgreSQL source: a snapshot of both tables, then their changes
     * through logical replication (pgoutput). The publication is limited to the catalog tables; the
     * job creates it before it starts ({@link CatalogPublication}) and Debezium leaves it alone.
     * Heartbeats keep the slot's confirmed position moving while the catalog is idle, so the slot
     * does not pin WAL of other activity in the database.
     */
    static PostgresSourceBuilder.PostgresIncrementalSource<CatalogChange> catalogSource(
            OddsSettings settings) {
        Properties debezium = new Properties();
        debezium.setProperty("publication.name", settings.catalogPublication());
        debezium.setProperty("publication.autocreate.mode", "disabled");
        // Debezium waits this long when the WAL stream has nothing; its default (500 ms) would add
        // up to half a second to every catalog change
        debezium.setProperty("poll.interval.ms", "50");
        return PostgresSourceBuilder.PostgresIncrementalSource.<CatalogChange>builder()
                .hostname(settings.catalogHost())
                .port(settings.catalogPort())
                .database(settings.catalogDatabase())
                .schemaList("public")
                .tableList("public.events", "public.markets")
                .username(settings.catalogUser())
                .password(settings.catalogPassword())
                .slotName(settings.catalogSlot())
                .decodingPluginName("pgoutput")
                .serverTimeZone("UTC")
                .startupOptions(StartupOptions.initial())
                .heartbeatInterval(Duration.ofSeconds(10))
                .debeziumProperties(debezium)
                .deserializer(new CatalogDeserializer())
                .build();
    }

    public static RedisSink<RedisWrite> redisSink(OddsSettings settings) {
        return RedisSink.<RedisWrite>builder()
                .setRedisUri(settings.redisUri())
                .setSerializer(RedisWriteSerializer.identity())
                .setMaxBatchSize(settings.redisBatchSize())
                .setMaxBufferedRequests(settings.redisMaxBuffered())
                .setMaxTimeInBufferMS(settings.redisFlushInterval().toMillis())
                .build();
    }

    /**
     * At least once: a dead letter may repeat after a restore, which is harmless for an audit
     * topic.
     */
    static KafkaSink<DeadLetter> deadLetterSink(OddsSettings settings) {
        return KafkaSink.<DeadLetter>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setRecordSerializer(new DeadLetterSerializer(settings.deadLettersTopic()))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }
}

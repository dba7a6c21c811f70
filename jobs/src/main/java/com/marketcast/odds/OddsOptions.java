package com.marketcast.odds;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** The job's options (PROTOCOL section 6), given on the command line as {@code --key value}. */
public final class OddsOptions {
    private OddsOptions() {}

    public static final ConfigOption<String> BOOTSTRAP_SERVERS =
            ConfigOptions.key("bootstrap-servers")
                    .stringType()
                    .defaultValue("localhost:9092")
                    .withDescription("Kafka bootstrap servers.");

    public static final ConfigOption<String> REDIS =
            ConfigOptions.key("redis")
                    .stringType()
                    .defaultValue("redis://localhost:6379")
                    .withDescription(
                            "Redis URI the pub-sub channels and market mirror are written to.");

    public static final ConfigOption<String> CATALOG_URL =
            ConfigOptions.key("catalog-url")
                    .stringType()
                    .defaultValue("jdbc:postgresql://localhost:5432/catalog")
                    .withDescription(
                            "The catalog database (PostgreSQL with wal_level=logical), read by change"
                                    + " data capture.");

    public static final ConfigOption<String> CATALOG_USER =
            ConfigOptions.key("catalog-user")
                    .stringType()
                    .defaultValue("postgres")
                    .withDescription(
                            "Catalog user: needs the REPLICATION attribute and SELECT on the tables.");

    public static final ConfigOption<String> CATALOG_PASSWORD =
            ConfigOptions.key("catalog-password")
                    .stringType()
                    .defaultValue("")
                    .withDescription("Catalog password.");

    public static final ConfigOption<String> CATALOG_SLOT =
            ConfigOptions.key("catalog-slot")
                    .stringType()
                    .defaultValue("marketcast_catalog")
                    .withDescription(
                            "Replication slot of the catalog source: unique per job; it outlives the job"
                                    + " and must be dropped when the job is retired.");

    public static final ConfigOption<String> CATALOG_PUBLICATION =
            ConfigOptions.key("catalog-publication")
                    .stringType()
                    .defaultValue("marketcast_catalog")
                    .withDescription(
                            "Publication of the catalog tables; created FOR TABLE events, markets if"
                                    + " missing (no superuser needed).");

    public static final ConfigOption<Boolean> NO_CATALOG =
            ConfigOptions.key("no-catalog")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Run without the catalog source: markets carry feed data only.");

    public static final ConfigOption<Integer> PARALLELISM =
            ConfigOptions.key("parallelism")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "Job parallelism; the cluster's parallelism.default when absent.");

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            ConfigOptions.key("checkpoint-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "Checkpoint interval; Kafka offsets are committed on each checkpoint.");

    public static final ConfigOption<Duration> CHANNEL_TTL =
            ConfigOptions.key("channel-ttl")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "A channel with no command for this long is expired as if it had disconnected.");

    public static final ConfigOption<Duration> CLOSED_MARKET_TTL =
            ConfigOptions.key("closed-market-ttl")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "How long the job keeps a closed market (late subscribers get removed/CLOSED, a"
                                    + " reopening continues its chain) before it releases its state and"
                                    + " deletes its Redis mirror.");

    public static final ConfigOption<Integer> HOT_MARKETS =
            ConfigOptions.key("hot-markets")
                    .intType()
                    .defaultValue(4096)
                    .withDescription(
                            "How many markets' states each reducer subtask keeps on the heap in front of"
                                    + " its keyed state (the markets read last), with 16 times as many"
                                    + " subscriptions, so a hot market's update neither reads its state"
                                    + " nor iterates its subscribers in RocksDB, and its changed state waits"
                                    + " there (hot-market-write-delay); 0 keeps none. Off on the heap"
                                    + " state backend (hashmap), whose state is on the heap already.");

    public static final ConfigOption<Duration> HOT_MARKET_WRITE_DELAY =
            ConfigOptions.key("hot-market-write-delay")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "How long a hot market's changed state may wait on the heap before the reducer"
                                    + " writes it to its keyed state: a market that changes faster is written"
                                    + " once per delay instead of once per change. Each checkpoint writes"
                                    + " what waits, so a longer delay means fewer writes and a longer"
                                    + " checkpoint pause; 0 writes every change at once (use it with Flink's"
                                    + " changelog state backend, whose point is a short checkpoint pause).");

    public static final ConfigOption<String> UPDATES_TOPIC =
            ConfigOptions.key("updates-topic")
                    .stringType()
                    .defaultValue("market-updates")
                    .withDescription("The data topic of market updates, keyed by market id.");

    public static final ConfigOption<String> COMMANDS_TOPIC =
            ConfigOptions.key("commands-topic")
                    .stringType()
                    .defaultValue("stream-commands")
                    .withDescription("The command topic, keyed by channel id.");

    public static final ConfigOption<String> DEAD_LETTERS_TOPIC =
            ConfigOptions.key("dead-letters-topic")
                    .stringType()
                    .defaultValue("dead-letters")
                    .withDescription("Where records that fail validation go, with a reason.");

    public static final ConfigOption<String> GROUP_ID =
            ConfigOptions.key("group-id")
                    .stringType()
                    .defaultValue("marketcast-odds")
                    .withDescription(
                            "Kafka consumer group. The sources start from its committed offsets"
                                    + " (earliest when it has none) and commit on checkpoints.");

    public static final ConfigOption<Integer> MAX_RECORD_BYTES =
            ConfigOptions.key("max-record-bytes")
                    .intType()
                    .defaultValue(64 * 1024)
                    .withDescription(
                            "Larger update or command records are dead-lettered unparsed.");

    public static final ConfigOption<Integer> REDIS_BATCH_SIZE =
            ConfigOptions.key("redis-batch-size")
                    .intType()
                    .defaultValue(512)
                    .withDescription("Redis commands per pipelined batch.");

    public static final ConfigOption<Duration> REDIS_FLUSH_INTERVAL =
            ConfigOptions.key("redis-flush-interval")
                    .durationType()
                    .defaultValue(Duration.ofMillis(5))
                    .withDescription("Longest time a Redis command waits in the sink's buffer.");

    public static final ConfigOption<Integer> REDIS_MAX_BUFFERED =
            ConfigOptions.key("redis-max-buffered")
                    .intType()
                    .defaultValue(20_000)
                    .withDescription(
                            "Redis commands buffered per sink writer before the job backpressures.");

    /** Every option, for the unknown-option check and the README table. */
    public static final List<ConfigOption<?>> ALL =
            List.of(
                    BOOTSTRAP_SERVERS,
                    REDIS,
                    CATALOG_URL,
                    CATALOG_USER,
                    CATALOG_PASSWORD,
                    CATALOG_SLOT,
                    CATALOG_PUBLICATION,
                    NO_CATALOG,
                    PARALLELISM,
                    CHECKPOINT_INTERVAL,
                    CHANNEL_TTL,
                    CLOSED_MARKET_TTL,
                    HOT_MARKETS,
                    HOT_MARKET_WRITE_DELAY,
                    UPDATES_TOPIC,
                    COMMANDS_TOPIC,
                    DEAD_LETTERS_TOPIC,
                    GROUP_ID,
                    MAX_RECORD_BYTES,
                    REDIS_BATCH_SIZE,
                    REDIS_FLUSH_INTERVAL,
                    REDIS_MAX_BUFFERED);
}

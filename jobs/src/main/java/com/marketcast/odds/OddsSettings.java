package com.marketcast.odds;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The job's options, read once and validated: a bad or unknown option fails start-up with a message
 * naming it.
 */
public final class OddsSettings implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern JDBC_URL =
            Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d{1,5}))?/([^/?]+)(?:\\?.*)?");

    /** Options that may be given without a value, meaning true. */
    private static final Set<String> FLAGS = Set.of(OddsOptions.NO_CATALOG.key());

    /**
     * A million markets' states and 16 million subscriptions: far more than a heap cache is for.
     */
    private static final int MAX_HOT_MARKETS = 1 << 20;

    private final String bootstrapServers;
    private final String redisUri;
    private final boolean catalogEnabled;
    private final String catalogUrl;
    private final String catalogHost;
    private final int catalogPort;
    private final String catalogDatabase;
    private final String catalogUser;
    private final String catalogPassword;
    private final String catalogSlot;
    private final String catalogPublication;
    private final Integer parallelism;
    private final Duration checkpointInterval;
    private final Duration channelTtl;
    private final Duration closedMarketTtl;
    private final int hotMarkets;
    private final Duration hotMarketWriteDelay;

    private final String updatesTopic;
    private final String commandsTopic;
    private final String deadLettersTopic;
    private final String groupId;
    private final int maxRecordBytes;
    private final int redisBatchSize;
    private final Duration redisFlushInterval;
    private final int redisMaxBuffered;

    private OddsSettings(Configuration conf) {
        bootstrapServers = nonBlank(conf, OddsOptions.BOOTSTRAP_SERVERS);
        redisUri = nonBlank(conf, OddsOptions.REDIS);
        catalogEnabled = !read(conf, OddsOptions.NO_CATALOG);
        catalogUrl = nonBlank(conf, OddsOptions.CATALOG_URL);
        Matcher jdbc = JDBC_URL.matcher(catalogUrl);
        require(
                jdbc.matches(),
                OddsOptions.CATALOG_URL,
                "must look like jdbc:postgresql://host[:port]/database, got '" + catalogUrl + "'");
        catalogHost = jdbc.group(1);
        catalogPort = jdbc.group(2) == null ? 5432 : Integer.parseInt(jdbc.group(2));
        catalogDatabase = jdbc.group(3);
        catalogUser = nonBlank(conf, OddsOptions.CATALOG_USER);
        catalogPassword = read(conf, OddsOptions.CATALOG_PASSWORD);
        catalogSlot = nonBlank(conf, OddsOptions.CATALOG_SLOT);
        require(
                catalogSlot.matches("[a-z0-9_]{1,63}"),
                OddsOptions.CATALOG_SLOT,
                "must be 1 to 63 of [a-z0-9_] (a PostgreSQL slot name), got '" + catalogSlot + "'");
        catalogPublication = nonBlank(conf, OddsOptions.CATALOG_PUBLICATION);
        parallelism = read(conf, OddsOptions.PARALLELISM);
        checkpointInterval = read(conf, OddsOptions.CHECKPOINT_INTERVAL);
        channelTtl = read(conf, OddsOptions.CHANNEL_TTL);
        closedMarketTtl = read(conf, OddsOptions.CLOSED_MARKET_TTL);
        hotMarkets = read(conf, OddsOptions.HOT_MARKETS);
        hotMarketWriteDelay = read(conf, OddsOptions.HOT_MARKET_WRITE_DELAY);
        updatesTopic = nonBlank(conf, OddsOptions.UPDATES_TOPIC);
        commandsTopic = nonBlank(conf, OddsOptions.COMMANDS_TOPIC);
        deadLettersTopic = nonBlank(conf, OddsOptions.DEAD_LETTERS_TOPIC);
        groupId = nonBlank(conf, OddsOptions.GROUP_ID);
        maxRecordBytes = read(conf, OddsOptions.MAX_RECORD_BYTES);
        redisBatchSize = read(conf, OddsOptions.REDIS_BATCH_SIZE);
        redisFlushInterval = read(conf, OddsOptions.REDIS_FLUSH_INTERVAL);
        redisMaxBuffered = read(conf, OddsOptions.REDIS_MAX_BUFFERED);

        require(
                parallelism == null || parallelism > 0,
                OddsOptions.PARALLELISM,
                "must be positive");
        require(
                checkpointInterval.toMillis() >= 10,
                OddsOptions.CHECKPOINT_INTERVAL,
                "must be at least 10ms");
        require(channelTtl.toMillis() >= 1000, OddsOptions.CHANNEL_TTL, "must be at least 1s");
        require(
                closedMarketTtl.toMillis() >= 1000,
                OddsOptions.CLOSED_MARKET_TTL,
                "must be at least 1s");
        require(
                hotMarkets >= 0 && hotMarkets <= MAX_HOT_MARKETS,
                OddsOptions.HOT_MARKETS,
                "must be between 0 and " + MAX_HOT_MARKETS + ", got " + hotMarkets);
        require(
                !hotMarketWriteDelay.isNegative(),
                OddsOptions.HOT_MARKET_WRITE_DELAY,
                "must not be negative, got " + hotMarketWriteDelay);
        require(maxRecordBytes >= 1024, OddsOptions.MAX_RECORD_BYTES, "must be at least 1024");
        require(redisBatchSize > 0, OddsOptions.REDIS_BATCH_SIZE, "must be positive");
        require(
                redisFlushInterval.toMillis() > 0,
                OddsOptions.REDIS_FLUSH_INTERVAL,
                "must be at least 1ms");
        require(
                redisMaxBuffered >= redisBatchSize,
                OddsOptions.REDIS_MAX_BUFFERED,
                "must be at least redis-batch-size");
        require(
                redisUri.startsWith("redis://") || redisUri.startsWith("rediss://"),
                OddsOptions.REDIS,
                "must be a redis:// or rediss:// URI, got '" + redisUri + "'");
        try {
            URI uri = URI.create(redisUri);
            require(uri.getHost() != null, OddsOptions.REDIS, "has no host: '" + redisUri + "'");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Option 'redis' is not a URI: " + e.getMessage(), e);
        }
    }

    /** Reads {@code --key value} arguments; unknown keys are an error, not silently ignored. */
    public static OddsSettings fromArgs(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new IllegalArgumentException(
                        "Expected an option like --key value, got '" + arg + "'");
            }
            String key = arg.substring(2);
            if (FLAGS.contains(key) && (i + 1 >= args.length || args[i + 1].startsWith("--"))) {
                values.put(key, "true");
                continue;
            }
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                throw new IllegalArgumentException("Option '" + key + "' needs a value");
            }
            values.put(key, args[++i]);
        }
        return fromMap(values);
    }

    public static OddsSettings fromMap(Map<String, String> values) {
        Set<String> known =
                OddsOptions.ALL.stream().map(ConfigOption::key).collect(Collectors.toSet());
        for (String key : values.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException(
                        "Unknown option '"
                                + key
                                + "'; known options: "
                                + String.join(", ", new TreeSet<>(known)));
            }
        }
        return new OddsSettings(Configuration.fromMap(values));
    }

    public static OddsSettings defaults() {
        return fromMap(Map.of());
    }

    private static <T> T read(Configuration conf, ConfigOption<T> option) {
        try {
            return conf.get(option);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Option '" + option.key() + "' has an invalid value: " + rootMessage(e), e);
        }
    }

    private static String nonBlank(Configuration conf, ConfigOption<String> option) {
        String value = read(conf, option);
        require(value != null && !value.isBlank(), option, "must not be empty");
        return value.trim();
    }

    private static void require(boolean ok, ConfigOption<?> option, String problem) {
        if (!ok) {
            throw new IllegalArgumentException("Option '" + option.key() + "' " + problem);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String redisUri() {
        return redisUri;
    }

    /** False with {@code --no-catalog}: no CDC source, markets carry feed data only. */
    public boolean catalogEnabled() {
        return catalogEnabled;
    }

    public String catalogUrl() {
        return catalogUrl;
    }

    public String catalogHost() {
        return catalogHost;
    }

    public int catalogPort() {
        return catalogPort;
    }

    public String catalogDatabase() {
        return catalogDatabase;
    }

    public String catalogUser() {
        return catalogUser;
    }

    public String catalogPassword() {
        return catalogPassword;
    }

    public String catalogSlot() {
        return catalogSlot;
    }

    public String catalogPublication() {
        return catalogPublication;
    }

    public OptionalInt parallelism() {
        return parallelism == null ? OptionalInt.empty() : OptionalInt.of(parallelism);
    }

    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    public Duration channelTtl() {
        return channelTtl;
    }

    public Duration closedMarketTtl() {
        return closedMarketTtl;
    }

    public int hotMarkets() {
        return hotMarkets;
    }

    public Duration hotMarketWriteDelay() {
        return hotMarketWriteDelay;
    }

    public String updatesTopic() {
        return updatesTopic;
    }

    public String commandsTopic() {
        return commandsTopic;
    }

    public String deadLettersTopic() {
        return deadLettersTopic;
    }

    public String groupId() {
        return groupId;
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    public int redisBatchSize() {
        return redisBatchSize;
    }

    public Duration redisFlushInterval() {
        return redisFlushInterval;
    }

    public int redisMaxBuffered() {
        return redisMaxBuffered;
    }

    /** The Redis URI without its password, for logs. */
    public String redactedRedisUri() {
        URI uri = URI.create(redisUri);
        return uri.getUserInfo() == null
                ? redisUri
                : redisUri.replace(uri.getRawUserInfo() + "@", "***@");
    }

    @Override
    public String toString() {
        return "bootstrap-servers="
                + bootstrapServers
                + " redis="
                + redactedRedisUri()
                + " catalog="
                + (catalogEnabled ? catalogUrl + " (slot " + catalogSlot + ")" : "off")
                + " parallelism="
                + (parallelism == null ? "(cluster default)" : parallelism)
                + " checkpoint-interval="
                + checkpointInterval
                + " channel-ttl="
                + channelTtl
                + " closed-market-ttl="
                + closedMarketTtl
                + " hot-markets="
                + hotMarkets
                + " hot-market-write-delay="
                + hotMarketWriteDelay
                + " topics="
                + updatesTopic
                + ","
                + commandsTopic
                + ","
                + deadLettersTopic
                + " group-id="
                + groupId;
    }
}

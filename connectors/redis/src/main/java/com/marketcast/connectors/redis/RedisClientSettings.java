package com.marketcast.connectors.redis;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * The connection and retry settings a {@link RedisSinkWriter} needs, validated by {@link
 * RedisSinkBuilder} and shipped with the sink (the jedis pool itself is not serializable and is
 * built per writer).
 */
final class RedisClientSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    final String redisUri;
    final long connectTimeoutMS;
    final long socketTimeoutMS;
    final long borrowTimeoutMS;
    final int maxRetries;
    final long initialBackoffMS;
    final long maxBackoffMS;

    RedisClientSettings(
            String redisUri,
            long connectTimeoutMS,
            long socketTimeoutMS,
            long borrowTimeoutMS,
            int maxRetries,
            long initialBackoffMS,
            long maxBackoffMS) {
        this.redisUri = redisUri;
        this.connectTimeoutMS = connectTimeoutMS;
        this.socketTimeoutMS = socketTimeoutMS;
        this.borrowTimeoutMS = borrowTimeoutMS;
        this.maxRetries = maxRetries;
        this.initialBackoffMS = initialBackoffMS;
        this.maxBackoffMS = maxBackoffMS;
    }

    /**
     * The pause before the retry that follows the {@code failedAttempts}-th consecutive failure:
     * {@code initialBackoffMS} doubling up to {@code maxBackoffMS}.
     */
    long backoffMS(int failedAttempts) {
        double backoff = initialBackoffMS * Math.pow(2, Math.max(0, failedAttempts - 1));
        return (long) Math.min(maxBackoffMS, backoff);
    }

    /** The longest one attempt can take: borrow (connect included) plus one socket read. */
    long attemptBoundMS() {
        return borrowTimeoutMS + connectTimeoutMS + socketTimeoutMS;
    }

    /**
     * A pool of at most one connection: a writer sends from a single thread, so a second connection
     * would never be used. Broken connections (the writer marks every connection that saw an error)
     * are destroyed on return and the next borrow connects afresh, which is how the sink survives a
     * Redis restart. {@code testWhileIdle} retires connections that died while idle without paying
     * a PING per batch.
     */
    JedisPool createPool() {
        URI uri = URI.create(redisUri);
        DefaultJedisClientConfig.Builder client =
                DefaultJedisClientConfig.builder()
                        .connectionTimeoutMillis(Math.toIntExact(connectTimeoutMS))
                        .socketTimeoutMillis(Math.toIntExact(socketTimeoutMS))
                        .user(JedisURIHelper.getUser(uri))
                        .password(JedisURIHelper.getPassword(uri))
                        .database(JedisURIHelper.getDBIndex(uri))
                        .ssl(JedisURIHelper.isRedisSSLScheme(uri));
        RedisProtocol protocol = JedisURIHelper.getRedisProtocol(uri);
        if (protocol != null) {
            client.protocol(protocol);
        }
        JedisPoolConfig pool = new JedisPoolConfig();
        pool.setMaxTotal(1);
        pool.setMaxIdle(1);
        pool.setMinIdle(0);
        pool.setBlockWhenExhausted(true);
        pool.setMaxWait(Duration.ofMillis(borrowTimeoutMS));
        // one MBean per subtask would only clutter JMX; the sink's Flink metrics cover it
        pool.setJmxEnabled(false);
        return new JedisPool(pool, JedisURIHelper.getHostAndPort(uri), client.build());
    }

    /** The URI without credentials, for logs and exception messages. */
    String redactedUri() {
        return redact(redisUri);
    }

    static String redact(String redisUri) {
        try {
            URI uri = URI.create(redisUri);
            if (uri.getUserInfo() == null) {
                return redisUri;
            }
            return new URI(
                            uri.getScheme(),
                            "***",
                            uri.getHost(),
                            uri.getPort(),
                            uri.getPath(),
                            uri.getQuery(),
                            uri.getFragment())
                    .toString();
        } catch (Exception notAUri) {
            return "<unparseable redisUri>";
        }
    }
}

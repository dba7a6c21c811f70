package com.marketcast.connectors.redis;

import java.net.URI;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * Builds a {@link RedisSink}; obtain one with {@link RedisSink#builder()}.
 *
 * <p>Only {@link #setRedisUri(String)} and {@link #setSerializer(RedisWriteSerializer)} are
 * required; every other setting has the default shown by its {@code DEFAULT_*} constant. {@link
 * #build()} checks the settings together and names the offending one, so a bad configuration fails
 * when the job graph is built rather than on a TaskManager.
 *
 * <p>There is deliberately no setter for the number of in-flight requests: the sink keeps it at
 * one, because that is what keeps writes to the same key in order (see {@link RedisSink}).
 */
public final class RedisSinkBuilder<IN> {
    /** Commands per pipelined batch. */
    public static final int DEFAULT_MAX_BATCH_SIZE = 512;

    /** Commands held in the writer's buffer before {@code write} blocks (backpressure). */
    public static final int DEFAULT_MAX_BUFFERED_REQUESTS = 8192;

    /** How long a command may wait for its batch to fill before it is sent anyway. */
    public static final long DEFAULT_MAX_TIME_IN_BUFFER_MS = 5;

    public static final long DEFAULT_MAX_BATCH_SIZE_IN_BYTES = 8L * 1024 * 1024;
    public static final long DEFAULT_MAX_RECORD_SIZE_IN_BYTES = 1024L * 1024;
    public static final int DEFAULT_MAX_RETRIES = 8;
    public static final long DEFAULT_INITIAL_BACKOFF_MS = 50;
    public static final long DEFAULT_MAX_BACKOFF_MS = 2_000;
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
    public static final long DEFAULT_SOCKET_TIMEOUT_MS = 2_000;
    public static final long DEFAULT_BORROW_TIMEOUT_MS = 2_000;

    /** A safety net only: every attempt is bounded by the timeouts above. */
    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

    private String redisUri;
    private RedisWriteSerializer<IN> serializer;
    private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
    private int maxBufferedRequests = DEFAULT_MAX_BUFFERED_REQUESTS;
    private long maxTimeInBufferMS = DEFAULT_MAX_TIME_IN_BUFFER_MS;
    private long maxBatchSizeInBytes = DEFAULT_MAX_BATCH_SIZE_IN_BYTES;
    private long maxRecordSizeInBytes = DEFAULT_MAX_RECORD_SIZE_IN_BYTES;
    private int maxRetries = DEFAULT_MAX_RETRIES;
    private long initialBackoffMS = DEFAULT_INITIAL_BACKOFF_MS;
    private long maxBackoffMS = DEFAULT_MAX_BACKOFF_MS;
    private long connectTimeoutMS = DEFAULT_CONNECT_TIMEOUT_MS;
    private long socketTimeoutMS = DEFAULT_SOCKET_TIMEOUT_MS;
    private long borrowTimeoutMS = DEFAULT_BORROW_TIMEOUT_MS;
    private long requestTimeoutMS = DEFAULT_REQUEST_TIMEOUT_MS;

    RedisSinkBuilder() {}

    /**
     * {@code redis://[[user]:password@]host:port[/db]}, or {@code rediss://} for TLS; the forms
     * jedis accepts.
     */
    public RedisSinkBuilder<IN> setRedisUri(String redisUri) {
        this.redisUri = redisUri;
        return this;
    }

    public RedisSinkBuilder<IN> setSerializer(RedisWriteSerializer<IN> serializer) {
        this.serializer = serializer;
        return this;
    }

    public RedisSinkBuilder<IN> setMaxBatchSize(int maxBatchSize) {
        this.maxBatchSize = maxBatchSize;
        return this;
    }

    public RedisSinkBuilder<IN> setMaxBufferedRequests(int maxBufferedRequests) {
        this.maxBufferedRequests = maxBufferedRequests;
        return this;
    }

    public RedisSinkBuilder<IN> setMaxTimeInBufferMS(long maxTimeInBufferMS) {
        this.maxTimeInBufferMS = maxTimeInBufferMS;
        return this;
    }

    public RedisSinkBuilder<IN> setMaxBatchSizeInBytes(long maxBatchSizeInBytes) {
        this.maxBatchSizeInBytes = maxBatchSizeInBytes;
        return this;
    }

    public RedisSinkBuilder<IN> setMaxRecordSizeInBytes(long maxRecordSizeInBytes) {
        this.maxRecordSizeInBytes = maxRecordSizeInBytes;
        return this;
    }

    /** Retries after the first failed attempt of a batch; 0 fails the task on the first error. */
    public RedisSinkBuilder<IN> setMaxRetries(int maxRetries) {
        this.maxRetries = maxRetries;
        return this;
    }

    public RedisSinkBuilder<IN> setInitialBackoffMS(long initialBackoffMS) {
        this.initialBackoffMS = initialBackoffMS;
        return this;
    }

    public RedisSinkBuilder<IN> setMaxBackoffMS(long maxBackoffMS) {
        this.maxBackoffMS = maxBackoffMS;
        return this;
    }

    public RedisSinkBuilder<IN> setConnectTimeoutMS(long connectTimeoutMS) {
        this.connectTimeoutMS = connectTimeoutMS;
        return this;
    }

    public RedisSinkBuilder<IN> setSocketTimeoutMS(long socketTimeoutMS) {
        this.socketTimeoutMS = socketTimeoutMS;
        return this;
    }

    /** How long a writer waits for a pooled connection. */
    public RedisSinkBuilder<IN> setBorrowTimeoutMS(long borrowTimeoutMS) {
        this.borrowTimeoutMS = borrowTimeoutMS;
        return this;
    }

    /**
     * The longest a batch may stay in flight, backoff included, before the task fails. The sink
     * fails rather than re-queues on this timeout: a re-queued batch could be sent again while the
     * stalled attempt still completes, which would reorder writes.
     */
    public RedisSinkBuilder<IN> setRequestTimeoutMS(long requestTimeoutMS) {
        this.requestTimeoutMS = requestTimeoutMS;
        return this;
    }

    public RedisSink<IN> build() {
        sanityCheck();
        return new RedisSink<>(
                serializer,
                maxBatchSize,
                maxBufferedRequests,
                maxBatchSizeInBytes,
                maxTimeInBufferMS,
                maxRecordSizeInBytes,
                requestTimeoutMS,
                new RedisClientSettings(
                        redisUri,
                        connectTimeoutMS,
                        socketTimeoutMS,
                        borrowTimeoutMS,
                        maxRetries,
                        initialBackoffMS,
                        maxBackoffMS));
    }

    private void sanityCheck() {
        checkRedisUri();
        check(serializer != null, "serializer must be set");
        check(maxBatchSize > 0, "maxBatchSize must be positive, got " + maxBatchSize);
        // AsyncSinkWriter needs room for a full batch plus what arrives while it is in flight
        check(
                maxBufferedRequests > maxBatchSize,
                "maxBufferedRequests ("
                        + maxBufferedRequests
                        + ") must be greater than maxBatchSize ("
                        + maxBatchSize
                        + ")");
        check(
                maxTimeInBufferMS > 0,
                "maxTimeInBufferMS must be positive, got " + maxTimeInBufferMS);
        check(
                maxRecordSizeInBytes > 0,
                "maxRecordSizeInBytes must be positive, got " + maxRecordSizeInBytes);
        check(
                maxBatchSizeInBytes >= maxRecordSizeInBytes,
                "maxBatchSizeInBytes ("
                        + maxBatchSizeInBytes
                        + ") must be at least maxRecordSizeInBytes ("
                        + maxRecordSizeInBytes
                        + ")");
        check(maxRetries >= 0, "maxRetries must not be negative, got " + maxRetries);
        check(initialBackoffMS > 0, "initialBackoffMS must be positive, got " + initialBackoffMS);
        check(
                maxBackoffMS >= initialBackoffMS,
                "maxBackoffMS ("
                        + maxBackoffMS
                        + ") must be at least initialBackoffMS ("
                        + initialBackoffMS
                        + ")");
        checkIntMillis("connectTimeoutMS", connectTimeoutMS);
        checkIntMillis("socketTimeoutMS", socketTimeoutMS);
        check(borrowTimeoutMS > 0, "borrowTimeoutMS must be positive, got " + borrowTimeoutMS);
        long attemptAndBackoff =
                borrowTimeoutMS + connectTimeoutMS + socketTimeoutMS + maxBackoffMS;
        check(
                requestTimeoutMS > attemptAndBackoff,
                "requestTimeoutMS ("
                        + requestTimeoutMS
                        + ") must exceed one attempt plus the longest backoff (borrowTimeoutMS"
                        + " + connectTimeoutMS + socketTimeoutMS + maxBackoffMS = "
                        + attemptAndBackoff
                        + "), or healthy retries would fail the task");
    }

    private void checkRedisUri() {
        check(redisUri != null && !redisUri.isBlank(), "redisUri must be set");
        String shown = RedisClientSettings.redact(redisUri);
        URI uri;
        try {
            uri = new URI(redisUri);
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    "redisUri " + shown + " is not a URI: " + e.getMessage());
        }
        check(
                JedisURIHelper.isValid(uri)
                        && (JedisURIHelper.isRedisScheme(uri)
                                || JedisURIHelper.isRedisSSLScheme(uri)),
                "redisUri "
                        + shown
                        + " must look like redis://host:port or rediss://host:port"
                        + " (optionally with user:password@ and /db)");
        try {
            JedisURIHelper.getDBIndex(uri);
            JedisURIHelper.getPassword(uri);
            JedisURIHelper.getRedisProtocol(uri);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "redisUri " + shown + " is malformed: " + e.getMessage());
        }
    }

    private static void checkIntMillis(String name, long value) {
        // jedis takes socket timeouts as int milliseconds
        check(
                value > 0 && value <= Integer.MAX_VALUE,
                name + " must be between 1 and " + Integer.MAX_VALUE + " ms, got " + value);
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}

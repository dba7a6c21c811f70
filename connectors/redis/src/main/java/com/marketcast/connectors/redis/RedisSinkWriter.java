package com.marketcast.connectors.redis;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriter;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Sends the batches {@link AsyncSinkWriter} hands it as one jedis pipeline each, on a dedicated I/O
 * thread, so the task thread keeps buffering while a batch is in flight.
 *
 * <p>Failure handling: a batch that fails (connection lost, timeout, or Redis rejected a command)
 * is handed back through {@link ResultHandler#retryForEntries} after an exponential backoff; until
 * then it counts as in flight, so nothing overtakes it. After {@code maxRetries} consecutive failed
 * attempts the writer fails the task with a {@link RedisSinkException}.
 *
 * <p>Metrics, beside the {@code numRecordsOut}/{@code numBytesOut}/{@code currentSendTime} that
 * {@code AsyncSinkWriter} registers: {@code numPublishes}, {@code numSets} and {@code numDeletes}
 * (commands Redis accepted, repeats by retries included), {@code numBatches} (pipelines that
 * succeeded), {@code numFailedAttempts}, {@code numRetries}, and the histogram {@code
 * flushLatencyMicros} (one successful pipeline round trip, connection borrow included).
 */
final class RedisSinkWriter<IN> extends AsyncSinkWriter<IN, RedisWrite> {
    private static final Logger LOG = LoggerFactory.getLogger(RedisSinkWriter.class);
    private static final int LATENCY_WINDOW = 1024;

    private final RedisClientSettings settings;
    private final String redisUri;
    private final JedisPool pool;
    private final ScheduledExecutorService io;

    private final Counter numPublishes;
    private final Counter numSets;
    private final Counter numDeletes;
    private final Counter numBatches;
    private final Counter numFailedAttempts;
    private final Counter numRetries;
    private final Histogram flushLatencyMicros;

    /*
     * Failed attempts since the last successful one. Only the I/O thread touches it. With one
     * batch in flight and retried commands put back at the head of the buffer, every attempt in a
     * failure streak starts with the same oldest command, so this is the number of attempts spent
     * on it. A partial success (Redis acknowledged a prefix, then rejected a command) does not
     * reset it: a command Redis keeps rejecting must still exhaust the retries.
     */
    private int consecutiveFailures;

    RedisSinkWriter(
            ElementConverter<IN, RedisWrite> elementConverter,
            WriterInitContext context,
            AsyncSinkWriterConfiguration configuration,
            Collection<BufferedRequestState<RedisWrite>> recoveredState,
            RedisClientSettings settings) {
        super(elementConverter, context, configuration, recoveredState);
        this.settings = settings;
        this.redisUri = settings.redactedUri();

        MetricGroup metrics = context.metricGroup();
        this.numPublishes = metrics.counter("numPublishes");
        this.numSets = metrics.counter("numSets");
        this.numDeletes = metrics.counter("numDeletes");
        this.numBatches = metrics.counter("numBatches");
        this.numFailedAttempts = metrics.counter("numFailedAttempts");
        this.numRetries = metrics.counter("numRetries");
        this.flushLatencyMicros =
                metrics.histogram(
                        "flushLatencyMicros", new DescriptiveStatisticsHistogram(LATENCY_WINDOW));

        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        ScheduledThreadPoolExecutor executor =
                new ScheduledThreadPoolExecutor(
                        1,
                        runnable -> {
                            Thread thread = new Thread(runnable, "redis-sink-io-" + subtask);
                            thread.setDaemon(true);
                            return thread;
                        });
        // a backoff still pending at close() belongs to a failing or finished task: drop it
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.io = executor;
        this.pool = settings.createPool();
        LOG.info("Redis sink subtask {} writes to {}", subtask, redisUri);
    }

    @Override
    protected void submitRequestEntries(
            List<RedisWrite> batch, ResultHandler<RedisWrite> resultHandler) {
        io.execute(
                () -> {
                    try {
                        attempt(batch, resultHandler);
                    } catch (Throwable t) {
                        // the executor would swallow it and the batch would hang until the
                        // request timeout: fail the task now instead
                        resultHandler.completeExceptionally(
                                new RedisSinkException("Redis sink I/O thread failed", t));
                    }
                });
    }

    @Override
    protected long getSizeInBytes(RedisWrite write) {
        return write.sizeInBytes();
    }

    /** Runs on the I/O thread. */
    private void attempt(List<RedisWrite> batch, ResultHandler<RedisWrite> resultHandler) {
        long start = System.nanoTime();
        Rejection rejection;
        try {
            rejection = pipeline(batch);
        } catch (Exception e) {
            // connection-level failure: any prefix of the batch may have been applied, so all of
            // it is retried (at-least-once: a retry can repeat commands, never reorder them)
            fail(batch, e, resultHandler);
            return;
        }
        if (rejection == null) {
            flushLatencyMicros.update((System.nanoTime() - start) / 1_000);
            numBatches.inc();
            consecutiveFailures = 0;
            resultHandler.complete();
        } else {
            // Redis applied everything before the rejected command, so the retry starts there.
            // Commands after it that Redis accepted are sent again, behind it: repeated, not
            // reordered. The usual rejections (OOM for SET, NOPERM, READONLY) hit every command
            // of their kind in the batch anyway.
            fail(batch.subList(rejection.index, batch.size()), rejection.error, resultHandler);
        }
    }

    /**
     * Sends the batch as one pipeline and reads every reply. Returns the first command Redis
     * rejected, or null if it accepted them all; throws if the connection failed.
     */
    private Rejection pipeline(List<RedisWrite> batch) {
        try (Jedis jedis = pool.getResource()) {
            try {
                Pipeline pipeline = jedis.pipelined();
                List<Response<?>> replies = new ArrayList<>(batch.size());
                for (RedisWrite write : batch) {
                    replies.add(
                            switch (write.command) {
                                case PUBLISH -> pipeline.publish(write.key, write.value);
                                case SET -> pipeline.set(write.key, write.value);
                                case DEL -> pipeline.del(write.key);
                            });
                }
                pipeline.sync();
                Rejection first = null;
                for (int i = 0; i < replies.size(); i++) {
                    try {
                        replies.get(i).get();
                        counter(batch.get(i).command).inc();
                    } catch (JedisDataException rejected) {
                        if (first == null) {
                            first = new Rejection(i, rejected);
                        }
                    }
                }
                return first;
            } catch (RuntimeException e) {
                // Replies may still be unread on this connection: closing a broken Jedis destroys
                // it instead of returning it to the pool, and the next borrow reconnects.
                jedis.getConnection().setBroken();
                throw e;
            }
        }
    }

    private void fail(
            List<RedisWrite> remaining, Exception cause, ResultHandler<RedisWrite> handler) {
        numFailedAttempts.inc();
        consecutiveFailures++;
        if (consecutiveFailures > settings.maxRetries) {
            String message =
                    String.format(
                            "Redis sink could not write %d commands to %s: %d attempts failed"
                                    + " (maxRetries = %d), last error: %s",
                            remaining.size(),
                            redisUri,
                            consecutiveFailures,
                            settings.maxRetries,
                            cause);
            LOG.error(message, cause);
            handler.completeExceptionally(new RedisSinkException(message, cause));
            return;
        }
        long backoff = settings.backoffMS(consecutiveFailures);
        LOG.warn(
                "Redis write of {} commands to {} failed (attempt {} of {}), retrying in {} ms: {}",
                remaining.size(),
                redisUri,
                consecutiveFailures,
                settings.maxRetries + 1,
                backoff,
                cause.toString());
        numRetries.inc();
        // copied: subList views must not outlive this call, and the writer re-queues the list
        List<RedisWrite> retry = new ArrayList<>(remaining);
        // The batch stays in flight during the backoff, so no later batch can overtake it; the
        // handler then puts these commands back at the head of the buffer.
        io.schedule(() -> handler.retryForEntries(retry), backoff, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        io.shutdownNow();
        try {
            // a pipeline still running ends within its socket timeout
            if (!io.awaitTermination(settings.attemptBoundMS(), TimeUnit.MILLISECONDS)) {
                LOG.warn(
                        "Redis sink I/O thread did not stop within {} ms",
                        settings.attemptBoundMS());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.close();
        super.close();
    }

    long publishCount() {
        return numPublishes.getCount();
    }

    long setCount() {
        return numSets.getCount();
    }

    long deleteCount() {
        return numDeletes.getCount();
    }

    private Counter counter(RedisWrite.Command command) {
        return switch (command) {
            case PUBLISH -> numPublishes;
            case SET -> numSets;
            case DEL -> numDeletes;
        };
    }

    long batchCount() {
        return numBatches.getCount();
    }

    long failedAttemptCount() {
        return numFailedAttempts.getCount();
    }

    long retryCount() {
        return numRetries.getCount();
    }

    long flushLatencySamples() {
        return flushLatencyMicros.getCount();
    }

    /** The first command of a batch that Redis rejected, and its error reply. */
    private record Rejection(int index, JedisDataException error) {}
}

package com.marketcast.connectors.redis;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.TestSinkInitContext;
import org.apache.flink.streaming.runtime.tasks.TestProcessingTimeService;

/**
 * Drives a {@link RedisSinkWriter} the way a Flink task does, on the test thread: that thread is
 * the writer's mailbox thread, so completions of batches (mails sent from the I/O thread) only run
 * while the harness yields to the mailbox. Processing time is manual ({@link #advanceTime}).
 */
final class WriterHarness implements AutoCloseable {
    private static final SinkWriter.Context NO_CONTEXT =
            new SinkWriter.Context() {
                @Override
                public long currentWatermark() {
                    return Long.MIN_VALUE;
                }

                @Override
                public Long timestamp() {
                    return null;
                }
            };

    private final HarnessContext context = new HarnessContext();
    private final MailboxExecutor mailbox = context.getMailboxExecutor();
    private final RedisSinkWriter<RedisWrite> writer;

    WriterHarness(RedisSink<RedisWrite> sink) {
        this(sink, List.of());
    }

    WriterHarness(RedisSink<RedisWrite> sink, Collection<BufferedRequestState<RedisWrite>> state) {
        this.writer = (RedisSinkWriter<RedisWrite>) sink.restoreWriter(context, state);
    }

    static RedisSinkBuilder<RedisWrite> sink(String redisUri) {
        return RedisSink.<RedisWrite>builder()
                .setRedisUri(redisUri)
                .setSerializer(RedisWriteSerializer.identity());
    }

    RedisSinkWriter<RedisWrite> writer() {
        return writer;
    }

    void write(RedisWrite write) throws Exception {
        writer.write(write, NO_CONTEXT);
    }

    /** What a checkpoint does: wait for the batch in flight, then snapshot the buffer. */
    BufferedRequestState<RedisWrite> checkpoint(long checkpointId) throws Exception {
        writer.flush(false);
        return writer.snapshotState(checkpointId).get(0);
    }

    /** What the end of input does: send everything. */
    void flushAll() throws Exception {
        writer.flush(true);
    }

    int buffered() {
        return writer.snapshotState(Long.MAX_VALUE).get(0).getBufferedRequestEntries().size();
    }

    /** Fires the writer's timers due within {@code millis} (its buffer timeout among them). */
    void advanceTime(long millis) throws Exception {
        context.time.advance(millis);
    }

    /** Runs mailbox mails (batch completions) until the condition holds. */
    void processMailsUntil(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            if (!mailbox.tryYield()) {
                // nothing to run yet: the I/O thread is still talking to Redis
                LockSupport.parkNanos(200_000);
            }
        }
    }

    @Override
    public void close() {
        writer.close();
    }

    /**
     * {@link TestSinkInitContext} with a clock of its own: the one it ships with is static, so a
     * writer closed in one test would have its buffer timer fired by another test's clock.
     */
    private static final class HarnessContext extends TestSinkInitContext {
        final TestProcessingTimeService time = new TestProcessingTimeService();

        @Override
        public ProcessingTimeService getProcessingTimeService() {
            return time;
        }
    }
}

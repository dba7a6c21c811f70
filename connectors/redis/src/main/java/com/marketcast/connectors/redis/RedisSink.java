package com.marketcast.connectors.redis;

import java.util.Collection;
import java.util.Collections;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSink;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.AsyncSinkBase;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A Flink Sink V2 that sends {@code PUBLISH}, {@code SET} and {@code DEL} commands to one Redis
 * server, in pipelined batches, in the order the elements arrive at each subtask.
 *
 * <p>Built on {@link AsyncSinkBase}: each subtask buffers commands (at most {@code
 * maxBufferedRequests}, then it backpressures) and sends a batch when {@code maxBatchSize} commands
 * are waiting or the oldest has waited {@code maxTimeInBufferMS}, whichever comes first. A
 * checkpoint waits for the batch in flight and stores the rest of the buffer in the checkpoint, so
 * the sink is at-least-once: after a failure a subscriber may see a message twice, never miss one.
 *
 * <p>Ordering: at most one batch per subtask is in flight, and a failed batch goes back to the head
 * of the buffer and is retried (with exponential backoff) before anything behind it is sent. Two
 * writes to the same key therefore reach Redis in stream order as long as the stream routes a key
 * to one subtask (key the stream before the sink). When the retries are exhausted the task fails
 * with a {@link RedisSinkException} and Flink's restart strategy takes over.
 *
 * <pre>{@code
 * RedisSink<RedisWrite> sink =
 *         RedisSink.<RedisWrite>builder()
 *                 .setRedisUri("redis://redis:6379")
 *                 .setSerializer(RedisWriteSerializer.identity())
 *                 .build();
 * stream.sinkTo(sink);
 * }</pre>
 */
public final class RedisSink<IN> extends AsyncSinkBase<IN, RedisWrite> {
    private static final long serialVersionUID = 1L;

    /*
     * One batch in flight per subtask. With two, batch N+1 could reach Redis while batch N waits
     * for a retry, and the retried commands would then overwrite (SET) or follow (PUBLISH) newer
     * ones for the same key. Pipelining within a batch keeps throughput high regardless.
     */
    private static final int MAX_IN_FLIGHT_REQUESTS = 1;

    /*
     * A request timeout fails the task instead of re-queueing the batch: the stalled attempt may
     * still complete on the I/O thread, and a re-queued copy sent meanwhile would break ordering.
     */
    private static final boolean FAIL_ON_TIMEOUT = true;

    private final RedisClientSettings clientSettings;

    RedisSink(
            RedisWriteSerializer<IN> serializer,
            int maxBatchSize,
            int maxBufferedRequests,
            long maxBatchSizeInBytes,
            long maxTimeInBufferMS,
            long maxRecordSizeInBytes,
            long requestTimeoutMS,
            RedisClientSettings clientSettings) {
        super(
                new RedisWriteElementConverter<>(serializer),
                maxBatchSize,
                MAX_IN_FLIGHT_REQUESTS,
                maxBufferedRequests,
                maxBatchSizeInBytes,
                maxTimeInBufferMS,
                maxRecordSizeInBytes,
                requestTimeoutMS,
                FAIL_ON_TIMEOUT);
        this.clientSettings = clientSettings;
    }

    public static <IN> RedisSinkBuilder<IN> builder() {
        return new RedisSinkBuilder<>();
    }

    @Override
    public StatefulSink.StatefulSinkWriter<IN, BufferedRequestState<RedisWrite>> createWriter(
            WriterInitContext context) {
        return restoreWriter(context, Collections.emptyList());
    }

    @Override
    public StatefulSink.StatefulSinkWriter<IN, BufferedRequestState<RedisWrite>> restoreWriter(
            WriterInitContext context,
            Collection<BufferedRequestState<RedisWrite>> recoveredState) {
        return new RedisSinkWriter<>(
                getElementConverter(),
                context,
                writerConfiguration(),
                recoveredState,
                clientSettings);
    }

    /**
     * Flink 1.20 creates writers through {@link #createWriter(WriterInitContext)}; this legacy
     * entry point (abstract in {@link Sink}, gone in Flink 2) is not supported.
     */
    @Override
    @Deprecated
    public StatefulSink.StatefulSinkWriter<IN, BufferedRequestState<RedisWrite>> createWriter(
            Sink.InitContext context) {
        throw new UnsupportedOperationException(
                "RedisSink creates its writer through createWriter(WriterInitContext)");
    }

    @Override
    public SimpleVersionedSerializer<BufferedRequestState<RedisWrite>> getWriterStateSerializer() {
        return new RedisWriteStateSerializer();
    }

    private AsyncSinkWriterConfiguration writerConfiguration() {
        return AsyncSinkWriterConfiguration.builder()
                .setMaxBatchSize(getMaxBatchSize())
                .setMaxBatchSizeInBytes(getMaxBatchSizeInBytes())
                .setMaxInFlightRequests(getMaxInFlightRequests())
                .setMaxBufferedRequests(getMaxBufferedRequests())
                .setMaxTimeInBufferMS(getMaxTimeInBufferMS())
                .setMaxRecordSizeInBytes(getMaxRecordSizeInBytes())
                .setRequestTimeoutMS(getRequestTimeoutMS())
                .setFailOnTimeout(getFailOnTimeout())
                .build();
    }
}

package com.marketcast.connectors.redis;

import java.io.Serializable;

/**
 * Turns a stream element into the Redis command the {@link RedisSink} sends for it.
 *
 * <p>It runs on the sink's task thread for every element, so it should be cheap and must not block;
 * it ships with the job graph, hence {@link Serializable}. It must return a complete {@link
 * RedisWrite} (command, key and value set): the sink fails the task otherwise, because a silently
 * dropped write is worse than a visible failure.
 */
@FunctionalInterface
public interface RedisWriteSerializer<IN> extends Serializable {

    RedisWrite serialize(IN element);

    /** For a stream that already carries {@link RedisWrite}s: {@code RedisSink<RedisWrite>}. */
    static RedisWriteSerializer<RedisWrite> identity() {
        return write -> write;
    }
}

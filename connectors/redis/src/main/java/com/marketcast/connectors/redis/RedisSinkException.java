package com.marketcast.connectors.redis;

/**
 * The {@link RedisSink} gave up on a batch: Redis stayed unreachable (or kept rejecting a command)
 * through every retry.
 *
 * <p>Thrown on the sink's task thread, so it fails the task; Flink's restart strategy then replays
 * from the last checkpoint, which is what makes the sink at-least-once across long outages.
 */
public class RedisSinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RedisSinkException(String message, Throwable cause) {
        super(message, cause);
    }
}

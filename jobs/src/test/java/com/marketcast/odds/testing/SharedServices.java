package com.marketcast.odds.testing;

import com.marketcast.embedded.EmbeddedKafka;
import com.marketcast.embedded.RedisServer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One Kafka broker and one redis-server per test JVM, started on first use and stopped when the
 * JVM's root test context closes. Tests isolate themselves with their own topic names and channel
 * ids ({@link #unique}).
 */
public final class SharedServices implements BeforeAllCallback {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static Services services;

    @Override
    public void beforeAll(ExtensionContext context) {
        services();
        context.getRoot()
                .getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(
                        SharedServices.class,
                        k -> (ExtensionContext.Store.CloseableResource) SharedServices::stop);
    }

    public static synchronized EmbeddedKafka kafka() {
        return services().kafka;
    }

    public static synchronized RedisServer redis() {
        return services().redis;
    }

    /** A name no other test of this JVM uses. */
    public static String unique(String prefix) {
        return prefix + "-" + SEQUENCE.incrementAndGet();
    }

    private static synchronized Services services() {
        if (services == null) {
            services = new Services(EmbeddedKafka.start(), RedisServer.start());
        }
        return services;
    }

    private static synchronized void stop() {
        if (services != null) {
            services.redis.close();
            services.kafka.close();
            services = null;
        }
    }

    private static final class Services {
        final EmbeddedKafka kafka;
        final RedisServer redis;

        Services(EmbeddedKafka kafka, RedisServer redis) {
            this.kafka = kafka;
            this.redis = redis;
        }
    }
}

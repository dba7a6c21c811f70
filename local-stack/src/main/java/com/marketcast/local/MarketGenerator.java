package com.marketcast.local;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link MarketSimulation} to the {@code market-updates} topic at a steady rate: the
 * synthetic feed of the local stack (and of benchmarks).
 *
 * <p>Lifecycle: {@link #start()} runs it on a daemon thread ({@link #run()} runs it on the calling
 * thread until {@link #close()}, an interrupt or {@link Settings#limit()} updates), {@link
 * #close()} stops it, flushes and closes the producer. Pacing is by schedule, not by sleeping a
 * fixed time per record: update {@code k} is due at {@code start + k / rate}, so a slow send is
 * caught up in a burst and the long-run rate is exact.
 */
public final class MarketGenerator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MarketGenerator.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * @param markets market slots (default 300, across ~120 events)
     * @param rate updates per second (default 200)
     * @param seed the simulation seed; the same seed replays the same feed (given the same timing)
     * @param limit stop after this many updates; 0 runs until closed
     */
    public record Settings(String topic, int markets, double rate, long seed, long limit) {
        public static final int DEFAULT_MARKETS = 300;
        public static final double DEFAULT_RATE = 200;

        public Settings {
            if (markets < 1) {
                throw new IllegalArgumentException("markets must be at least 1, got " + markets);
            }
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException(
                        "rate must be a positive number of updates/s, got " + rate);
            }
            if (limit < 0) {
                throw new IllegalArgumentException("limit must not be negative, got " + limit);
            }
        }

        public static Settings defaults(String topic) {
            return new Settings(topic, DEFAULT_MARKETS, DEFAULT_RATE, System.nanoTime(), 0);
        }

        public Settings withMarkets(int markets) {
            return new Settings(topic, markets, rate, seed, limit);
        }

        public Settings withRate(double rate) {
            return new Settings(topic, markets, rate, seed, limit);
        }

        public Settings withSeed(long seed) {
            return new Settings(topic, markets, rate, seed, limit);
        }

        public Settings withLimit(long limit) {
            return new Settings(topic, markets, rate, seed, limit);
        }
    }

    /** Where updates go: Kafka in the local stack, a list in tests. */
    public interface Publisher extends AutoCloseable {
        void publish(FeedUpdate update, byte[] json);

        @Override
        void close();
    }

    private final Settings settings;
    private final MarketSimulation simulation;
    private final Publisher publisher;
    private final AtomicLong generated = new AtomicLong();
    private volatile boolean running = true;
    private volatile Thread thread;

    public MarketGenerator(Settings settings, Publisher publisher) {
        this(settings, new MarketSimulation(settings.markets(), settings.seed()), publisher);
    }

    /** A generator of a given simulation (the catalog's markets); {@code markets} is not used. */
    public MarketGenerator(Settings settings, MarketSimulation simulation, Publisher publisher) {
        this.settings = settings;
        this.simulation = simulation;
        this.publisher = publisher;
    }

    /** A generator writing to {@code settings.topic()} with a Kafka producer keyed by market id. */
    public static MarketGenerator toKafka(String bootstrapServers, Settings settings) {
        return new MarketGenerator(
                settings, new KafkaPublisher(bootstrapServers, settings.topic()));
    }

    /** The same, feeding the given simulation. */
    public static MarketGenerator toKafka(
            String bootstrapServers, Settings settings, MarketSimulation simulation) {
        return new MarketGenerator(
                settings, simulation, new KafkaPublisher(bootstrapServers, settings.topic()));
    }

    /** What it feeds: the catalog churn tells it about closed and added markets. */
    public MarketSimulation simulation() {
        return simulation;
    }

    public Settings settings() {
        return settings;
    }

    /** Updates generated so far (handed to the publisher). */
    public long generated() {
        return generated.get();
    }

    /**
     * The ids of the hottest {@code n} open markets; see {@link MarketSimulation#openMarketIds}.
     */
    public List<String> hottestMarkets(int n) {
        return simulation.openMarketIds(n);
    }

    /** The markets it generates for now. */
    public List<MarketSimulation.MarketInfo> markets() {
        return simulation.markets();
    }

    /** Runs {@link #run()} on a daemon thread and returns at once. */
    public synchronized MarketGenerator start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = new Thread(this::run, "market-generator");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Generates on this thread until closed, interrupted, or the limit is reached. */
    public void run() {
        LOG.info(
                "Market generator: {} markets, {} updates/s to topic {}, seed {}",
                simulation.size(),
                settings.rate(),
                settings.topic(),
                settings.seed());
        double nanosPerUpdate = TimeUnit.SECONDS.toNanos(1) / settings.rate();
        long startNanos = System.nanoTime();
        long sent = 0;
        while (running && !Thread.currentThread().isInterrupted()) {
            long due = (long) ((System.nanoTime() - startNanos) / nanosPerUpdate) + 1;
            if (settings.limit() > 0) {
                due = Math.min(due, settings.limit());
            }
            while (sent < due && running) {
                FeedUpdate update = simulation.next(System.currentTimeMillis());
                publisher.publish(update, update.toJson());
                generated.incrementAndGet();
                sent++;
            }
            if (settings.limit() > 0 && sent >= settings.limit()) {
                break;
            }
            long nextDue = startNanos + (long) (sent * nanosPerUpdate);
            LockSupport.parkNanos(Math.max(0, nextDue - System.nanoTime()));
        }
        LOG.info("Market generator stopped after {} updates", sent);
    }

    /** Stops generating and closes the publisher, sending what it still buffers. */
    @Override
    public void close() {
        running = false;
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            LockSupport.unpark(t);
            try {
                t.join(CLOSE_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        publisher.close();
    }

    /** Acks from the leader only and a few ms of linger: a demo feed, not a ledger. */
    static final class KafkaPublisher implements Publisher {
        private final String topic;
        private final KafkaProducer<String, byte[]> producer;
        private final AtomicLong failures = new AtomicLong();

        KafkaPublisher(String bootstrapServers, String topic) {
            this.topic = topic;
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, "market-generator");
            props.put(ProducerConfig.ACKS_CONFIG, "1");
            props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            // idempotence needs acks=all; per-market order is kept by one in-flight request anyway
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
            props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            this.producer = new KafkaProducer<>(props);
        }

        @Override
        public void publish(FeedUpdate update, byte[] json) {
            producer.send(
                    new ProducerRecord<>(topic, update.marketId(), json),
                    (metadata, error) -> {
                        if (error != null && failures.getAndIncrement() % 1000 == 0) {
                            LOG.warn(
                                    "Market generator: send to {} failed ({} so far)",
                                    topic,
                                    failures.get(),
                                    error);
                        }
                    });
        }

        @Override
        public void close() {
            producer.close(CLOSE_TIMEOUT);
        }
    }
}

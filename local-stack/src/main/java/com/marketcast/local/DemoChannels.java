package com.marketcast.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Demo subscribers that talk to the job only through the command topic (PROTOCOL section 2), as the
 * gateway would: each channel is OPENed with its view, SUBSCRIBEs to markets and sends
 * BEGIN_STREAM; all are kept alive with a HEARTBEAT every minute (the job expires a silent channel
 * after {@code channel-ttl}) and DISCONNECTed on {@link #close()}, so the job releases their state
 * even when it keeps running (outside services).
 */
final class DemoChannels implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DemoChannels.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration HEARTBEAT_INTERVAL = Duration.ofMinutes(1);

    /**
     * A channel's view; {@code throttleMs} 0 sends every change at once. It follows its {@code
     * markets}, or with a {@code query} (PROTOCOL section 2, as JSON) every market that matches.
     */
    record Channel(
            String label,
            String channelId,
            String oddsFormat,
            long throttleMs,
            List<String> markets,
            String query) {
        Channel(
                String label,
                String channelId,
                String oddsFormat,
                long throttleMs,
                List<String> markets) {
            this(label, channelId, oddsFormat, throttleMs, markets, null);
        }

        /** A and the query channel are printed as they stream. */
        boolean tailed() {
            return label.equals("A") || query != null;
        }
    }

    private final String commandsTopic;
    private final KafkaProducer<String, String> producer;
    private final List<Channel> channels = new ArrayList<>();
    private final ScheduledExecutorService heartbeats;

    DemoChannels(String bootstrapServers, String commandsTopic) {
        this.commandsTopic = commandsTopic;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "demo-channels");
        // commands of a channel must stay in order (OPEN before SUBSCRIBE before BEGIN_STREAM)
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        this.producer = new KafkaProducer<>(props);
        this.heartbeats =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "demo-channel-heartbeats");
                            t.setDaemon(true);
                            return t;
                        });
        heartbeats.scheduleAtFixedRate(
                this::heartbeat,
                HEARTBEAT_INTERVAL.toMillis(),
                HEARTBEAT_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** A fresh channel id: unguessable, like the control API's. */
    static String newChannelId() {
        return UUID.randomUUID().toString();
    }

    /**
     * OPEN, SUBSCRIBE and BEGIN_STREAM: the subscriber should be listening on its channel first.
     */
    void open(Channel channel) {
        ObjectNode open =
                command("OPEN", channel.channelId()).put("oddsFormat", channel.oddsFormat());
        if (channel.throttleMs() > 0) {
            open.put("throttleMs", channel.throttleMs());
        }
        send(channel.channelId(), open);
        if (!channel.markets().isEmpty()) {
            ObjectNode subscribe = command("SUBSCRIBE", channel.channelId());
            channel.markets().forEach(subscribe.putArray("markets")::add);
            send(channel.channelId(), subscribe);
        }
        if (channel.query() != null) {
            ObjectNode subscribe = command("SUBSCRIBE", channel.channelId());
            subscribe.put("queryId", channel.label());
            try {
                subscribe.set("query", JSON.readTree(channel.query()));
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("not a JSON query: " + channel.query(), e);
            }
            send(channel.channelId(), subscribe);
        }
        send(channel.channelId(), command("BEGIN_STREAM", channel.channelId()));
        producer.flush();
        synchronized (channels) {
            channels.add(channel);
        }
    }

    List<Channel> channels() {
        synchronized (channels) {
            return List.copyOf(channels);
        }
    }

    private void heartbeat() {
        try {
            for (Channel channel : channels()) {
                send(channel.channelId(), command("HEARTBEAT", channel.channelId()));
            }
            producer.flush();
        } catch (RuntimeException e) {
            LOG.warn("Demo channels: heartbeat failed", e);
        }
    }

    @Override
    public void close() {
        heartbeats.shutdownNow();
        try {
            for (Channel channel : channels()) {
                send(channel.channelId(), command("DISCONNECT", channel.channelId()));
            }
            producer.flush();
        } catch (RuntimeException e) {
            LOG.warn("Demo channels: could not send DISCONNECT", e);
        } finally {
            producer.close(Duration.ofSeconds(5));
        }
    }

    private static ObjectNode command(String type, String channelId) {
        return JSON.createObjectNode().put("type", type).put("channelId", channelId);
    }

    private void send(String channelId, ObjectNode command) {
        producer.send(
                new ProducerRecord<>(commandsTopic, channelId, command.toString()),
                (metadata, error) -> {
                    if (error != null) {
                        LOG.warn("Demo channels: command {} failed", command, error);
                    }
                });
    }
}

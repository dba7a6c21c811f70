package com.marketcast.odds.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** Sends a subscriber's commands (PROTOCOL section 2) to a command topic, keyed by channel. */
public final class ChannelCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaClients kafka;
    private final String topic;

    public ChannelCommands(KafkaClients kafka, String topic) {
        this.kafka = kafka;
        this.topic = topic;
    }

    /** A command whose {@code %s} is the channel id. */
    public void send(String channel, String template) {
        kafka.send(topic, channel, String.format(template, channel));
    }

    public void subscribeAndBegin(String channel, List<String> markets) {
        send(
                channel,
                "{\"type\":\"SUBSCRIBE\",\"channelId\":\"%s\",\"markets\":"
                        + JSON.valueToTree(markets)
                        + "}");
        send(channel, "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\"}");
    }

    /** BEGIN_STREAM for one market: what a subscriber sends when it sees a gap. */
    public void resync(String channel, String market) {
        send(
                channel,
                "{\"type\":\"BEGIN_STREAM\",\"channelId\":\"%s\",\"markets\":[\""
                        + market
                        + "\"]}");
    }

    public void heartbeat(String channel) {
        send(channel, "{\"type\":\"HEARTBEAT\",\"channelId\":\"%s\"}");
    }
}

package com.marketcast.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marketcast.embedded.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

class MarketGeneratorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void runsAtTheRateUntilItsLimit() {
        List<FeedUpdate> published = new CopyOnWriteArrayList<>();
        MarketGenerator.Settings settings =
                MarketGenerator.Settings.defaults("market-updates")
                        .withMarkets(50)
                        .withRate(1000)
                        .withSeed(3)
                        .withLimit(500);
        long start = System.nanoTime();
        try (MarketGenerator generator = new MarketGenerator(settings, listPublisher(published))) {
            generator.run();
            assertThat(generator.generated()).isEqualTo(500);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(published).hasSize(500);
        // 500 updates at 1000/s: about half a second, never much faster
        assertThat(seconds).isBetween(0.4, 5.0);
    }

    @Test
    void closeStopsABackgroundGenerator() throws Exception {
        List<FeedUpdate> published = new CopyOnWriteArrayList<>();
        MarketGenerator generator =
                new MarketGenerator(
                        MarketGenerator.Settings.defaults("t").withRate(2000).withSeed(1),
                        listPublisher(published));
        generator.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (published.size() < 100 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        generator.close();

        // close() joins the generator thread: nothing is published after it returns
        int afterClose = published.size();
        assertThat(afterClose).isGreaterThanOrEqualTo(100);
        assertThat(generator.generated()).isEqualTo(afterClose);
    }

    @Test
    void writesProtocolJsonKeyedByMarketToKafka() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("market-updates", 4);
            MarketGenerator.Settings settings =
                    MarketGenerator.Settings.defaults("market-updates")
                            .withMarkets(20)
                            .withRate(2000)
                            .withSeed(11)
                            .withLimit(300);
            try (MarketGenerator generator =
                    MarketGenerator.toKafka(kafka.bootstrapServers(), settings)) {
                generator.run();
            }

            List<ConsumerRecord<String, String>> records = consumeAll(kafka, "market-updates", 300);

            assertThat(records).hasSize(300);
            Map<String, Long> lastSeq = new HashMap<>();
            for (ConsumerRecord<String, String> record : records) {
                JsonNode update = JSON.readTree(record.value());
                assertThat(update.path("marketId").asText()).isEqualTo(record.key());
                assertThat(update.path("seq").isIntegralNumber()).isTrue();
                assertThat(update.path("ts").asLong()).isPositive();
                for (JsonNode selection : update.path("selections")) {
                    assertThat(selection.path("price").asDouble()).isGreaterThan(1.0);
                }
                // one market is one key is one partition: its seq arrives in order
                long previous = lastSeq.getOrDefault(record.key(), 0L);
                assertThat(update.path("seq").asLong()).isGreaterThan(previous);
                lastSeq.put(record.key(), update.path("seq").asLong());
            }
            assertThat(lastSeq).hasSize(20);
        }
    }

    private static MarketGenerator.Publisher listPublisher(List<FeedUpdate> published) {
        return new MarketGenerator.Publisher() {
            @Override
            public void publish(FeedUpdate update, byte[] json) {
                published.add(update);
            }

            @Override
            public void close() {}
        };
    }

    private static List<ConsumerRecord<String, String>> consumeAll(
            EmbeddedKafka kafka, String topic, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "generator-test");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}

package com.marketcast.local;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * Records in a topic so far, as the sum of its partitions' end offsets: how many updates entered
 * the data topic (from the generator or from outside) and how many dead letters the job wrote,
 * without consuming either.
 */
final class TopicCounter implements AutoCloseable {
    private final Admin admin;

    TopicCounter(String bootstrapServers) {
        this.admin =
                Admin.create(
                        Map.of(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrapServers,
                                AdminClientConfig.CLIENT_ID_CONFIG,
                                "local-stack-counter",
                                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                                5000,
                                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                                3000));
    }

    /**
     * The end offsets summed, or -1 when the topic does not exist (yet) or Kafka does not answer.
     */
    long records(String topic) {
        try {
            TopicDescription description =
                    admin.describeTopics(Set.of(topic))
                            .allTopicNames()
                            .get(5, TimeUnit.SECONDS)
                            .get(topic);
            Map<TopicPartition, OffsetSpec> latest =
                    description.partitions().stream()
                            .collect(
                                    Collectors.toMap(
                                            p -> new TopicPartition(topic, p.partition()),
                                            p -> OffsetSpec.latest()));
            return admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS).values().stream()
                    .mapToLong(info -> info.offset())
                    .sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (Exception e) {
            return -1;
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}

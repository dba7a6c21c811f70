package com.marketcast.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class WorkloadTest {

    @Test
    void channelIdsAreDistinctCanonicalVersion4Uuids() {
        Set<String> ids = new HashSet<>();
        for (int c = 0; c < 125_000; c++) {
            String id = Workload.channelId(c, 4);
            UUID uuid = UUID.fromString(id);
            assertThat(uuid.toString()).isEqualTo(id);
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            ids.add(id);
        }
        assertThat(ids).hasSize(125_000);
    }

    @Test
    void aChannelIdIsTheSameInEveryRunAndStartsWithItsShard() {
        assertThat(Workload.channelId(12_345, 16)).isEqualTo(Workload.channelId(12_345, 16));
        for (int c = 0; c < 100; c++) {
            String pattern = Workload.shardPattern(c % 16);
            String channel = "stream:" + Workload.channelId(c, 16);
            assertThat(channel).startsWith(pattern.substring(0, pattern.length() - 1));
        }
    }

    @Test
    void moreShardsThanAHexDigitTellsApartAreRefused() {
        assertThatThrownBy(() -> BenchmarkOptions.parse(new String[] {"--shards", "17"}))
                .hasMessageContaining("shards")
                .hasMessageContaining("between 1 and 16");
    }
}

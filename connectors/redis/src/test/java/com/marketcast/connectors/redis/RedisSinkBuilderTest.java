package com.marketcast.connectors.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RedisSinkBuilderTest {

    private static RedisSinkBuilder<RedisWrite> valid() {
        return RedisSink.<RedisWrite>builder()
                .setRedisUri("redis://localhost:6379")
                .setSerializer(RedisWriteSerializer.identity());
    }

    @Test
    void buildsWithDefaults() throws Exception {
        RedisSink<RedisWrite> sink = valid().build();
        // the sink ships with the job graph
        assertThat(InstantiationUtil.clone(sink)).isNotNull();
    }

    @Test
    void acceptsTheUriFormsJedisSupports() {
        for (String uri :
                new String[] {
                    "redis://127.0.0.1:6379",
                    "redis://:secret@redis:6379/2",
                    "redis://user:secret@redis:6379",
                    "rediss://redis.example.com:6380/0"
                }) {
            assertThat(valid().setRedisUri(uri).build()).as(uri).isNotNull();
        }
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                bad("redisUri", b -> b.setRedisUri(null)),
                bad("redisUri", b -> b.setRedisUri("localhost:6379")),
                bad("redisUri", b -> b.setRedisUri("http://localhost:6379")),
                bad("redisUri", b -> b.setRedisUri("redis://localhost")),
                bad("redisUri", b -> b.setRedisUri("redis://localhost:6379/notadb")),
                bad("serializer", b -> b.setSerializer(null)),
                bad("maxBatchSize", b -> b.setMaxBatchSize(0)),
                bad("maxBufferedRequests", b -> b.setMaxBatchSize(100).setMaxBufferedRequests(100)),
                bad("maxTimeInBufferMS", b -> b.setMaxTimeInBufferMS(0)),
                bad("maxRecordSizeInBytes", b -> b.setMaxRecordSizeInBytes(0)),
                bad(
                        "maxBatchSizeInBytes",
                        b -> b.setMaxBatchSizeInBytes(10).setMaxRecordSizeInBytes(11)),
                bad("maxRetries", b -> b.setMaxRetries(-1)),
                bad("initialBackoffMS", b -> b.setInitialBackoffMS(0)),
                bad("maxBackoffMS", b -> b.setInitialBackoffMS(100).setMaxBackoffMS(99)),
                bad("connectTimeoutMS", b -> b.setConnectTimeoutMS(0)),
                bad("socketTimeoutMS", b -> b.setSocketTimeoutMS(1L + Integer.MAX_VALUE)),
                bad("borrowTimeoutMS", b -> b.setBorrowTimeoutMS(-5)),
                bad("requestTimeoutMS", b -> b.setRequestTimeoutMS(5_000)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSettings")
    void rejectsABadSettingByName(
            String setting, UnaryOperator<RedisSinkBuilder<RedisWrite>> spoil) {
        assertThatThrownBy(() -> spoil.apply(valid()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(setting);
    }

    @Test
    void neverShowsThePasswordOfABadUri() {
        assertThatThrownBy(() -> valid().setRedisUri("redis://:hunter2@localhost").build())
                .hasMessageContaining("redisUri")
                .hasMessageNotContaining("hunter2");
    }

    private static Arguments bad(
            String setting, UnaryOperator<RedisSinkBuilder<RedisWrite>> spoil) {
        return Arguments.of(setting, spoil);
    }
}

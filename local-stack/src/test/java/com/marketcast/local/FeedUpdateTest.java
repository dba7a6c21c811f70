package com.marketcast.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeedUpdateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writesTheProtocolShape() throws Exception {
        FeedUpdate update =
                new FeedUpdate(
                        "m-1001",
                        "e-17",
                        42,
                        1732260000123L,
                        "OPEN",
                        List.of(
                                new FeedUpdate.Price("home", 1.85),
                                new FeedUpdate.Price("draw", 3.4)));

        String json = new String(update.toJson(), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(json)
                .isEqualTo(
                        "{\"marketId\":\"m-1001\",\"eventId\":\"e-17\",\"seq\":42,\"ts\":1732260000123,"
                                + "\"status\":\"OPEN\",\"selections\":[{\"id\":\"home\",\"price\":1.85},"
                                + "{\"id\":\"draw\",\"price\":3.4}]}");
    }

    @Test
    void leavesOutWhatDidNotChange() throws Exception {
        JsonNode priceMove =
                JSON.readTree(
                        new FeedUpdate(
                                        "m-1",
                                        "e-1",
                                        2,
                                        1L,
                                        null,
                                        List.of(new FeedUpdate.Price("away", 4.2)))
                                .toJson());
        assertThat(priceMove.has("status")).isFalse();
        assertThat(priceMove.path("selections")).hasSize(1);

        JsonNode suspension =
                JSON.readTree(new FeedUpdate("m-1", "e-1", 3, 1L, "SUSPENDED", List.of()).toJson());
        assertThat(suspension.path("status").asText()).isEqualTo("SUSPENDED");
        assertThat(suspension.has("selections")).isFalse();
    }
}

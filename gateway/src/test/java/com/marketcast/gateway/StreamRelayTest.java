package com.marketcast.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The relay between a channel's Redis messages and a socket that may be slow. */
class StreamRelayTest {
    /** A socket that completes a write only when told to: a slow client. */
    private static final class SlowSocket implements StreamRelay.Socket {
        final List<String> written = new ArrayList<>();
        Runnable pending;

        @Override
        public void send(String text, Runnable onSent, Consumer<Throwable> onFailed) {
            written.add(text);
            pending = onSent;
        }

        void complete() {
            Runnable done = pending;
            pending = null;
            done.run();
        }
    }

    private final List<List<String>> resyncs = new ArrayList<>();

    @Test
    void writesOneMessageAtATimeAndForwardsOnlyTheChain() {
        SlowSocket socket = new SlowSocket();
        StreamRelay relay =
                new StreamRelay("c", new ObjectMapper(), 16, socket, resyncs::add, () -> 0L);
        relay.sendControl("{\"type\":\"ack\"}");
        relay.onStreamMessage(StreamJson.snapshot("m", 1, 10));
        relay.onStreamMessage(StreamJson.delta("m", 1, 11, 10));
        relay.onStreamMessage(StreamJson.delta("m", 1, 11, 10));
        relay.onStreamMessage(StreamJson.delta("m", 1, 14, 13));
        assertThat(socket.written).hasSize(1);
        socket.complete();
        socket.complete();
        socket.complete();
        assertThat(socket.written).hasSize(3);
        assertThat(socket.written.get(2)).contains("\"version\":11");
        assertThat(resyncs).containsExactly(List.of("m"));
    }

    @Test
    void aSlowClientGetsMarketsResyncedInsteadOfAHole() {
        SlowSocket socket = new SlowSocket();
        StreamRelay relay =
                new StreamRelay("c", new ObjectMapper(), 16, socket, resyncs::add, () -> 0L);
        relay.onStreamMessage(StreamJson.snapshot("m", 1, 1)); // in flight
        for (int v = 2; v <= 20; v++) {
            relay.onStreamMessage(StreamJson.delta("m", 1, v, v - 1));
        }
        // the queue overflowed on m: its queued deltas went and m is resynced once
        assertThat(resyncs).containsExactly(List.of("m"));
        relay.onStreamMessage(StreamJson.delta("m", 1, 21, 20)); // waits for the resync: dropped
        relay.onStreamMessage(StreamJson.snapshot("m", 1, 21));
        socket.complete();
        assertThat(socket.written).hasSize(2);
        assertThat(socket.written.get(1))
                .contains("\"type\":\"snapshot\"")
                .contains("\"version\":21");
    }
}

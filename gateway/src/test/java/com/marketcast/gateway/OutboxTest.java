package com.marketcast.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bounded, per-market conflating queue of one WebSocket. */
class OutboxTest {
    @Test
    void keepsOrderWithinAndAcrossMarkets() {
        Outbox outbox = new Outbox(8);
        outbox.offer("a", "a1", true);
        outbox.offer("b", "b1", true);
        outbox.offer("a", "a2", false);
        assertThat(drain(outbox)).containsExactly("a1", "b1", "a2");
    }

    @Test
    void aSnapshotReplacesWhatIsQueuedForItsMarket() {
        Outbox outbox = new Outbox(8);
        outbox.offer("a", "a1", true);
        outbox.offer("b", "b1", true);
        outbox.offer("a", "a2", false);
        assertThat(outbox.offer("a", "a-snapshot", true)).isEmpty();
        assertThat(drain(outbox)).containsExactly("b1", "a-snapshot");
    }

    @Test
    void aFullQueueDropsWholeMarketsAndNamesThemForResync() {
        Outbox outbox = new Outbox(4);
        outbox.offer("a", "a1", true);
        outbox.offer("b", "b1", true);
        outbox.offer("a", "a2", false);
        outbox.offer("c", "c1", true);
        // full: the delta of a overflows, a's queue goes, and a is resynced
        assertThat(outbox.offer("a", "a3", false)).containsExactly("a");
        assertThat(drain(outbox)).containsExactly("b1", "c1");
    }

    @Test
    void aFullQueueDropsTheOldestMarketsForASnapshot() {
        Outbox outbox = new Outbox(2);
        outbox.offer("a", "a1", true);
        outbox.offer("b", "b1", true);
        assertThat(outbox.offer("c", "c1", true)).containsExactly("a");
        assertThat(drain(outbox)).containsExactly("b1", "c1");
    }

    @Test
    void controlMessagesGoFirst() {
        Outbox outbox = new Outbox(2);
        outbox.offer("a", "a1", true);
        outbox.offerControl("ack");
        assertThat(drain(outbox)).containsExactly("ack", "a1");
    }

    private static List<String> drain(Outbox outbox) {
        List<String> out = new ArrayList<>();
        for (String next = outbox.poll(); next != null; next = outbox.poll()) {
            out.add(next);
        }
        return out;
    }
}

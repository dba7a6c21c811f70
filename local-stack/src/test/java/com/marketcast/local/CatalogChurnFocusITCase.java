package com.marketcast.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The churn with a focus (what the demo tails show) against a real PostgreSQL with the sample
 * catalog: a good share of its changes hit the focus markets and the focus sport's next events. The
 * fake clock stands still, so nothing it suspends is reopened and the suspensions stay visible.
 */
class CatalogChurnFocusITCase {
    private static final int STEPS = 150;
    private static final String SPORT = "tennis";
    private static EmbeddedPostgres postgres;
    private static LocalCatalog catalog;
    private static List<String> focus;
    private static final List<Map.Entry<CatalogChurn.Change, String>> changes = new ArrayList<>();

    @BeforeAll
    static void churn() throws SQLException {
        postgres = EmbeddedPostgres.start();
        catalog = LocalCatalog.loadSample(postgres);
        MarketSimulation simulation = new MarketSimulation(catalog.openMarkets(), 5);
        // what demo channel A shows: markets of an in-play event
        focus = simulation.openMarketIds(25).subList(20, 25);
        AtomicLong now = new AtomicLong(1_800_000_000_000L);
        CatalogChurn churn =
                new CatalogChurn(catalog, simulation, Duration.ofSeconds(2), 23, now::get)
                        .focus(focus, SPORT, 120)
                        .onChange((change, what) -> changes.add(Map.entry(change, what)));
        for (int i = 0; i < STEPS; i++) {
            churn.step();
        }
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Test
    void suspendsTheFocusMarketsOften() throws SQLException {
        List<String> suspended = targets(CatalogChurn.Change.SUSPEND);
        long onFocus = suspended.stream().filter(focus::contains).count();
        assertThat(onFocus).isGreaterThanOrEqualTo(suspended.size() / 4).isPositive();
        // the clock stands still: none reopened
        assertThat(targets(CatalogChurn.Change.REOPEN)).isEmpty();
        for (String market : suspended) {
            // (or settled since by a closure of a market of an in-play event)
            assertThat(string("SELECT status FROM markets WHERE market_id = ?", market))
                    .isIn("SUSPENDED", "CLOSED");
        }
    }

    @Test
    void renamesTheFocusMarketsEvent() throws SQLException {
        String focusEvent =
                string("SELECT event_id FROM markets WHERE market_id = ?", focus.get(0));
        assertThat(targets(CatalogChurn.Change.RENAME)).contains(focusEvent);
    }

    @Test
    void movesKickOffsAndStartsEventsOfTheFocusSport() throws SQLException {
        assertThat(sports(targets(CatalogChurn.Change.MOVE_KICK_OFF))).contains(SPORT);
        assertThat(sports(targets(CatalogChurn.Change.IN_PLAY))).contains(SPORT);
        for (String event : targets(CatalogChurn.Change.IN_PLAY)) {
            assertThat(string("SELECT in_play::text FROM events WHERE event_id = ?", event))
                    .isEqualTo("true");
        }
    }

    @Test
    void addsEventsOfTheFocusSportStartingSoonWithPricedMarkets() throws SQLException {
        List<String> soon = new ArrayList<>();
        for (String event : targets(CatalogChurn.Change.NEW_EVENT)) {
            if (SPORT.equals(string("SELECT sport FROM events WHERE event_id = ?", event))
                    && "true"
                            .equals(
                                    string(
                                            "SELECT (start_time < now() + interval '120 minutes')"
                                                    + "::text FROM events WHERE event_id = ?",
                                            event))) {
                soon.add(event);
            }
        }
        assertThat(soon).isNotEmpty();
        for (String event : soon) {
            assertThat(
                            string(
                                    "SELECT count(*)::text FROM markets WHERE event_id = ? AND"
                                            + " jsonb_array_length(selections) = 2",
                                    event))
                    .isEqualTo("2");
        }
    }

    private static List<String> targets(CatalogChurn.Change change) {
        return changes.stream()
                .filter(c -> c.getKey() == change)
                .map(c -> c.getValue().split(" ")[0])
                .toList();
    }

    private static List<String> sports(List<String> events) throws SQLException {
        List<String> sports = new ArrayList<>();
        for (String event : events) {
            sports.add(string("SELECT sport FROM events WHERE event_id = ?", event));
        }
        return sports;
    }

    private static String string(String sql, String parameter) throws SQLException {
        try (Connection connection = catalog.connect();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }
}

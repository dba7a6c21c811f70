package com.marketcast.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The catalog churn against a real PostgreSQL with the sample catalog: 300 steps with a fixed seed,
 * two seconds apart on a fake clock, make every kind of change and leave the catalog consistent.
 */
class CatalogChurnITCase {
    private static final int STEPS = 300;
    private static EmbeddedPostgres postgres;
    private static LocalCatalog catalog;
    private static MarketSimulation simulation;
    private static Map<CatalogChurn.Change, Long> counts;
    private static long sampleInPlay;
    private static List<String> sampleSuspended;

    @BeforeAll
    static void churn() throws SQLException {
        postgres = EmbeddedPostgres.start();
        catalog = LocalCatalog.loadSample(postgres);
        sampleInPlay = count("SELECT count(*) FROM events WHERE in_play");
        sampleSuspended = strings("SELECT market_id FROM markets WHERE status = 'SUSPENDED'");
        simulation = new MarketSimulation(catalog.openMarkets(), 5);
        AtomicLong now = new AtomicLong(1_800_000_000_000L);
        CatalogChurn churn =
                new CatalogChurn(catalog, simulation, Duration.ofSeconds(2), 17, now::get);
        for (int i = 0; i < STEPS; i++) {
            // free slots for the markets it adds: the feed removes closed ones
            churn.step();
            now.addAndGet(2_000);
        }
        counts = churn.counts();
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Test
    void makesEveryKindOfChange() {
        assertThat(counts)
                .allSatisfy((change, count) -> assertThat(count).as("%s", change).isPositive());
        assertThat(counts.values().stream().mapToLong(Long::longValue).sum())
                .isGreaterThan(STEPS * 9 / 10);
    }

    @Test
    void reopensWhatItSuspendedAfterAFewSeconds() throws SQLException {
        List<String> suspendedNow =
                strings("SELECT market_id FROM markets WHERE status = 'SUSPENDED'");
        suspendedNow.removeAll(sampleSuspended);
        // at most the last few suspensions (3 to 8 s, steps 2 s apart) are still running
        assertThat(suspendedNow).hasSizeLessThanOrEqualTo(4);
        assertThat(counts.get(CatalogChurn.Change.REOPEN)).isPositive();
    }

    @Test
    void closesMarketsOfInPlayEventsAndTheFeedDropsThem() throws SQLException {
        List<String> closed = strings("SELECT market_id FROM markets WHERE status = 'CLOSED'");
        assertThat(closed).hasSize(counts.get(CatalogChurn.Change.CLOSE_AND_ADD).intValue());
        assertThat(
                        count(
                                "SELECT count(*) FROM markets m JOIN events e USING (event_id)"
                                        + " WHERE m.status = 'CLOSED' AND NOT e.in_play"))
                .isZero();
        assertThat(simulation.markets())
                .extracting(MarketSimulation.MarketInfo::marketId)
                .doesNotContainAnyElementsOf(closed);
    }

    @Test
    void addedMarketsAndEventsAreWellFormed() throws SQLException {
        long added = count("SELECT count(*) FROM markets WHERE substr(market_id, 3)::int > 4020");
        assertThat(added)
                .isEqualTo(
                        counts.get(CatalogChurn.Change.CLOSE_AND_ADD)
                                + 2 * counts.get(CatalogChurn.Change.NEW_EVENT));
        assertThat(
                        count(
                                "SELECT count(*) FROM markets WHERE substr(market_id, 3)::int > 4020"
                                        + " AND NOT (jsonb_array_length(selections) = 2 AND"
                                        + " selections->0->>'id' = 'home' AND selections->1->>'id' ="
                                        + " 'away' AND length(selections->0->>'name') > 0 AND"
                                        + " length(selections->1->>'name') > 0)"))
                .isZero();
        assertThat(count("SELECT count(*) FROM events WHERE substr(event_id, 3)::int > 470"))
                .isEqualTo(counts.get(CatalogChurn.Change.NEW_EVENT));
        assertThat(
                        count(
                                "SELECT count(*) FROM events e WHERE substr(event_id, 3)::int >"
                                        + " 470 AND (split_part(name, ' v ', 1) = ''"
                                        + " OR split_part(name, ' v ', 2) = '' OR NOT EXISTS"
                                        + " (SELECT 1 FROM markets m WHERE m.event_id ="
                                        + " e.event_id))"))
                .isZero();
        // the feed prices the added markets that found a free slot
        assertThat(simulation.markets())
                .extracting(MarketSimulation.MarketInfo::marketId)
                .anyMatch(id -> Integer.parseInt(id.substring(2)) > 4020);
    }

    @Test
    void kickOffsPutEventsInPlayAndMovedKickOffsStayInTheFuture() throws SQLException {
        assertThat(count("SELECT count(*) FROM events WHERE in_play"))
                .isEqualTo(sampleInPlay + counts.get(CatalogChurn.Change.IN_PLAY));
        assertThat(count("SELECT count(*) FROM events WHERE in_play AND start_time > now()"))
                .isZero();
    }

    private static long count(String sql) throws SQLException {
        return Long.parseLong(strings(sql).get(0));
    }

    private static List<String> strings(String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection connection = catalog.connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }
}

package com.marketcast.odds.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marketcast.embedded.EmbeddedPostgres;
import com.marketcast.embedded.FreePorts;
import com.marketcast.odds.OddsSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The publication check before start-up, against a real PostgreSQL. */
class CatalogPublicationITCase {
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() {
        postgres = EmbeddedPostgres.start();
        postgres.execute(
                "CREATE TABLE events (event_id text PRIMARY KEY);"
                        + " CREATE TABLE markets (market_id text PRIMARY KEY)");
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Test
    void createsAMissingPublicationForTheTwoTables() throws SQLException {
        CatalogPublication.ensure(settings("pub_created", postgres.password()));
        assertThat(tablesOf("pub_created")).containsExactly("events", "markets");

        CatalogPublication.ensure(settings("pub_created", postgres.password())); // idempotent
        assertThat(tablesOf("pub_created")).containsExactly("events", "markets");
    }

    @Test
    void acceptsAPublicationForAllTables() throws SQLException {
        postgres.execute("CREATE PUBLICATION pub_all FOR ALL TABLES");
        CatalogPublication.ensure(settings("pub_all", postgres.password()));
        assertThat(tablesOf("pub_all")).contains("events", "markets");
    }

    @Test
    void rejectsAPublicationThatMissesATableNamingTheOption() {
        postgres.execute("CREATE PUBLICATION pub_partial FOR TABLE events");
        assertThatThrownBy(
                        () ->
                                CatalogPublication.ensure(
                                        settings("pub_partial", postgres.password())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--catalog-publication")
                .hasMessageContaining("[markets]")
                .hasMessageContaining("ALTER PUBLICATION pub_partial ADD TABLE markets");
    }

    @Test
    void rejectsWrongCredentialsAndUnreachableDatabasesNamingTheOption() {
        assertThatThrownBy(() -> CatalogPublication.ensure(settings("pub_x", "wrong")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--catalog-url")
                .hasMessageContaining("password authentication failed");
        OddsSettings unreachable =
                OddsSettings.fromMap(
                        Map.of(
                                "catalog-url",
                                "jdbc:postgresql://127.0.0.1:" + FreePorts.next() + "/catalog",
                                "catalog-publication",
                                "pub_x"));
        assertThatThrownBy(() -> CatalogPublication.ensure(unreachable))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--catalog-url")
                .hasMessageContaining("Connection")
                .hasMessageContaining("refused");
    }

    private static OddsSettings settings(String publication, String password) {
        return OddsSettings.fromMap(
                Map.of(
                        "catalog-url",
                        postgres.jdbcUrl(),
                        "catalog-user",
                        postgres.user(),
                        "catalog-password",
                        password,
                        "catalog-publication",
                        publication));
    }

    private static List<String> tablesOf(String publication) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Connection connection = postgres.connect();
                PreparedStatement query =
                        connection.prepareStatement(
                                "SELECT tablename FROM pg_publication_tables WHERE pubname = ?"
                                        + " ORDER BY 1")) {
            query.setString(1, publication);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    tables.add(rows.getString(1));
                }
            }
        }
        return tables;
    }
}

package com.marketcast.odds.catalog;

import com.marketcast.odds.OddsOptions;
import com.marketcast.odds.OddsSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure, before the job starts, that the catalog's publication exists and covers {@code
 * events} and {@code markets}: it creates a missing one ({@code FOR TABLE}, which needs ownership
 * of the tables, not a superuser) and fails fast, naming the option, on one that misses a table or
 * on a database it cannot reach.
 *
 * <p>Debezium can create the publication itself ({@code publication.autocreate.mode=filtered}), but
 * then runs {@code ALTER PUBLICATION … SET TABLE} on every connection, also on each reconnect after
 * a restart or a cut, and PostgreSQL's decoding of changes committed just before that ALTER can
 * miss them: inserts made right after the snapshot went missing in CatalogITCase. So the job
 * creates it once, here, and Debezium runs with {@code publication.autocreate.mode=disabled}.
 */
public final class CatalogPublication {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogPublication.class);
    static final List<String> TABLES = List.of("events", "markets");

    private CatalogPublication() {}

    public static void ensure(OddsSettings settings) {
        String publication = settings.catalogPublication();
        try (Connection connection =
                DriverManager.getConnection(
                        settings.catalogUrl(),
                        settings.catalogUser(),
                        settings.catalogPassword())) {
            List<String> missing = new ArrayList<>(TABLES);
            boolean exists = false;
            try (PreparedStatement query =
                    connection.prepareStatement(
                            "SELECT t.tablename FROM pg_publication p LEFT JOIN"
                                    + " pg_publication_tables t ON t.pubname = p.pubname AND"
                                    + " t.schemaname = 'public' WHERE p.pubname = ?")) {
                query.setString(1, publication);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        exists = true;
                        missing.remove(rows.getString(1));
                    }
                }
            }
            if (!exists) {
                try (Statement create = connection.createStatement()) {
                    create.execute(
                            "CREATE PUBLICATION \""
                                    + publication.replace("\"", "\"\"")
                                    + "\" FOR TABLE public.events, public.markets");
                }
                LOG.info("created publication {} FOR TABLE events, markets", publication);
            } else if (!missing.isEmpty()) {
                throw new IllegalArgumentException(
                        "--"
                                + OddsOptions.CATALOG_PUBLICATION.key()
                                + ": publication "
                                + publication
                                + " does not cover table(s) "
                                + missing
                                + " (ALTER PUBLICATION "
                                + publication
                                + " ADD TABLE "
                                + String.join(", ", missing)
                                + ")");
            }
        } catch (SQLException e) {
            throw new IllegalArgumentException(
                    "--"
                            + OddsOptions.CATALOG_URL.key()
                            + ": cannot prepare publication "
                            + publication
                            + " in "
                            + settings.catalogUrl()
                            + " as "
                            + settings.catalogUser()
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }
}

package com.marketcast.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

class EmbeddedPostgresTest {
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() {
        postgres = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Test
    void servesTheCatalogDatabaseWithLogicalReplication() throws SQLException {
        assertThat(postgres.jdbcUrl())
                .isEqualTo("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/catalog");
        assertThat(query("SHOW wal_level")).isEqualTo("logical");
        assertThat(query("SELECT current_database()")).isEqualTo("catalog");
    }

    @Test
    void rejectsAWrongPassword() {
        assertThatThrownBy(
                        () ->
                                DriverManager.getConnection(
                                        postgres.jdbcUrl(), postgres.user(), "wrong"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
    }

    @Test
    void runsMultiStatementScripts() throws IOException, SQLException {
        Path script = Files.createTempFile("script", ".sql");
        try {
            Files.writeString(
                    script,
                    "CREATE TABLE script_test (id int PRIMARY KEY);\n"
                            + "INSERT INTO script_test VALUES (1), (2), (3);\n");
            postgres.runScript(script);
            assertThat(query("SELECT count(*) FROM script_test")).isEqualTo("3");
        } finally {
            Files.delete(script);
            postgres.execute("DROP TABLE script_test");
        }
    }

    @Test
    void reportsAScriptErrorWithItsFile() throws IOException {
        Path script = Files.createTempFile("broken", ".sql");
        try {
            Files.writeString(script, "CREATE TABLE broken (;");
            assertThatThrownBy(() -> postgres.runScript(script))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(script.toString())
                    .hasMessageContaining("syntax error");
        } finally {
            Files.delete(script);
        }
    }

    @Test
    void terminatesWalSendersAndDropsTheirSlot() throws Exception {
        postgres.execute("SELECT pg_create_logical_replication_slot('test_slot', 'pgoutput')");
        postgres.execute(
                "CREATE TABLE wal_test (id int); CREATE PUBLICATION wal_pub FOR TABLE wal_test");
        try (Connection replication = replicationConnection();
                PGReplicationStream stream =
                        replication
                                .unwrap(PGConnection.class)
                                .getReplicationAPI()
                                .replicationStream()
                                .logical()
                                .withSlotName("test_slot")
                                .withSlotOption("proto_version", 1)
                                .withSlotOption("publication_names", "wal_pub")
                                .start()) {
            assertThat(postgres.replicationSlots()).contains("test_slot");
            assertThat(postgres.replicationSlotLagBytes("test_slot")).isPresent();

            assertThat(postgres.terminateWalSenders()).isEqualTo(1);
            assertThatThrownBy(() -> readUntilFailure(stream)).isInstanceOf(SQLException.class);
        } catch (SQLException closingAKilledStream) {
            // closing a stream whose backend was killed may itself fail
        }
        assertThat(postgres.dropReplicationSlot("test_slot")).isTrue();
        assertThat(postgres.replicationSlots()).doesNotContain("test_slot");
        assertThat(postgres.replicationSlotLagBytes("test_slot")).isEmpty();
        assertThat(postgres.dropReplicationSlot("test_slot")).isFalse();
        postgres.execute("DROP PUBLICATION wal_pub; DROP TABLE wal_test");
    }

    @Test
    void closeStopsTheServer() {
        EmbeddedPostgres other = EmbeddedPostgres.start();
        int port = other.port();
        assertThat(listening(port)).isTrue();
        other.close();
        assertThat(listening(port)).isFalse();
    }

    /** Reads the stream until the server side is gone, within a deadline. */
    private static void readUntilFailure(PGReplicationStream stream) throws SQLException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            stream.readPending();
        }
        throw new AssertionError("the replication stream survived terminateWalSenders");
    }

    private static String query(String sql) throws SQLException {
        try (Connection connection = postgres.connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static Connection replicationConnection() throws SQLException {
        Properties properties = new Properties();
        PGProperty.USER.set(properties, postgres.user());
        PGProperty.PASSWORD.set(properties, postgres.password());
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
        PGProperty.REPLICATION.set(properties, "database");
        PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
        return DriverManager.getConnection(postgres.jdbcUrl(), properties);
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

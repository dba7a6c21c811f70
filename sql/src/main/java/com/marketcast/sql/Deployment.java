package com.marketcast.sql;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the tables of {@code tables.sql} live: the Kafka cluster and topics, and the catalog
 * database with the publication and the replication slots the CDC tables use.
 *
 * <p>{@code tables.sql} declares the job's defaults; a deployment is applied as {@code ALTER TABLE
 * ... SET} statements after it, the same statements whether {@link SqlViewRunner} runs them or a
 * SQL client reads them from the init file that {@code bin/sql --print-init} writes.
 */
public record Deployment(
        String bootstrapServers,
        String updatesTopic,
        String commandsTopic,
        String deadLettersTopic,
        String startupMode,
        String catalogHost,
        int catalogPort,
        String catalogDatabase,
        String catalogUser,
        String catalogPassword,
        String catalogPublication,
        String slotPrefix) {

    private static final Pattern JDBC_URL =
            Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d{1,5}))?/([^/?]+)(?:\\?.*)?");
    private static final Pattern SLOT_PREFIX = Pattern.compile("[a-z0-9_]{1,50}");

    public Deployment {
        if (!List.of("earliest-offset", "latest-offset").contains(startupMode)) {
            throw new IllegalArgumentException(
                    "Option 'startup-mode' must be earliest-offset or latest-offset, got '"
                            + startupMode
                            + "'");
        }
        if (!SLOT_PREFIX.matcher(slotPrefix).matches()) {
            throw new IllegalArgumentException(
                    "Option 'catalog-slot' must be 1 to 50 of [a-z0-9_] (the tables' slots are"
                            + " named <catalog-slot>_events and <catalog-slot>_markets), got '"
                            + slotPrefix
                            + "'");
        }
    }

    /** The options that name a deployment, with the job's defaults (PROTOCOL section 6). */
    public static final Map<String, String> DEFAULTS =
            Map.of(
                    "bootstrap-servers", "localhost:9092",
                    "updates-topic", "market-updates",
                    "commands-topic", "stream-commands",
                    "dead-letters-topic", "dead-letters",
                    "startup-mode", "earliest-offset",
                    "catalog-url", "jdbc:postgresql://localhost:5432/catalog",
                    "catalog-user", "postgres",
                    "catalog-password", "",
                    "catalog-publication", "marketcast_catalog",
                    "catalog-slot", "marketcast_sql");

    /**
     * A deployment from {@code --name value} options named as in {@link #DEFAULTS}; absent ones
     * take their default. A bad value fails naming the option.
     */
    public static Deployment of(Map<String, String> options) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        values.putAll(options);
        for (Map.Entry<String, String> option : values.entrySet()) {
            if (option.getValue().isBlank() && !option.getKey().equals("catalog-password")) {
                throw new IllegalArgumentException(
                        "Option '" + option.getKey() + "' must not be empty");
            }
        }
        String catalogUrl = values.get("catalog-url");
        Matcher jdbc = JDBC_URL.matcher(catalogUrl);
        if (!jdbc.matches()) {
            throw new IllegalArgumentException(
                    "Option 'catalog-url' must look like jdbc:postgresql://host[:port]/database,"
                            + " got '"
                            + catalogUrl
                            + "'");
        }
        return new Deployment(
                values.get("bootstrap-servers"),
                values.get("updates-topic"),
                values.get("commands-topic"),
                values.get("dead-letters-topic"),
                values.get("startup-mode"),
                jdbc.group(1),
                jdbc.group(2) == null ? 5432 : Integer.parseInt(jdbc.group(2)),
                jdbc.group(3),
                values.get("catalog-user"),
                values.get("catalog-password"),
                values.get("catalog-publication"),
                values.get("catalog-slot"));
    }

    public String catalogJdbcUrl() {
        return "jdbc:postgresql://" + catalogHost + ":" + catalogPort + "/" + catalogDatabase;
    }

    /** The replication slot of a catalog table of {@code tables.sql}. */
    public String slotName(String table) {
        return slotPrefix + "_" + table;
    }

    /** The statements that point the tables of {@code tables.sql} at this deployment. */
    public List<String> alterStatements() {
        List<String> statements = new ArrayList<>();
        statements.add(alterKafka("market_updates", updatesTopic));
        statements.add(alterKafka("stream_commands", commandsTopic));
        statements.add(alterKafka("dead_letters", deadLettersTopic));
        statements.add(alterCatalog("events"));
        statements.add(alterCatalog("markets"));
        return statements;
    }

    private String alterKafka(String table, String topic) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("topic", topic);
        options.put("properties.bootstrap.servers", bootstrapServers);
        options.put("scan.startup.mode", startupMode);
        return alter(table, options);
    }

    private String alterCatalog(String table) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("hostname", catalogHost);
        options.put("port", Integer.toString(catalogPort));
        options.put("database-name", catalogDatabase);
        options.put("username", catalogUser);
        options.put("password", catalogPassword);
        options.put("slot.name", slotName(table));
        options.put("debezium.publication.name", catalogPublication);
        return alter(table, options);
    }

    private static String alter(String table, Map<String, String> options) {
        StringBuilder sql = new StringBuilder("ALTER TABLE ").append(table).append(" SET (");
        String separator = "\n  ";
        for (Map.Entry<String, String> option : options.entrySet()) {
            sql.append(separator)
                    .append(literal(option.getKey()))
                    .append(" = ")
                    .append(literal(option.getValue()));
            separator = ",\n  ";
        }
        return sql.append(")").toString();
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}

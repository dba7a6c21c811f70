package com.marketcast.local;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The local stack's command line: its own options, and the job's options passed through untouched
 * to {@code OddsSettings.fromArgs} (which rejects anything it does not know, so ours are stripped
 * here).
 *
 * <p>Own options: {@code --generate} (run the market generator against given services), {@code
 * --rate} updates/s, {@code --markets} (without a catalog), {@code --seed} (the generator's; the
 * catalog churn uses seed + 1), {@code --flink-conf} dir, {@code --demo-channels} (open and tail
 * the demo channels; default true), {@code --catalog-churn-ms} (a change of the private catalog
 * every this many ms; default 2000, 0 for none), {@code --gateway} (start the gateway; default
 * true) and {@code --gateway-port} (8080; 0 for a free one). Flags take an optional {@code
 * true}/{@code false}. The job's {@code --catalog-*} and {@code --no-catalog} pass through to the
 * job.
 */
final class LocalStackOptions {
    static final String BOOTSTRAP_SERVERS = "bootstrap-servers";
    static final String REDIS = "redis";
    static final String CATALOG_URL = "catalog-url";

    private static final Set<String> FLAGS = Set.of("generate", "demo-channels", "gateway");
    static final String CATALOG_USER = "catalog-user";
    static final String CATALOG_PASSWORD = "catalog-password";
    static final String CATALOG_SLOT = "catalog-slot";
    static final String NO_CATALOG = "no-catalog";

    /** A catalog change every 2 s: visible in the demo, small next to the feed. */
    static final long DEFAULT_CATALOG_CHURN_MS = 2000;

    private static final Set<String> VALUED =
            Set.of("rate", "markets", "seed", "flink-conf", "catalog-churn-ms", "gateway-port");

    final boolean generate;
    final boolean demoChannels;
    final double rate;
    final int markets;
    final Long seed;
    final Path flinkConf;
    final long catalogChurnMs;

    /** Start the gateway (the page, the control API, the WebSockets); default true. */
    boolean gateway = true;

    /** The gateway's HTTP port (0: a free one). */
    int gatewayPort = DEFAULT_GATEWAY_PORT;

    static final int DEFAULT_GATEWAY_PORT = 8080;

    /** The job's arguments, in order, without ours. */
    final List<String> jobArgs;

    /** The job's arguments as a map, for the ones the stack itself needs to know. */
    final Map<String, String> jobOptions;

    private LocalStackOptions(
            boolean generate,
            boolean demoChannels,
            double rate,
            int markets,
            Long seed,
            Path flinkConf,
            long catalogChurnMs,
            List<String> jobArgs,
            Map<String, String> jobOptions) {
        this.generate = generate;
        this.demoChannels = demoChannels;
        this.rate = rate;
        this.markets = markets;
        this.seed = seed;
        this.flinkConf = flinkConf;
        this.catalogChurnMs = catalogChurnMs;
        this.jobArgs = List.copyOf(jobArgs);
        this.jobOptions = Map.copyOf(jobOptions);
    }

    static LocalStackOptions parse(String[] args) {
        boolean generate = false;
        boolean demoChannels = true;
        boolean gateway = true;
        int gatewayPort = DEFAULT_GATEWAY_PORT;
        double rate = MarketGenerator.Settings.DEFAULT_RATE;
        int markets = MarketGenerator.Settings.DEFAULT_MARKETS;
        Long seed = null;
        Path flinkConf = null;
        long catalogChurnMs = DEFAULT_CATALOG_CHURN_MS;
        List<String> jobArgs = new ArrayList<>();
        Map<String, String> jobOptions = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg.startsWith("--") ? arg.substring(2) : null;
            String inlineValue = null;
            if (name != null && name.contains("=")) {
                inlineValue = name.substring(name.indexOf('=') + 1);
                name = name.substring(0, name.indexOf('='));
            }
            if (name != null && FLAGS.contains(name)) {
                String value = inlineValue;
                if (value == null
                        && i + 1 < args.length
                        && (args[i + 1].equals("true") || args[i + 1].equals("false"))) {
                    value = args[++i];
                }
                boolean on = value == null || parseBoolean(name, value);
                if (name.equals("generate")) {
                    generate = on;
                } else if (name.equals("gateway")) {
                    gateway = on;
                } else {
                    demoChannels = on;
                }
            } else if (name != null && VALUED.contains(name)) {
                String value = inlineValue;
                if (value == null) {
                    if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                        throw new IllegalArgumentException("Option '" + name + "' needs a value");
                    }
                    value = args[++i];
                }
                switch (name) {
                    case "rate" -> rate = parseDouble(name, value);
                    case "markets" -> markets = parseInt(name, value);
                    case "seed" -> seed = parseLong(name, value);
                    case "flink-conf" -> flinkConf = Path.of(value);
                    case "catalog-churn-ms" -> catalogChurnMs = parseLong(name, value);
                    case "gateway-port" -> gatewayPort = parseInt(name, value);
                    default -> throw new IllegalStateException(name);
                }
            } else {
                // the job's: keep as given; OddsSettings reports anything malformed
                if (inlineValue != null) {
                    jobArgs.add("--" + name);
                    jobArgs.add(inlineValue);
                    jobOptions.put(name, inlineValue);
                } else {
                    jobArgs.add(arg);
                    if (name != null && i + 1 < args.length && !args[i + 1].startsWith("--")) {
                        jobArgs.add(args[++i]);
                        jobOptions.put(name, args[i]);
                    }
                }
            }
        }
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException(
                    "Option 'rate' must be a positive number of updates/s, got " + rate);
        }
        if (markets < 1) {
            throw new IllegalArgumentException(
                    "Option 'markets' must be at least 1, got " + markets);
        }
        if (catalogChurnMs < 0) {
            throw new IllegalArgumentException(
                    "Option 'catalog-churn-ms' must be 0 (off) or a number of ms, got "
                            + catalogChurnMs);
        }
        if (gatewayPort < 0 || gatewayPort > 65535) {
            throw new IllegalArgumentException(
                    "Option 'gateway-port' must be a port (0 for a free one), got " + gatewayPort);
        }
        LocalStackOptions options =
                new LocalStackOptions(
                        generate,
                        demoChannels,
                        rate,
                        markets,
                        seed,
                        flinkConf,
                        catalogChurnMs,
                        jobArgs,
                        jobOptions);
        options.gateway = gateway;
        options.gatewayPort = gatewayPort;
        return options;
    }

    Optional<String> jobOption(String name) {
        return Optional.ofNullable(jobOptions.get(name));
    }

    /** Whether the job runs without the catalog ({@code --no-catalog}). */
    boolean noCatalog() {
        int i = jobArgs.indexOf("--" + NO_CATALOG);
        return i >= 0 && (i + 1 >= jobArgs.size() || !jobArgs.get(i + 1).equals("false"));
    }

    /** Whether the stack uses outside services (PROTOCOL section 6) rather than its own. */
    boolean externalServices() {
        return jobOptions.containsKey(BOOTSTRAP_SERVERS)
                || jobOptions.containsKey(REDIS)
                || jobOptions.containsKey(CATALOG_URL);
    }

    /** The generator runs with the stack's own services, or when asked for. */
    boolean runGenerator() {
        return generate || !externalServices();
    }

    /** The job's arguments with {@code --name value} set (replacing a given one). */
    List<String> jobArgsWith(Map<String, String> overrides) {
        List<String> result = new ArrayList<>();
        for (int i = 0; i < jobArgs.size(); i++) {
            String arg = jobArgs.get(i);
            boolean valued =
                    arg.startsWith("--")
                            && i + 1 < jobArgs.size()
                            && !jobArgs.get(i + 1).startsWith("--");
            if (arg.startsWith("--") && overrides.containsKey(arg.substring(2))) {
                if (valued) {
                    i++;
                }
                continue;
            }
            result.add(arg);
        }
        overrides.forEach(
                (name, value) -> {
                    result.add("--" + name);
                    result.add(value);
                });
        return result;
    }

    private static boolean parseBoolean(String name, String value) {
        if (value.equals("true") || value.equals("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new IllegalArgumentException(
                "Option '" + name + "' takes true or false, got '" + value + "'");
    }

    private static double parseDouble(String name, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "Option '" + name + "' needs a number, got '" + value + "'");
        }
    }

    private static int parseInt(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "Option '" + name + "' needs a whole number, got '" + value + "'");
        }
    }

    private static long parseLong(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "Option '" + name + "' needs a whole number, got '" + value + "'");
        }
    }

    static String usage() {
        return String.join(
                "\n",
                "usage: bin/run-local [job options] [--generate] [--rate N] [--markets N] [--seed"
                        + " N]",
                "                     [--flink-conf DIR] [--demo-channels true|false]"
                        + " [--catalog-churn-ms N]",
                "                     [--gateway true|false] [--gateway-port N]",
                "  The gateway (page, control API, WebSockets) listens on --gateway-port (8080).",
                "  Without --bootstrap-servers / --redis / --catalog-url it starts an in-process",
                "  Kafka, a private redis-server, a private PostgreSQL with the sample catalog",
                "  (sql/catalog), a market generator and catalog changes every --catalog-churn-ms",
                "  (default 2000, 0 for none); given them it uses those services and generates",
                "  only with --generate. --no-catalog runs the job without a catalog. Every other",
                "  option goes to the odds job (--parallelism, --checkpoint-interval,",
                "  --channel-ttl, --catalog-slot, topic names, ...).");
    }
}

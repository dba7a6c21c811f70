package com.marketcast.gateway;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The gateway's options, read once from {@code --name value} arguments and validated: an unknown
 * option or a bad value fails start-up with a message naming the option. The token secret never
 * comes from the command line (it would show in the process list): it is read from the environment
 * variable {@value #SECRET_ENV} or from {@code --token-secret-file}.
 */
public record GatewayOptions(
        String host,
        int port,
        String bootstrapServers,
        String redis,
        String commandsTopic,
        Set<String> allowedOrigins,
        byte[] tokenSecret,
        boolean generatedSecret,
        Duration tokenTtl,
        Duration channelTtl,
        Duration reconnectGrace,
        int maxConnectionsPerIp,
        int maxFrameBytes,
        int maxMessagesPerSecond,
        int outboundQueue) {

    /** The environment variable that may hold the token secret. */
    public static final String SECRET_ENV = "MARKETCAST_GATEWAY_SECRET";

    /** HS256 wants a key of at least the hash's size (RFC 7518 section 3.2). */
    static final int MIN_SECRET_BYTES = 32;

    private static final Map<String, String> DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("host", "0.0.0.0");
        d.put("port", "8080");
        d.put("bootstrap-servers", "localhost:9092");
        d.put("redis", "redis://localhost:6379");
        d.put("commands-topic", "stream-commands");
        d.put("allowed-origins", "");
        d.put("token-secret-file", "");
        d.put("token-ttl", "15min");
        d.put("channel-ttl", "10min");
        d.put("reconnect-grace", "30s");
        d.put("max-connections-per-ip", "32");
        d.put("max-frame-bytes", "4096");
        d.put("max-messages-per-second", "20");
        d.put("outbound-queue", "1024");
        return d;
    }

    /** Parses {@code --name value} arguments; the secret comes from {@code env}. */
    public static GatewayOptions parse(List<String> args, Function<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("Unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            if (name.contains("=")) {
                value = name.substring(name.indexOf('=') + 1);
                name = name.substring(0, name.indexOf('='));
            }
            if (!DEFAULTS.containsKey(name)) {
                throw new IllegalArgumentException(
                        "Unknown option '" + name + "'; known: " + DEFAULTS.keySet());
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException("Option '" + name + "' needs a value");
                }
                value = args.get(++i);
            }
            values.put(name, value);
        }
        return fromMap(values, env);
    }

    /** Builds the options from a map of option names to values (missing ones take defaults). */
    public static GatewayOptions fromMap(Map<String, String> given, Function<String, String> env) {
        Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
        v.putAll(given);
        int port = intOption(v, "port", 0, 65535);
        String redis = v.get("redis");
        try {
            String scheme = URI.create(redis).getScheme();
            if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Option 'redis' needs a redis:// or rediss:// URI, got '" + redis + "'");
        }
        requireNonBlank(v, "bootstrap-servers");
        requireNonBlank(v, "commands-topic");
        requireNonBlank(v, "host");

        Set<String> origins = new java.util.LinkedHashSet<>();
        for (String origin : v.get("allowed-origins").split(",")) {
            String o = origin.trim();
            if (o.isEmpty()) {
                continue;
            }
            if (!o.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+")) {
                throw new IllegalArgumentException(
                        "Option 'allowed-origins' takes origins like http://host:port, got '"
                                + o
                                + "'");
            }
            origins.add(o);
        }

        byte[] secret;
        boolean generated = false;
        String file = v.get("token-secret-file");
        String fromEnv = env.apply(SECRET_ENV);
        if (!file.isEmpty()) {
            try {
                secret =
                        Files.readString(Path.of(file), StandardCharsets.UTF_8)
                                .strip()
                                .getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "Option 'token-secret-file': cannot read " + file + ": " + e.getMessage());
            }
            requireSecretLength(secret, "Option 'token-secret-file'");
        } else if (fromEnv != null && !fromEnv.isEmpty()) {
            secret = fromEnv.getBytes(StandardCharsets.UTF_8);
            requireSecretLength(secret, "Environment variable " + SECRET_ENV);
        } else {
            secret = new byte[MIN_SECRET_BYTES];
            new SecureRandom().nextBytes(secret);
            generated = true;
        }

        Duration tokenTtl = durationOption(v, "token-ttl");
        Duration channelTtl = durationOption(v, "channel-ttl");
        Duration grace = durationOption(v, "reconnect-grace");
        return new GatewayOptions(
                v.get("host"),
                port,
                v.get("bootstrap-servers"),
                redis,
                v.get("commands-topic"),
                Set.copyOf(origins),
                secret,
                generated,
                tokenTtl,
                channelTtl,
                grace,
                intOption(v, "max-connections-per-ip", 1, 100_000),
                intOption(v, "max-frame-bytes", 256, 1 << 20),
                intOption(v, "max-messages-per-second", 1, 10_000),
                intOption(v, "outbound-queue", 16, 1 << 20));
    }

    /**
     * The allowed origins; without {@code --allowed-origins}, the gateway's own page as a browser
     * on this machine names it ({@code http://localhost:<port>}, {@code http://127.0.0.1:<port>}).
     */
    public Set<String> allowedOrigins(int actualPort) {
        return allowedOrigins.isEmpty()
                ? Set.of("http://localhost:" + actualPort, "http://127.0.0.1:" + actualPort)
                : allowedOrigins;
    }

    /**
     * HEARTBEATs go at a third of the channel TTL, so two may be lost before the job expires it.
     */
    public Duration heartbeatInterval() {
        return channelTtl.dividedBy(3);
    }

    /** The options and their defaults, for {@code --help}. */
    public static List<String> usage() {
        List<String> lines = new ArrayList<>();
        lines.add("Gateway options (--name value), defaults in brackets:");
        DEFAULTS.forEach((k, d) -> lines.add("  --" + k + " [" + d + "]"));
        lines.add("  token secret: env " + SECRET_ENV + " or --token-secret-file (>= 32 bytes)");
        return lines;
    }

    private static void requireSecretLength(byte[] secret, String what) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(
                    what + " must hold at least " + MIN_SECRET_BYTES + " bytes for HS256");
        }
    }

    private static void requireNonBlank(Map<String, String> v, String name) {
        if (v.get(name).isBlank()) {
            throw new IllegalArgumentException("Option '" + name + "' must not be empty");
        }
    }

    private static int intOption(Map<String, String> v, String name, int min, int max) {
        String value = v.get(name);
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "Option '" + name + "' needs a whole number, got '" + value + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(
                    "Option '" + name + "' must be from " + min + " to " + max + ", got " + n);
        }
        return n;
    }

    /** Durations in the job's forms: {@code 500ms}, {@code 10s}, {@code 10min}, {@code 1h}. */
    static Duration durationOption(Map<String, String> v, String name) {
        String value = v.get(name).trim();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|min|h)").matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "Option '"
                            + name
                            + "' needs a duration like 500ms, 10s, 10min or 1h, got '"
                            + value
                            + "'");
        }
        long n = Long.parseLong(m.group(1));
        Duration d =
                switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "min" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
        if (d.isZero()) {
            throw new IllegalArgumentException("Option '" + name + "' must be positive");
        }
        return d;
    }

    @Override
    public String toString() {
        // never the secret
        return "GatewayOptions[" + host + ":" + port + ", kafka " + bootstrapServers + "]";
    }
}

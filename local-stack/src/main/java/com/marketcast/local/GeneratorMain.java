package com.marketcast.local;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * The market generator on its own, against running services (the compose stack's {@code generator}
 * service): it feeds {@code market-updates} until stopped (SIGTERM, Ctrl-C).
 *
 * <pre>
 * java -jar local-stack/target/marketcast-local-stack-VERSION-generator.jar \
 *   --bootstrap-servers kafka:9092 [--updates-topic market-updates] [--rate 200] [--seed N]
 *   [--catalog-url jdbc:postgresql://postgres:5432/catalog --catalog-user U --catalog-password P]
 *   [--markets 300]
 * </pre>
 *
 * With a catalog it prices the catalog's open markets (read once at start); without one it invents
 * {@code --markets} markets. Unknown options and bad values stop it with a message naming the
 * option.
 */
public final class GeneratorMain {
    private static final List<String> OPTIONS =
            List.of(
                    "bootstrap-servers",
                    "updates-topic",
                    "rate",
                    "markets",
                    "seed",
                    "catalog-url",
                    "catalog-user",
                    "catalog-password");

    private GeneratorMain() {}

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> options;
        MarketGenerator generator;
        try {
            options = parse(args);
            generator = generator(options);
        } catch (IllegalArgumentException e) {
            System.err.println("marketcast-generator: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    generator.close();
                                    stopped.countDown();
                                },
                                "generator-shutdown"));
        generator.start();
        stopped.await();
    }

    static MarketGenerator generator(Map<String, String> options) {
        String bootstrap = options.get("bootstrap-servers");
        if (bootstrap == null) {
            throw new IllegalArgumentException("--bootstrap-servers is required");
        }
        MarketGenerator.Settings settings =
                MarketGenerator.Settings.defaults(
                        options.getOrDefault("updates-topic", "market-updates"));
        if (options.containsKey("rate")) {
            settings = settings.withRate(number("rate", options.get("rate"), Double::parseDouble));
        }
        if (options.containsKey("markets")) {
            settings =
                    settings.withMarkets(
                            number("markets", options.get("markets"), Integer::parseInt));
        }
        if (options.containsKey("seed")) {
            settings = settings.withSeed(number("seed", options.get("seed"), Long::parseLong));
        }
        String catalogUrl = options.get("catalog-url");
        if (catalogUrl == null) {
            return MarketGenerator.toKafka(bootstrap, settings);
        }
        LocalCatalog catalog =
                new LocalCatalog(
                        catalogUrl,
                        options.getOrDefault("catalog-user", "postgres"),
                        options.getOrDefault("catalog-password", ""));
        return MarketGenerator.toKafka(
                bootstrap, settings, new MarketSimulation(catalog.openMarkets(), settings.seed()));
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : null;
            if (name == null || !OPTIONS.contains(name)) {
                throw new IllegalArgumentException(
                        "unknown option "
                                + args[i]
                                + " (options: --"
                                + String.join(", --", OPTIONS)
                                + ")");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            options.put(name, args[++i]);
        }
        return options;
    }

    private static <T extends Number> T number(
            String option, String value, Function<String, T> parse) {
        try {
            return parse.apply(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + option + " must be a number, got " + value);
        }
    }
}

package com.marketcast.odds.model;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * How a channel displays prices (the {@code display} field; PROTOCOL section 3).
 *
 * <p>Rounding rules, all from the decimal price rounded half-up to 2 places first (the feed's own
 * precision):
 *
 * <ul>
 *   <li>{@link #DECIMAL}: two decimals, {@code 1.85}, {@code 3.40}.
 *   <li>{@link #FRACTIONAL}: the exact fraction of {@code price - 1}, reduced: 1.85 → {@code
 *       17/20}, 2.00 → {@code 1/1}, 1.91 → {@code 91/100}. Exact rather than a bookmaker's ladder,
 *       so the display never hides a price move.
 *   <li>{@link #AMERICAN}: {@code +(price-1)×100} for prices of 2.00 and more, {@code
 *       -100/(price-1)} below, rounded half-up to a whole number: 3.40 → {@code +240}, 1.85 →
 *       {@code -118}, 2.00 → {@code +100}.
 * </ul>
 */
public enum OddsFormat {
    DECIMAL,
    FRACTIONAL,
    AMERICAN;

    private static final int FORMATS = values().length;

    public static int count() {
        return FORMATS;
    }

    public String display(double price) {
        long hundredths = hundredths(price);
        switch (this) {
            case DECIMAL:
                return (hundredths / 100) + "." + twoDigits(hundredths % 100);
            case FRACTIONAL:
                long numerator = hundredths - 100;
                long gcd = gcd(numerator, 100);
                return (numerator / gcd) + "/" + (100 / gcd);
            case AMERICAN:
                long profit = hundredths - 100;
                if (profit >= 100) {
                    return "+" + profit;
                }
                return "-"
                        + BigDecimal.valueOf(10_000)
                                .divide(BigDecimal.valueOf(profit), 0, RoundingMode.HALF_UP)
                                .toPlainString();
            default:
                throw new IllegalStateException(name());
        }
    }

    /**
     * The price rounded half-up to hundredths, as the rules above say: from the shortest decimal
     * text of the double ({@code BigDecimal.valueOf}), so 1.995 becomes 2.00. A price the feed sent
     * with at most two decimals (nearly all) is exact in hundredths already and takes the fast
     * path: {@code BigDecimal.valueOf} formats the double, which cost about a quarter of the
     * reducer's time (BENCHMARKS.md).
     */
    static long hundredths(double price) {
        double scaled = price * 100;
        long nearest = Math.round(scaled);
        if (Math.abs(scaled - nearest) < 1e-6 && nearest < 1L << 50) {
            return nearest;
        }
        return BigDecimal.valueOf(price)
                .setScale(2, RoundingMode.HALF_UP)
                .unscaledValue()
                .longValue();
    }

    private static String twoDigits(long value) {
        return value < 10 ? "0" + value : Long.toString(value);
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return Math.abs(a);
    }
}

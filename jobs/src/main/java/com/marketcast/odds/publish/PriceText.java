package com.marketcast.odds.publish;

import com.fasterxml.jackson.core.JsonGenerator;
import com.marketcast.odds.model.OddsFormat;
import java.io.IOException;

/**
 * Writes a selection's {@code price} and {@code display}. A price that is a whole number of
 * hundredths (the feed's precision: nearly every price) is written from its digits: the price as
 * the same text Jackson's shortest double writer gives ({@code 1.85}, {@code 3.4}, {@code 2.0}),
 * the decimal display without building a string ({@code "3.40"}). Any other price goes to Jackson
 * and {@link OddsFormat#display}. Formatting the doubles was a third of the JSON's time
 * (BENCHMARKS.md), and every update writes each of its prices at least twice: the mirror and a
 * delta. Not thread-safe: it reuses one buffer.
 */
final class PriceText {
    /**
     * 1,000,000.00 in hundredths: well below 10⁷, from where a double's shortest text has an
     * exponent.
     */
    private static final long PLAIN_LIMIT = 100_000_000L;

    private final char[] digits = new char[12];

    void price(JsonGenerator json, double price) throws IOException {
        long hundredths = exactHundredths(price);
        if (hundredths < 0) {
            json.writeNumber(price);
        } else {
            int start = fill(hundredths, true);
            json.writeNumber(digits, start, digits.length - start);
        }
    }

    void display(JsonGenerator json, double price, OddsFormat format) throws IOException {
        long hundredths = format == OddsFormat.DECIMAL ? exactHundredths(price) : -1;
        if (hundredths < 0) {
            json.writeString(format.display(price));
        } else {
            int start = fill(hundredths, false);
            json.writeString(digits, start, digits.length - start);
        }
    }

    /**
     * The price in hundredths, or -1 if it is not the double nearest to a whole number of them. The
     * check is an exact equality: the division is correctly rounded, so only that double passes,
     * and its shortest text is that decimal.
     */
    private static long exactHundredths(double price) {
        long hundredths = Math.round(price * 100);
        boolean exact = hundredths > 0 && hundredths < PLAIN_LIMIT && hundredths / 100.0 == price;
        return exact ? hundredths : -1;
    }

    /** Fills the buffer's end with the decimal text; returns where it starts. */
    private int fill(long hundredths, boolean shortest) {
        int start = digits.length;
        int fraction = (int) (hundredths % 100);
        if (!shortest || fraction % 10 != 0) {
            digits[--start] = digit(fraction % 10);
        }
        digits[--start] = digit(fraction / 10); // one fraction digit at least: 2.0
        digits[--start] = '.';
        long whole = hundredths / 100;
        do {
            digits[--start] = digit((int) (whole % 10));
            whole /= 10;
        } while (whole > 0);
        return start;
    }

    private static char digit(int value) {
        return (char) ('0' + value);
    }
}

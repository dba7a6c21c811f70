package com.marketcast.odds.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OddsFormatTest {
    @ParameterizedTest
    @CsvSource({
        "1.85, 1.85, 17/20, -118",
        "3.40, 3.40, 12/5, +240",
        "4.2, 4.20, 16/5, +320",
        "2.00, 2.00, 1/1, +100",
        "1.01, 1.01, 1/100, -10000",
        "1.5, 1.50, 1/2, -200",
        "1.91, 1.91, 91/100, -110",
        "1.333333, 1.33, 33/100, -303",
        "1.995, 2.00, 1/1, +100",
        "101, 101.00, 100/1, +10000",
        "10.5, 10.50, 19/2, +950",
    })
    void convertsDecimalOdds(double price, String decimal, String fractional, String american) {
        assertThat(OddsFormat.DECIMAL.display(price)).isEqualTo(decimal);
        assertThat(OddsFormat.FRACTIONAL.display(price)).isEqualTo(fractional);
        assertThat(OddsFormat.AMERICAN.display(price)).isEqualTo(american);
    }

    /** The fast path of {@code hundredths} agrees with the BigDecimal rule on any price. */
    @org.junit.jupiter.api.Test
    void hundredthsAgreesWithTheDecimalRule() {
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 200_000; i++) {
            double price =
                    switch (i % 4) {
                        case 0 -> 1.01 + random.nextInt(100_000) / 100.0; // two decimals
                        case 1 -> 1.001 + random.nextInt(1_000_000) / 1000.0; // three
                        case 2 -> 1.01 + random.nextDouble() * 1_000; // any
                        default -> (random.nextInt(100_000) + 0.5) / 100.0; // a half
                    };
            long expected =
                    java.math.BigDecimal.valueOf(price)
                            .setScale(2, java.math.RoundingMode.HALF_UP)
                            .unscaledValue()
                            .longValue();
            org.assertj.core.api.Assertions.assertThat(OddsFormat.hundredths(price))
                    .as("price %s", price)
                    .isEqualTo(expected);
        }
    }
}

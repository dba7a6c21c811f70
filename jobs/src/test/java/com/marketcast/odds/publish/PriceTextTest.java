package com.marketcast.odds.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.marketcast.odds.model.OddsFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class PriceTextTest {
    private static final JsonFactory JSON =
            JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

    /**
     * Every price from 0.01 to 9,999.99 in hundredths, and a sample up to 999,999.99, as Jackson's
     * double writer writes it.
     */
    @Test
    void writesWholeNumbersOfHundredthsAsJacksonDoes() throws IOException {
        assertSameJson(i -> (i + 1) / 100.0, 999_999);
        Random random = new Random(5);
        assertSameJson(i -> (1 + random.nextInt(99_999_999)) / 100.0, 1_000_000);
    }

    /** Prices between the hundredths, and out of the plain range, take Jackson's own writer. */
    @Test
    void writesAnyOtherPriceAsJacksonDoes() throws IOException {
        Random random = new Random(7);
        assertSameJson(
                i ->
                        switch ((int) i % 4) {
                            case 0 -> 1.001 + random.nextInt(1_000_000) / 1000.0;
                            case 1 -> 1 + random.nextDouble() * 1_000;
                            case 2 -> 1_000_000 + random.nextInt(1_000_000_000) / 100.0;
                            default -> (random.nextInt(100_000) + 0.5) / 100.0;
                        },
                400_000);
        assertSameJson(i -> new double[] {0.0, -0.0, -1.85, 0.001, 1e7, 1.0e-5}[(int) i], 6);
    }

    @Test
    void writesTheDisplayAsTheOddsFormatDoes() throws IOException {
        Random random = new Random(11);
        for (OddsFormat format : OddsFormat.values()) {
            PriceText text = new PriceText();
            for (int i = 0; i < 100_000; i++) {
                double price =
                        i % 2 == 0
                                ? 1.01 + random.nextInt(1_000_000) / 100.0
                                : 1.001 + random.nextInt(1_000_000) / 1000.0;
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
                    text.display(json, price, format);
                }
                assertThat(out.toString(StandardCharsets.UTF_8))
                        .as("%s of %s", format, price)
                        .isEqualTo('"' + format.display(price) + '"');
            }
        }
    }

    /** Writes the prices as a JSON array once through PriceText and once through Jackson. */
    private static void assertSameJson(DoubleUnaryOperator prices, int count) throws IOException {
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = prices.applyAsDouble(i);
        }
        PriceText text = new PriceText();
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        ByteArrayOutputStream jacksons = new ByteArrayOutputStream();
        try (JsonGenerator a = JSON.createGenerator(ours, JsonEncoding.UTF8);
                JsonGenerator b = JSON.createGenerator(jacksons, JsonEncoding.UTF8)) {
            a.writeStartArray();
            b.writeStartArray();
            for (double value : values) {
                text.price(a, value);
                b.writeNumber(value);
            }
            a.writeEndArray();
            b.writeEndArray();
        }
        String expected = jacksons.toString(StandardCharsets.US_ASCII);
        String actual = ours.toString(StandardCharsets.US_ASCII);
        if (!actual.equals(expected)) {
            String[] want = expected.substring(1, expected.length() - 1).split(",");
            String[] got = actual.substring(1, actual.length() - 1).split(",");
            for (int i = 0; i < want.length; i++) {
                assertThat(got[i]).as("price %s", values[i]).isEqualTo(want[i]);
            }
        }
        assertThat(actual).isEqualTo(expected);
    }
}

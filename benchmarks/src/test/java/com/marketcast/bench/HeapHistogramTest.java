package com.marketcast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HeapHistogramTest {

    @Test
    void growthIsPerClassLargestFirst() {
        HeapHistogram before =
                HeapHistogram.parse(
                        """
                         num     #instances         #bytes  class name (module)
                        -------------------------------------------------------
                           1:          1000          48000  [B (java.base@17.0.15)
                           2:           100           3200  java.util.HashMap$Node (java.base@17.0.15)
                        Total          1100          51200
                        """);
        HeapHistogram after =
                HeapHistogram.parse(
                        """
                         num     #instances         #bytes  class name (module)
                        -------------------------------------------------------
                           1:          3000         144000  [B (java.base@17.0.15)
                           2:          2100          67200  java.util.HashMap$Node (java.base@17.0.15)
                           3:            10            480  com.marketcast.odds.markets.Subscription
                        Total          5110         211680
                        """);

        List<HeapHistogram.Row> grown = after.grownSince(before);

        assertThat(grown)
                .containsExactly(
                        new HeapHistogram.Row("[B", 2000, 96000),
                        new HeapHistogram.Row("java.util.HashMap$Node", 2000, 64000),
                        new HeapHistogram.Row("com.marketcast.odds.markets.Subscription", 10, 480));
    }

    @Test
    void theJvmsOwnHistogramParses() throws Exception {
        HeapHistogram now = HeapHistogram.take();

        // a histogram grown since an empty one is the whole of it, so it names String's class
        assertThat(now.grownSince(HeapHistogram.parse("")))
                .anyMatch(r -> r.className().equals("java.lang.String") && r.instances() > 0);
    }
}

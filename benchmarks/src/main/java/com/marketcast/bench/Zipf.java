package com.marketcast.bench;

import java.util.Random;

/**
 * Draws ranks 0..n-1 with probability proportional to {@code 1/(rank+1)^s}: a few hot items and a
 * long quiet tail, as market activity and market popularity are on a sportsbook.
 */
final class Zipf {
    private final double[] cumulative;

    Zipf(int n, double s) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1, got " + n);
        }
        cumulative = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1.0 / Math.pow(k + 1, s);
            cumulative[k] = sum;
        }
    }

    int size() {
        return cumulative.length;
    }

    /** The share of draws that give {@code rank}. */
    double probability(int rank) {
        double below = rank == 0 ? 0 : cumulative[rank - 1];
        return (cumulative[rank] - below) / cumulative[cumulative.length - 1];
    }

    int next(Random random) {
        double point = random.nextDouble() * cumulative[cumulative.length - 1];
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] < point) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}

package dev.memu.driver;

import org.HdrHistogram.Histogram;

/**
 * Latency of one op kind in nanoseconds, from an HdrHistogram (3 significant digits).
 *
 * @param count number of recorded operations
 */
public record LatencySummary(long count, double mean, long p50, long p99, long p999, long max) {

    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0);

    public static LatencySummary of(final Histogram h) {
        if (h.getTotalCount() == 0) {
            return EMPTY;
        }
        return new LatencySummary(h.getTotalCount(), h.getMean(), h.getValueAtPercentile(50),
                h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue());
    }
}

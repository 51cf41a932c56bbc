package dev.memu.failure;

import java.util.Arrays;

/**
 * When and where a run injects memory failures: either a rate (failures per million measured
 * ops, each at a uniformly random pfn of the machine, drawn from {@code seed}) or a fixed list of
 * pfns. Failures are spread evenly over the measured ops: with a rate R, failure k (from 1) comes
 * after {@code k * 10^6 / R} measured ops; with a list of n pfns, pfn k comes after
 * {@code k * ops / (n + 1)} ops. Immutable; each stream gets its own {@link FailureInjector}.
 *
 * @param perMillion failures per million measured ops (0 with a pfn list)
 * @param pfns       pfns to fail, in order (empty with a rate)
 * @param seed       seed of the random pfns
 */
public record FailurePlan(double perMillion, long[] pfns, long seed) {

    public FailurePlan {
        pfns = pfns == null ? new long[0] : pfns.clone();
        if (!(perMillion >= 0) || Double.isInfinite(perMillion)) {
            throw new IllegalArgumentException("failure rate must be a finite number >= 0, got " + perMillion);
        }
        if (perMillion > 0 && pfns.length > 0) {
            throw new IllegalArgumentException("give a failure rate or a list of pfns, not both");
        }
        for (final long pfn : pfns) {
            if (pfn < 0) {
                throw new IllegalArgumentException("pfn " + pfn + " is negative");
            }
        }
    }

    public static FailurePlan rate(final double perMillion, final long seed) {
        return new FailurePlan(perMillion, new long[0], seed);
    }

    public static FailurePlan pfns(final long... pfns) {
        return new FailurePlan(0, pfns, 0);
    }

    @Override
    public long[] pfns() {
        return pfns.clone();
    }

    int pfnCount() {
        return pfns.length;
    }

    long pfn(final int k) {
        return pfns[k];
    }

    /** Failures this plan injects over {@code ops} measured ops. */
    public long count(final long ops) {
        return pfns.length > 0 ? pfns.length : (long) Math.floor(ops * perMillion / 1e6);
    }

    /** Measured ops after which failure {@code k} (from 0) is injected. */
    public long dueAt(final long k, final long ops) {
        return pfns.length > 0 ? (k + 1) * ops / (pfns.length + 1) : (long) Math.floor((k + 1) * 1e6 / perMillion);
    }

    @Override
    public String toString() {
        return pfns.length > 0 ? "pfns " + Arrays.toString(pfns) : perMillion + " per million ops";
    }
}

package dev.memu.failure;

import dev.memu.util.SplitMix64;

/**
 * Injects a {@link FailurePlan}'s failures into one running stream: the stream calls {@link #at}
 * between ops with its count of measured ops, and every failure due by then goes through
 * {@link MemoryFailure#fail}. Memory failure is stop-the-world, so the stream must be the only
 * one using the allocator (memu runs injected workloads single-threaded).
 */
public final class FailureInjector {

    private final FailurePlan plan;
    private final MemoryFailure failure;
    private final long ops;
    private final long total;
    private final long pages;
    private final SplitMix64 random;
    private final long[] lookupNanos;
    private long injected;
    private long nextDue;

    /**
     * @param ops measured ops of the stream (spreads a pfn list over them; bounds a rate)
     */
    public FailureInjector(final FailurePlan plan, final MemoryFailure failure, final long ops) {
        this.plan = plan;
        this.failure = failure;
        this.ops = ops;
        this.total = plan.count(ops);
        this.pages = failure.allocator().managedPages();
        this.random = new SplitMix64(plan.seed() ^ 0x6661696cL);
        for (int k = 0; k < plan.pfnCount(); k++) {
            if (plan.pfn(k) >= pages) {
                throw new IllegalArgumentException("pfn " + plan.pfn(k) + " is outside the " + pages
                        + " managed pages");
            }
        }
        this.nextDue = total > 0 ? plan.dueAt(0, ops) : Long.MAX_VALUE;
        this.lookupNanos = new long[(int) Math.min(total, 1 << 20)];
    }

    /** Injects every failure due after {@code measuredOps} measured ops. */
    public void at(final long measuredOps, final int vcpu) {
        while (measuredOps >= nextDue) {
            final long pfn = plan.pfnCount() > 0 ? plan.pfn((int) injected) : random.nextLong(pages);
            final long nanos = failure.fail(pfn, vcpu).owner().nanos();
            if (injected < lookupNanos.length) {
                lookupNanos[(int) injected] = nanos;
            }
            injected++;
            nextDue = injected < total ? plan.dueAt(injected, ops) : Long.MAX_VALUE;
        }
    }

    /** Failures injected so far. */
    public long injected() {
        return injected;
    }

    /** Failures the plan will inject over the whole run. */
    public long planned() {
        return total;
    }

    /**
     * Median wall time of the pfn-to-owner lookups so far: the first lookups of a run are cold
     * (interpreted code, cold lines), so with a few dozen failures the mean says more about the
     * JIT than about the layout.
     */
    public long medianLookupNanos() {
        final int n = (int) Math.min(injected, lookupNanos.length);
        if (n == 0) {
            return 0;
        }
        final long[] sorted = java.util.Arrays.copyOf(lookupNanos, n);
        java.util.Arrays.sort(sorted);
        return sorted[n / 2];
    }

    public MemoryFailure failure() {
        return failure;
    }
}

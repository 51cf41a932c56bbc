package dev.memu.workload;

/**
 * The shape of a workload, independent of thread count and machine: what the command line
 * describes. {@link Workloads#create} turns it into one {@link Workload} stream per thread.
 *
 * @param name         {@code churn}, {@code fragment} or {@code kernel-mix} (see {@link Workloads#names()})
 * @param orders       order mix of allocations (churn: every alloc; fragment: the fill)
 * @param ops          churn: measured operations over all threads (fragment ignores it: its size
 *                     is set by the fill)
 * @param warmupOps    churn: unmeasured churn operations over all threads, run after the fill and
 *                     before measuring so the JIT and the free lists reach a steady state
 * @param occupancy    fraction of RAM the fill allocates, 0 < occupancy < 1
 * @param maxFillBytes cap on the filled memory: the fill is {@code min(occupancy * RAM,
 *                     maxFillBytes)}, so a huge emulated RAM is not committed page by page and the
 *                     run's cost follows the ops, not the RAM size
 * @param probeOrder   fragment: order of the high-order allocations tried after the random frees
 * @param freeFraction fragment: fraction of the filled pages freed at random before probing
 */
public record WorkloadSpec(String name, OrderMix orders, long ops, long warmupOps, double occupancy,
                           long maxFillBytes, int probeOrder, double freeFraction) {

    public static final long DEFAULT_OPS = 1_000_000;
    public static final double DEFAULT_OCCUPANCY = 0.5;
    public static final long DEFAULT_MAX_FILL_BYTES = 2L << 30;
    public static final int DEFAULT_PROBE_ORDER = 9;
    public static final double DEFAULT_FREE_FRACTION = 0.5;

    public WorkloadSpec {
        Workloads.check(name);
        if (orders == null) {
            throw new IllegalArgumentException("order mix is missing");
        }
        if (ops < 1) {
            throw new IllegalArgumentException("ops must be at least 1, got " + ops);
        }
        if (warmupOps < 0) {
            throw new IllegalArgumentException("warm-up ops must be >= 0, got " + warmupOps);
        }
        if (!(occupancy > 0 && occupancy < 1)) {
            throw new IllegalArgumentException("occupancy must be between 0 and 1 (exclusive), got " + occupancy);
        }
        if (maxFillBytes <= 0) {
            throw new IllegalArgumentException("max fill must be positive, got " + maxFillBytes);
        }
        if (probeOrder < 0 || probeOrder > OrderMix.MAX_SPEC_ORDER) {
            throw new IllegalArgumentException("probe order must be 0.." + OrderMix.MAX_SPEC_ORDER + ", got " + probeOrder);
        }
        if (!(freeFraction > 0 && freeFraction <= 1)) {
            throw new IllegalArgumentException("free fraction must be in (0, 1], got " + freeFraction);
        }
    }

    /** {@code name} with every default; warm-up is a fifth of the ops. */
    public static WorkloadSpec defaults(final String name) {
        return new WorkloadSpec(name, OrderMix.defaults(), DEFAULT_OPS, DEFAULT_OPS / 5, DEFAULT_OCCUPANCY,
                DEFAULT_MAX_FILL_BYTES, DEFAULT_PROBE_ORDER, DEFAULT_FREE_FRACTION);
    }

    public WorkloadSpec withOrders(final OrderMix mix) {
        return new WorkloadSpec(name, mix, ops, warmupOps, occupancy, maxFillBytes, probeOrder, freeFraction);
    }

    public WorkloadSpec withOps(final long n, final long warmup) {
        return new WorkloadSpec(name, orders, n, warmup, occupancy, maxFillBytes, probeOrder, freeFraction);
    }

    public WorkloadSpec withOccupancy(final double fraction) {
        return new WorkloadSpec(name, orders, ops, warmupOps, fraction, maxFillBytes, probeOrder, freeFraction);
    }

    public WorkloadSpec withMaxFillBytes(final long bytes) {
        return new WorkloadSpec(name, orders, ops, warmupOps, occupancy, bytes, probeOrder, freeFraction);
    }

    public WorkloadSpec withProbeOrder(final int order) {
        return new WorkloadSpec(name, orders, ops, warmupOps, occupancy, maxFillBytes, order, freeFraction);
    }

    public WorkloadSpec withFreeFraction(final double fraction) {
        return new WorkloadSpec(name, orders, ops, warmupOps, occupancy, maxFillBytes, probeOrder, fraction);
    }

    /** Pages the fill allocates over all threads on a machine of {@code pages} pages of {@code 1 << pageShift} bytes. */
    public long fillPages(final long pages, final int pageShift) {
        return Math.max(1, Math.min((long) (occupancy * pages), maxFillBytes >>> pageShift));
    }

    /** Highest order the workload allocates (checked against the allocator before a run). */
    public int maxOrder() {
        return Workloads.FRAGMENT.equals(name) ? Math.max(orders.maxOrder(), probeOrder) : orders.maxOrder();
    }
}

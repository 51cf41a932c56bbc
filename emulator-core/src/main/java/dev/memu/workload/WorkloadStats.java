package dev.memu.workload;

/**
 * What workload streams did, summed over threads.
 *
 * @param fillTargetPages pages the fill aimed for
 * @param livePages       pages held at the end
 * @param liveBlocks      blocks held at the end
 * @param setupOps        unmeasured operations (fill, warm-up)
 * @param measuredAllocs  measured allocs, failed ones included
 * @param measuredFrees   measured frees
 * @param allocFailures   measured allocs that got no block
 * @param fillFailures    fill allocs that got no block (the fill stops at the first)
 * @param probeOrder      fragment: order of the high-order attempts; -1 for other workloads
 * @param probeAttempts   fragment: high-order allocations tried
 * @param probeSuccesses  fragment: high-order allocations that got a block
 */
public record WorkloadStats(long fillTargetPages, long livePages, long liveBlocks, long setupOps,
                            long measuredAllocs, long measuredFrees, long allocFailures, long fillFailures,
                            int probeOrder, long probeAttempts, long probeSuccesses) {

    public static final WorkloadStats EMPTY = new WorkloadStats(0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0);

    public WorkloadStats plus(final WorkloadStats o) {
        return new WorkloadStats(fillTargetPages + o.fillTargetPages, livePages + o.livePages,
                liveBlocks + o.liveBlocks, setupOps + o.setupOps, measuredAllocs + o.measuredAllocs,
                measuredFrees + o.measuredFrees, allocFailures + o.allocFailures, fillFailures + o.fillFailures,
                Math.max(probeOrder, o.probeOrder), probeAttempts + o.probeAttempts, probeSuccesses + o.probeSuccesses);
    }

    public long measuredOps() {
        return measuredAllocs + measuredFrees;
    }

    /** Fraction of high-order attempts that succeeded; NaN when none were made. */
    public double probeSuccessRate() {
        return probeAttempts == 0 ? Double.NaN : (double) probeSuccesses / probeAttempts;
    }
}

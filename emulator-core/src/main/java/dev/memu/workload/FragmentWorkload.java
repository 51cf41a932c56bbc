package dev.memu.workload;

/**
 * Fragment memory, then see what high-order allocations still succeed.
 *
 * <ol>
 *   <li>Fill (unmeasured): allocate with the order mix until the stream holds its fill target.</li>
 *   <li>Free at random (measured): free uniformly chosen live blocks until {@code freeFraction}
 *       of the filled pages are free again; the holes are scattered over the filled memory.</li>
 *   <li>Probe (measured): try {@code max(1, freedPages >> probeOrder)} allocations of
 *       {@code probeOrder} - as many as the freed memory could hold if it were contiguous - and
 *       count the successes. Successful blocks stay allocated, as a THP fault keeps its page.</li>
 * </ol>
 *
 * The success rate is the share of freed memory still usable at that order; the allocator's
 * free blocks per order at the end show where the rest went.
 */
public final class FragmentWorkload extends Workload {

    private static final int FILL = 0;
    private static final int FREE = 1;
    private static final int PROBE = 2;
    private static final int DONE = 3;

    private final double freeFraction;
    private final int probeOrder;
    private int phase = FILL;
    private long freeGoal;
    private long freedPages;
    private long probeAttempts;
    private long probesPlanned = -1;
    private long probeSuccesses;

    public FragmentWorkload(final long seed, final OrderMix orders, final long fillTarget, final double freeFraction,
                            final int probeOrder) {
        super(seed, orders, fillTarget, Math.toIntExact(fillTarget + 2));
        this.freeFraction = freeFraction;
        this.probeOrder = probeOrder;
    }

    @Override
    public String name() {
        return Workloads.FRAGMENT;
    }

    @Override
    protected boolean produce(final Op op) {
        if (phase == FILL) {
            if (live.pages() < fillTarget && fillFailures == 0) {
                alloc(op, orders.sample(random), false);
                return true;
            }
            phase = FREE;
            freeGoal = (long) Math.ceil(live.pages() * freeFraction);
        }
        if (phase == FREE) {
            if (freedPages < freeGoal && live.count() > 0) {
                final int slot = random.nextInt(live.count());
                freedPages += 1L << live.order(slot);
                freeSlot(op, slot, true);
                return true;
            }
            phase = PROBE;
            probesPlanned = Math.max(1, freedPages >> probeOrder);
        }
        if (phase == PROBE) {
            if (probeAttempts < probesPlanned) {
                probeAttempts++;
                alloc(op, probeOrder, true);
                return true;
            }
            phase = DONE;
        }
        return false;
    }

    @Override
    protected void onAllocated(final long pfn, final int order, final boolean measured) {
        if (measured && pfn >= 0) {
            probeSuccesses++;
        }
    }

    @Override
    public long estimatedOps() {
        final double blocks = fillTarget / orders.meanPages();
        return (long) (blocks + blocks * freeFraction) + Math.max(1, (long) (fillTarget * freeFraction) >> probeOrder);
    }

    @Override
    public WorkloadStats stats() {
        final WorkloadStats base = super.stats();
        return new WorkloadStats(base.fillTargetPages(), base.livePages(), base.liveBlocks(), base.setupOps(),
                base.measuredAllocs(), base.measuredFrees(), base.allocFailures(), base.fillFailures(),
                probeOrder, probeAttempts, probeSuccesses);
    }
}

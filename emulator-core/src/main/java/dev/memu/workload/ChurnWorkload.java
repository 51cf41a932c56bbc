package dev.memu.workload;

/**
 * Fill, then churn: allocate with the order mix until the stream holds its fill target (unmeasured),
 * then {@code warmup} unmeasured and {@code ops} measured random operations.
 *
 * <p>Each churn op is an alloc or a free of a uniformly chosen live block with equal odds, a
 * random walk of the held pages kept within {@code fillTarget +- fillTarget/8} (an alloc that would
 * start above the band becomes a free, a free below it an alloc), so occupancy stays near the
 * target for the whole measurement instead of drifting. A failed alloc is counted and changes
 * nothing. A fill alloc that fails ends the fill: memory is as full as it gets.
 */
public final class ChurnWorkload extends Workload {

    private final long warmupOps;
    private final long ops;
    private final long upper;
    private final long lower;
    private boolean filling = true;
    private long churned;

    /**
     * @param fillTarget pages to hold after the fill (this stream's share)
     * @param warmupOps  unmeasured churn ops after the fill
     * @param ops        measured churn ops
     */
    public ChurnWorkload(final long seed, final OrderMix orders, final long fillTarget, final long warmupOps,
                         final long ops) {
        super(seed, orders, fillTarget, capacity(fillTarget));
        this.warmupOps = warmupOps;
        this.ops = ops;
        final long band = Math.max(1, fillTarget / 8);
        this.upper = fillTarget + band;
        this.lower = Math.max(0, fillTarget - band);
    }

    /** Blocks held never exceed pages held, and an alloc only starts below the upper band. */
    private static int capacity(final long fillTarget) {
        final long upper = fillTarget + Math.max(1, fillTarget / 8);
        return Math.toIntExact(upper + 1);
    }

    @Override
    public String name() {
        return Workloads.CHURN;
    }

    @Override
    protected boolean produce(final Op op) {
        if (filling) {
            if (live.pages() < fillTarget && fillFailures == 0) {
                alloc(op, orders.sample(random), false);
                return true;
            }
            filling = false;
        }
        if (churned >= warmupOps + ops) {
            return false;
        }
        final boolean measured = churned >= warmupOps;
        churned++;
        boolean doAlloc = random.nextBoolean();
        if (live.count() == 0) {
            doAlloc = true;
        } else if (doAlloc && live.pages() >= upper) {
            doAlloc = false;
        } else if (!doAlloc && live.pages() <= lower) {
            doAlloc = true;
        }
        if (doAlloc) {
            alloc(op, orders.sample(random), measured);
        } else {
            freeSlot(op, random.nextInt(live.count()), measured);
        }
        return true;
    }

    /**
     * From the first churn op on: a churn decision reads only the stream's random numbers and the
     * count and pages of its live blocks, never a pfn. The fill stays one by one, because a
     * failed fill alloc ends it.
     */
    @Override
    public boolean generatesAhead() {
        return !filling;
    }

    @Override
    public long estimatedOps() {
        return (long) (fillTarget / orders.meanPages()) + warmupOps + ops;
    }
}

package dev.memu.workload;

import dev.memu.alloc.PageAllocator;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;
import dev.memu.migrate.CompactionProbe;

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
 *
 * <p>With {@code compact}, every block is owned by a real anon folio descriptor in the pass's
 * memdesc heap (so the compactor can read its pfn and order and move it), and when the stream is
 * finished a {@link CompactionProbe} round reports order-{@code probeOrder} success before and
 * after one compaction pass. Compaction is stop-the-world: run such a stream alone.
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

    private final boolean compact;
    /** compact: the descriptor of each live slot, kept in step with {@link #live}'s swap-removal. */
    private final long[] owners;
    private Memdescs descs;
    private PageAllocator allocator;
    private long pending;
    private long deferredFree;
    private long nextMapping = 0x10000;
    private CompactionProbe.Report compaction;

    public FragmentWorkload(final long seed, final OrderMix orders, final long fillTarget, final double freeFraction,
                            final int probeOrder) {
        this(seed, orders, fillTarget, freeFraction, probeOrder, false);
    }

    /** @param compact real descriptors, and a probe-compact-probe round at the end (see the class comment) */
    public FragmentWorkload(final long seed, final OrderMix orders, final long fillTarget, final double freeFraction,
                            final int probeOrder, final boolean compact) {
        super(seed, orders, fillTarget, Math.toIntExact(fillTarget + 2));
        this.freeFraction = freeFraction;
        this.probeOrder = probeOrder;
        this.compact = compact;
        this.owners = compact ? new long[live.capacity()] : null;
    }

    @Override
    public void attach(final WorkloadContext context) {
        if (compact) {
            descs = context.memdescs();
            allocator = context.allocator();
        }
    }

    @Override
    protected long allocatee(final int order) {
        if (!compact) {
            return super.allocatee(order);
        }
        pending = descs.newFolio(MemdescType.ANON_FOLIO, order, nextMapping += 0x40, 0);
        return pending;
    }

    @Override
    protected void track(final long pfn, final int order) {
        if (compact) {
            owners[live.count()] = pending;
        }
        super.track(pfn, order);
    }

    /** The random free of slot {@code slot}; with descriptors, the owner is freed before the next op. */
    private void freeRandom(final Op op, final int slot) {
        if (compact) {
            deferredFree = owners[slot];
            owners[slot] = owners[live.count() - 1];
        }
        freeSlot(op, slot, true);
    }

    @Override
    public void finish() {
        if (compact) {
            releaseDeferred();
            compaction = CompactionProbe.run(allocator, descs, 0);
        }
    }

    private void releaseDeferred() {
        if (deferredFree != 0) {
            descs.free(deferredFree);
            deferredFree = 0;
        }
    }

    /** The compaction round's report, or null (no {@code compact}, or not finished yet). */
    public CompactionProbe.Report compaction() {
        return compaction;
    }

    @Override
    public String name() {
        return Workloads.FRAGMENT;
    }

    @Override
    protected boolean produce(final Op op) {
        if (compact) {
            releaseDeferred();
        }
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
                freeRandom(op, slot);
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
        if (compact) {
            if (pfn >= 0) {
                descs.setPfn(pending, pfn);
            } else {
                descs.free(pending);
            }
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

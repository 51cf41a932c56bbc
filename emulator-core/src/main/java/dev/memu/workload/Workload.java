package dev.memu.workload;

import dev.memu.util.SplitMix64;
import dev.memu.alloc.PageAllocator;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

/**
 * One thread's stream of allocator operations: seeded, deterministic, allocation-free per op.
 *
 * <p>The caller loops: {@link #next(Op)} writes the next operation into a reusable {@link Op};
 * the caller performs it on the allocator and, for an {@link Op#ALLOC}, reports the outcome with
 * {@link #allocated(long)} before asking for the next one. Frees always name a pfn and order that
 * an earlier alloc of this stream returned, so the stream is a valid program for any allocator.
 * Given the same seed and the same alloc outcomes, the stream is the same op for op.
 *
 * <p>By default allocatees are tagged pointers of anonymous or file folios with descriptor address
 * 0: such workloads exercise the page allocator, not a memdesc heap. Workloads that build real
 * descriptors ({@code kernel-mix}, {@code fragment} for compaction) take the pass's memdesc heap
 * from the {@link WorkloadContext} the driver hands to {@link #attach} before the first op.
 */
public abstract class Workload {

    private static final long ANON = Allocatee.of(MemdescType.ANON_FOLIO, 0);
    private static final long FILE = Allocatee.of(MemdescType.FILE_FOLIO, 0);

    protected final SplitMix64 random;
    protected final OrderMix orders;
    protected final LiveBlocks live;
    protected final long fillTarget;

    protected long measuredAllocs;
    protected long measuredFrees;
    protected long allocFailures;
    protected long fillFailures;
    protected long setupOps;

    /** Outcome of the alloc returned by {@link #next}; a new alloc is not handed out before it arrives. */
    private boolean awaitingAlloc;
    private int pendingOrder;
    private boolean pendingMeasured;

    protected Workload(final long seed, final OrderMix orders, final long fillTarget, final int capacity) {
        this.random = new SplitMix64(seed);
        this.orders = orders;
        this.fillTarget = fillTarget;
        this.live = new LiveBlocks(capacity);
    }

    /** {@code churn} or {@code fragment}. */
    public abstract String name();

    /**
     * Writes the next operation into {@code op}.
     *
     * @return false when the stream is finished ({@code op} is then unchanged)
     * @throws IllegalStateException when the outcome of the previous alloc was not reported
     */
    public final boolean next(final Op op) {
        if (awaitingAlloc) {
            throw new IllegalStateException("the outcome of the previous alloc was not reported");
        }
        if (!produce(op)) {
            return false;
        }
        if (op.kind == Op.ALLOC) {
            awaitingAlloc = true;
            pendingOrder = op.order;
            pendingMeasured = op.measured;
            op.allocatee = allocatee(op.order);
            if (op.measured) {
                measuredAllocs++;
            } else {
                setupOps++;
            }
        } else if (op.measured) {
            measuredFrees++;
        } else {
            setupOps++;
        }
        return true;
    }

    /**
     * Reports the pfn the last alloc returned, or {@link PageAllocator#NO_PAGE} when it failed.
     *
     * @throws IllegalStateException when no alloc is waiting for its outcome
     */
    public final void allocated(final long pfn) {
        if (!awaitingAlloc) {
            throw new IllegalStateException("no alloc is waiting for its outcome");
        }
        awaitingAlloc = false;
        if (pfn == PageAllocator.NO_PAGE) {
            if (pendingMeasured) {
                allocFailures++;
            } else {
                fillFailures++;
            }
        } else {
            track(pfn, pendingOrder);
        }
        onAllocated(pfn, pendingOrder, pendingMeasured);
    }

    /**
     * Whether this stream's ops from the one {@link #next} just produced to its end can be
     * generated before any of them is performed: true when the stream decides them without looking
     * at the pfns its allocs get, assuming every alloc succeeds, and keeps no other state that an
     * outcome would change. The driver then reports a token instead of each pfn while it records
     * the ops, and replays them on the allocator from a buffer; that keeps workload code out of the
     * timed loop. The driver asks after every op it performs one by one, so a stream may say false
     * during its fill (whose length depends on alloc failures) and true from its churn on. The
     * default is false: ops are produced one at a time, between the allocator calls.
     */
    public boolean generatesAhead() {
        return false;
    }

    /**
     * Called by the driver once per pass, before the first {@link #next}, with the machine and
     * allocator the stream's ops will run on. Workloads that build real descriptors, or act on the
     * machine between ops, take what they need here; the default does nothing.
     */
    public void attach(final WorkloadContext context) {
    }

    /**
     * Called by the driver once the stream is finished (after {@link #next} returned false and,
     * in the timed pass, after the clock stopped), on the stream's own thread. A workload may act
     * on the machine here (compaction, a last probe); with more than one stream other vcpus may
     * still be running, so such workloads must run single-threaded. The default does nothing.
     */
    public void finish() {
    }

    /** Records a block the allocator handed out; workloads that track allocations themselves override this. */
    protected void track(final long pfn, final int order) {
        live.add(pfn, order);
    }

    /**
     * The owner of the next allocation of {@code order}: an anonymous or a file folio at random,
     * descriptor address 0. Workloads that build real descriptors override this.
     */
    protected long allocatee(final int order) {
        return random.nextBoolean() ? ANON : FILE;
    }

    /** Produces the next op (kind, order, pfn, measured); false when done. */
    protected abstract boolean produce(Op op);

    /** Hook after an alloc's outcome is recorded. */
    protected void onAllocated(final long pfn, final int order, final boolean measured) {
    }

    /** Writes a free of the block in {@code slot} into {@code op} and forgets the block. */
    protected final void freeSlot(final Op op, final int slot, final boolean measured) {
        op.kind = Op.FREE;
        op.pfn = live.pfn(slot);
        op.order = live.order(slot);
        op.measured = measured;
        live.remove(slot);
    }

    protected final void alloc(final Op op, final int order, final boolean measured) {
        op.kind = Op.ALLOC;
        op.order = order;
        op.pfn = PageAllocator.NO_PAGE;
        op.measured = measured;
    }

    /** About how many operations (setup and measured) this stream produces in all: for progress only. */
    public abstract long estimatedOps();

    /** Counters so far; merge streams with {@link WorkloadStats#plus}. */
    public WorkloadStats stats() {
        return new WorkloadStats(fillTarget, live.pages(), live.count(), setupOps, measuredAllocs, measuredFrees,
                allocFailures, fillFailures, -1, 0, 0);
    }

    /** Pages this stream holds allocated right now. */
    public long livePages() {
        return live.pages();
    }

    /** Blocks this stream holds allocated right now. */
    public int liveBlocks() {
        return live.count();
    }
}

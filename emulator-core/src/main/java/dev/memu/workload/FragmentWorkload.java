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
 *
 * <p>Given a {@link FreeBlocksTimeline} ({@link #sampleInto}), the stream reports its points to
 * it in the driver's counting pass: "filled", "freed", "probes k/8" once k eighths of its probes
 * are made, and "compacted" after the compaction round; the timeline samples the allocator's free
 * blocks per order when every stream has passed a point. Points are reported between ops (in
 * {@link #produce}, after the previous op's outcome), never inside one.
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

    /** Probe checkpoints reported to a timeline: after each eighth of the planned probes. */
    public static final int PROBE_POINTS = 8;

    private FreeBlocksTimeline timeline;
    /** The counting pass's allocator when this stream reports to {@link #timeline}; null otherwise. */
    private PageAllocator sampled;
    private int nextProbePoint = 1;

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

    /** Report this stream's points to {@code t} when it runs in a counting pass (see the class comment). */
    public FragmentWorkload sampleInto(final FreeBlocksTimeline t) {
        this.timeline = t;
        return this;
    }

    @Override
    public void attach(final WorkloadContext context) {
        if (timeline != null && context.counting()) {
            sampled = context.allocator();
        }
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
            pass(2 + PROBE_POINTS, "compacted");
        }
    }

    /** Reports point {@code index} to the timeline, in the counting pass. */
    private void pass(final int index, final String name) {
        if (sampled != null) {
            timeline.pass(index, name, sampled, probeAttempts, probeSuccesses);
        }
    }

    /** Reports the probe checkpoints reached: k/8 once {@code probeAttempts >= k * probesPlanned / 8}. */
    private void passProbes() {
        while (sampled != null && nextProbePoint <= PROBE_POINTS
                && probeAttempts * PROBE_POINTS >= nextProbePoint * probesPlanned) {
            pass(1 + nextProbePoint, "probes " + nextProbePoint + "/" + PROBE_POINTS);
            nextProbePoint++;
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
            pass(0, "filled");
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
            pass(1, "freed");
        }
        if (phase == PROBE) {
            passProbes();
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

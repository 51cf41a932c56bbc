package dev.memu.workload.kernelmix;

import dev.memu.alloc.PageAllocator;
import dev.memu.failure.BackingStore;
import dev.memu.failure.FailureInjector;
import dev.memu.failure.FailurePlan;
import dev.memu.failure.MemoryFailure;
import dev.memu.failure.PoisonAwareAllocator;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescHeader;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;
import dev.memu.migrate.CompactionProbe;
import dev.memu.migrate.PageContents;
import dev.memu.workload.Op;
import dev.memu.workload.OrderMix;
import dev.memu.workload.Workload;
import dev.memu.workload.WorkloadContext;
import dev.memu.workload.WorkloadStats;

import java.util.Arrays;

/**
 * {@link KernelMix} as a driver op stream ({@code --workload kernel-mix}): the same kinds, shares
 * and orders ({@link KernelMixConfig}), each allocation a real typed descriptor in the pass's
 * memdesc heap ({@link WorkloadContext#memdescs()}), so its bytes count in bytes per page and the
 * memmap holds real tagged pointers.
 *
 * <ol>
 *   <li>Fill (unmeasured): allocation events until the stream holds its fill target.</li>
 *   <li>Churn: {@code warmupOps} unmeasured then {@code ops} measured allocator calls; each event
 *       is an allocation (70 % of events below the fill target, 30 % up to an eighth above it,
 *       none beyond) or the free of a random live allocation.</li>
 * </ol>
 *
 * An event is one or more allocator calls: a vmalloc area is one order-0 alloc per page (and one
 * free per page), a netpool burst {@code netpoolBurst} order-0 allocs. An event started inside
 * the measured window is finished there, so the measured ops can exceed {@code ops} by less than
 * the largest event (64 calls by default). Descriptors are created before their alloc is issued
 * and freed after their last page is freed, outside the allocator calls the driver times and
 * counts.
 *
 * <p>Options for the stop-the-world experiments (single stream only): a {@link FailurePlan}
 * injects memory failures between ops of the measured window (the workload's allocator must
 * then be a {@link PoisonAwareAllocator}); {@code compact} runs {@link CompactionProbe} when the
 * stream is finished. With failures, file and anon folios get real page contents so migrations
 * and re-reads are checksummed against something.
 */
public final class KernelMixWorkload extends Workload {

    public static final String NAME = "kernel-mix";

    private static final int NONE = 0;
    private static final int VMALLOC_ALLOC = 1;
    private static final int BURST = 2;
    private static final int VMALLOC_FREE = 3;
    private static final int VMALLOC_UNWIND = 4;

    private static final KernelMixConfig.Kind[] KINDS = KernelMixConfig.Kind.values();

    private final KernelMixConfig config;
    private final FailurePlan failurePlan;
    private final boolean compact;
    private final long warmupOps;
    private final long ops;
    private final int totalShare;
    private final long upper;
    private final int[] weightTotals;

    private Memdescs descs;
    private Machine machine;
    private PageAllocator allocator;
    private FailureInjector injector;
    private boolean counting;
    private boolean fillContents;
    private CompactionProbe.Report compaction;

    private long[] allocs;
    private int count;
    private long held;
    private boolean filling = true;
    private long warmupEmitted;
    private long measuredEmitted;

    // the event in flight
    private int event = NONE;
    private long current;          // allocatee of the event's allocation
    private int eventOrder;
    private int eventIndex;        // vmalloc: next page; burst: allocs left
    private int eventPages;        // vmalloc: pages of the area
    private boolean eventMeasured;
    private long deferredFree;     // descriptor whose pages were all freed by the previous op
    private long nextMapping = 0x10000;
    private long nextIndex;
    private final long[] allocsByType = new long[MemdescType.values().length];

    /**
     * @param seed        this stream's seed (the decisions; the config's own seed is not used)
     * @param config      kinds, shares, orders (its occupancy is not used: the fill target is)
     * @param fillTarget  pages to hold after the fill (this stream's share)
     * @param failurePlan failures to inject, or null
     * @param compact     run a probe-compact-probe round when the stream is finished
     */
    public KernelMixWorkload(final long seed, final KernelMixConfig config, final long fillTarget,
                             final long warmupOps, final long ops, final FailurePlan failurePlan,
                             final boolean compact) {
        super(seed, OrderMix.defaults(), fillTarget, 0);
        this.config = config;
        this.failurePlan = failurePlan;
        this.compact = compact;
        this.warmupOps = warmupOps;
        this.ops = ops;
        this.totalShare = Arrays.stream(config.shares()).sum();
        this.upper = fillTarget + Math.max(1, fillTarget / 8);
        this.weightTotals = new int[] {Arrays.stream(config.fileOrders()).sum(), Arrays.stream(config.anonOrders()).sum(),
                Arrays.stream(config.slabOrders()).sum()};
        // Allocations never outnumber held pages; start at a fraction and double (rarely, mostly during the fill).
        this.allocs = new long[(int) Math.min(1 << 20, fillTarget / 4 + 64)];
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void attach(final WorkloadContext context) {
        this.descs = context.memdescs();
        this.machine = context.machine();
        this.allocator = context.allocator();
        this.counting = context.counting();
        if (failurePlan != null) {
            if (!(allocator instanceof PoisonAwareAllocator poisonAware)) {
                throw new IllegalStateException("failure injection needs a poison-aware allocator");
            }
            this.injector = new FailureInjector(failurePlan,
                    new MemoryFailure(poisonAware, descs, BackingStore.PATTERN), ops);
            this.fillContents = true;
        }
    }

    @Override
    protected long allocatee(final int order) {
        return current;
    }

    @Override
    protected void track(final long pfn, final int order) {
        // allocations are tracked by descriptor in onAllocated
    }

    @Override
    protected boolean produce(final Op op) {
        if (descs == null) {
            throw new IllegalStateException("kernel-mix needs attach() before its first op");
        }
        if (deferredFree != 0) {
            descs.free(deferredFree);
            deferredFree = 0;
        }
        if (injector != null && !filling) {
            injector.at(measuredEmitted, 0);
        }
        if (event != NONE) {
            continueEvent(op);
            return true;
        }
        if (filling) {
            if (held < fillTarget && fillFailures == 0) {
                startAlloc(op, false);
                return true;
            }
            filling = false;
        }
        if (measuredEmitted >= ops) {
            return false;
        }
        final boolean measured = warmupEmitted >= warmupOps;
        // KernelMix's steering (70 % allocation events below the target, 30 % above) drifts upwards
        // here: a netpool burst adds 32 allocations of which a free removes one. Above the band
        // every event is a free, so occupancy stays near the fill as churn's does.
        final int allocPercent = held < fillTarget ? 70 : held < upper ? 30 : 0;
        if (count == 0 || random.nextInt(100) < allocPercent) {
            startAlloc(op, measured);
        } else {
            startFree(op, measured);
        }
        return true;
    }

    /** Counts an emitted op against the churn budget and marks it measured or not. */
    private void emitted(final Op op, final boolean measured) {
        op.measured = measured;
        if (measured) {
            measuredEmitted++;
        } else if (!filling) {
            warmupEmitted++;
        }
    }

    private void startAlloc(final Op op, final boolean measured) {
        eventMeasured = measured;
        final KernelMixConfig.Kind kind = KINDS[pick(config.shares(), totalShare)];
        switch (kind) {
            case FILE -> {
                final int order = pick(config.fileOrders(), weightTotals[0]);
                current = descs.newFolio(MemdescType.FILE_FOLIO, order, nextMapping += 0x40, nextIndex += 1L << order);
                if (random.nextInt(1000) < (int) (config.dirtyFraction() * 1000)) {
                    descs.orFlags(current, MemdescHeader.PG_DIRTY);
                }
                single(op, order);
            }
            case ANON -> {
                final int order = pick(config.anonOrders(), weightTotals[1]);
                current = descs.newFolio(MemdescType.ANON_FOLIO, order, nextMapping += 0x40, 0);
                single(op, order);
            }
            case SLAB -> {
                final int order = pick(config.slabOrders(), weightTotals[2]);
                final int[] sizes = config.slabObjectSizes();
                final int size = sizes[random.nextInt(sizes.length)];
                current = descs.newSlab(order, 0xffff888000000000L + size, size, machine.pageSize());
                single(op, order);
            }
            case PAGETABLE -> {
                current = descs.newPageTable(1 + random.nextInt(4), 0xffff888100000000L);
                single(op, 0);
            }
            case ZONEDEVICE -> {
                current = descs.newZoneDevice(0, 0xffff888300000000L);
                single(op, 0);
            }
            case NETPOOL -> {
                current = descs.newNetpool(0, 0xffff888200000000L);
                event = BURST;
                eventIndex = config.netpoolBurst() - 1;
                eventOrder = 0;
                alloc(op, 0, measured);
                emitted(op, measured);
            }
            case VMALLOC -> {
                eventPages = 1 + random.nextInt(config.vmallocMaxPages());
                current = descs.newVmalloc(eventPages, 0xffffc90000000000L + (nextMapping += 0x1000) * 4096,
                        machine.pageSize());
                event = VMALLOC_ALLOC;
                eventIndex = 0;
                eventOrder = 0;
                alloc(op, 0, measured);
                emitted(op, measured);
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private void single(final Op op, final int order) {
        event = NONE;
        eventOrder = order;
        alloc(op, order, eventMeasured);
        emitted(op, eventMeasured);
    }

    private void startFree(final Op op, final boolean measured) {
        eventMeasured = measured;
        final int i = random.nextInt(count);
        final long a = allocs[i];
        allocs[i] = allocs[--count];
        if (Allocatee.type(a) == MemdescType.VMALLOC) {
            held -= descs.nrPages(a);
            current = a;
            eventPages = descs.nrPages(a);
            eventIndex = 0;
            event = VMALLOC_FREE;
            continueEvent(op);
            return;
        }
        held -= 1L << descs.order(a);
        free(op, descs.pfn(a), descs.order(a), measured);
        deferredFree = a;
    }

    private void continueEvent(final Op op) {
        switch (event) {
            case VMALLOC_ALLOC, BURST -> {
                alloc(op, 0, eventMeasured);
                emitted(op, eventMeasured);
            }
            case VMALLOC_FREE, VMALLOC_UNWIND -> {
                free(op, descs.page(current, eventIndex), 0, eventMeasured);
                eventIndex++;
                if (eventIndex == eventPages) {
                    event = NONE;
                    deferredFree = current;
                }
            }
            default -> throw new IllegalStateException("no event in flight");
        }
    }

    private void free(final Op op, final long pfn, final int order, final boolean measured) {
        op.kind = Op.FREE;
        op.pfn = pfn;
        op.order = order;
        emitted(op, measured);
    }

    @Override
    protected void onAllocated(final long pfn, final int order, final boolean measured) {
        if (event == VMALLOC_ALLOC) {
            if (pfn == PageAllocator.NO_PAGE) {
                if (eventIndex == 0) {
                    event = NONE;
                    descs.free(current);
                } else {
                    event = VMALLOC_UNWIND;      // free the pages it got, then the descriptor
                    eventPages = eventIndex;
                    eventIndex = 0;
                }
                return;
            }
            descs.setPage(current, eventIndex, pfn);
            eventIndex++;
            if (eventIndex == eventPages) {
                event = NONE;
                add(current, eventPages);
            }
            return;
        }
        if (pfn == PageAllocator.NO_PAGE) {
            descs.free(current);
            event = NONE;
            return;
        }
        descs.setPfn(current, pfn);
        if (fillContents) {
            final MemdescType type = Allocatee.type(current);
            if (type == MemdescType.FILE_FOLIO) {
                PageContents.fill(machine.ram(), machine.pageShift(), pfn, 1L << order,
                        descs.getLong(current, dev.memu.memdesc.FolioDesc.MAPPING),
                        descs.getLong(current, dev.memu.memdesc.FolioDesc.INDEX));
            } else if (type == MemdescType.ANON_FOLIO) {
                PageContents.fill(machine.ram(), machine.pageShift(), pfn, 1L << order, current, 0);
            }
        }
        add(current, 1L << order);
        if (event == BURST) {
            if (eventIndex == 0) {
                event = NONE;
            } else {
                eventIndex--;
                current = descs.newNetpool(0, 0xffff888200000000L);
            }
        }
    }

    private void add(final long allocatee, final long pages) {
        if (count == allocs.length) {
            allocs = Arrays.copyOf(allocs, count * 2);
        }
        allocs[count++] = allocatee;
        held += pages;
        allocsByType[Allocatee.type(allocatee).ordinal()]++;
    }

    private int pick(final int[] weights, final int total) {
        int r = random.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    @Override
    public void finish() {
        if (deferredFree != 0) {
            descs.free(deferredFree);
            deferredFree = 0;
        }
        if (injector != null) {
            injector.at(measuredEmitted, 0);      // a failure due after the last op is still injected
        }
        if (compact) {
            compaction = CompactionProbe.run(allocator, descs, 0);
        }
    }

    @Override
    public long estimatedOps() {
        return fillTarget / 8 + warmupOps + ops;
    }

    @Override
    public WorkloadStats stats() {
        return new WorkloadStats(fillTarget, held, count, setupOps, measuredAllocs, measuredFrees, allocFailures,
                fillFailures, -1, 0, 0);
    }

    @Override
    public long livePages() {
        return held;
    }

    @Override
    public int liveBlocks() {
        return count;
    }

    /** Allocations made so far of {@code type} (a netpool burst counts each page). */
    public long allocations(final MemdescType type) {
        return allocsByType[type.ordinal()];
    }

    /** True when this stream ran in the driver's counting pass. */
    public boolean counting() {
        return counting;
    }

    /** The failure injector, or null without a failure plan. */
    public FailureInjector failures() {
        return injector;
    }

    /** The compaction round's report, or null (no {@code compact}, or not finished). */
    public CompactionProbe.Report compaction() {
        return compaction;
    }

    /** The memdesc heap's descriptors (after attach). */
    public Memdescs descs() {
        return descs;
    }
}

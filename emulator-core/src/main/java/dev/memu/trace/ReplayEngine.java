package dev.memu.trace;

import dev.memu.access.Access;
import dev.memu.access.CountingAccess;
import dev.memu.access.PlainAccess;
import dev.memu.access.Region;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

/**
 * Replays a {@link TraceLog} against one layout and, for the allocator placement, one allocator.
 *
 * <h2>What each event does</h2>
 * <ul>
 *   <li><b>alloc(pfn, order)</b> — trace placement: {@code memmap.setAllocated(pfn, order, tag)},
 *       the write {@code post_alloc_hook} and {@code prep_compound_page} do, at the kernel's pfn.
 *       Allocator placement: {@code allocator.alloc(order, tag, cpu % vcpus)}; the emulated pfn
 *       is remembered under the trace pfn, and a failure is counted by order.</li>
 *   <li><b>free(pfn, order)</b> / <b>free_batched(pfn)</b> — the reverse, for a block the
 *       trace allocated. A free of a page the trace never allocated is an <i>unmatched free</i>
 *       (allocated before tracing began); a free of a page the trace already freed is a
 *       <i>duplicate</i> (Linux 6.x reports mm_page_free and then mm_page_free_batched for each
 *       page freed through free_unref_folios). Both are counted and skipped.</li>
 *   <li>A free covering part of a live block (split_page, free_pages_exact) or several blocks is a
 *       <i>partial free</i>: the block is split into order-0 pages as split_page does and the freed
 *       ones are released. The allocator placement cannot split an emulated block through the
 *       {@link PageAllocator} API, so it releases the whole emulated block at the first partial
 *       free and lets the rest of the trace free its pages without effect.</li>
 *   <li>An alloc over pages that are still live means the trace lost their free (ring buffer
 *       overrun): the old block is dropped first, counted as <i>alloc over live</i>.</li>
 *   <li>Blocks beyond the pfns replayed are counted and skipped: beyond the emulated RAM for the
 *       trace placement; beyond the auto-sized span (at most {@link #AUTO_MAX_PAGES}) for the
 *       allocator placement, whose RAM is only what the allocator manages.</li>
 * </ul>
 *
 * The trace placement keeps its own on-heap record of live blocks ({@link PfnStates}): the
 * memmap has no "alloc at this pfn" path through an allocator, and the layouts' free-block marks
 * are not written, so the memmap holds exactly the allocatee words the kernel's placement implies.
 * Its "free blocks by order" is what the buddy allocator would hold if every page the trace does
 * not hold were free: the largest aligned blocks of at most order 10 that fit each free run.
 *
 * <p>Every applied alloc and free is one measured operation of the access layer; with
 * {@link ReplayOptions#countLines()} the distinct cachelines each one touches are recorded per region.
 */
public final class ReplayEngine {

    /** The order free blocks are reported up to in the trace placement: Linux's MAX_PAGE_ORDER. */
    public static final int TRACE_MAX_ORDER = BuddyAllocator.DEFAULT_MAX_ORDER;
    /** Auto-sized RAM never exceeds 2^28 pages (1 TiB of 4 KiB pages); pass a size for more. */
    public static final long AUTO_MAX_PAGES = 1L << 28;
    private static final long AUTO_ROUND_PAGES = 1L << 10;
    private static final long RELEASED = -2;
    private static final long FAILED = -1;

    private final TraceLog log;
    private final ReplayOptions options;
    private final ReplayReport report;

    private Machine machine;
    private Memmap memmap;
    private Access access;
    private CountingAccess counting;
    private PageAllocator allocator;
    private PfnStates states;
    private PfnMap emulated;
    private int vcpus;
    /** vcpu of the event being replayed. */
    private int vcpu;
    /** What a page freed by the current event reads as: FREED, plus FREED_BY_FREE for mm_page_free. */
    private int freedMark = PfnStates.FREED;

    private ReplayEngine(final TraceLog log, final ReplayOptions options) {
        this.log = log;
        this.options = options;
        this.report = new ReplayReport(options, log.stats(), log.inputs());
    }

    /**
     * Replays {@code log} as {@code options} say.
     *
     * @throws TraceFormatException in strict mode, at the first odd event (or odd text already counted)
     */
    public static ReplayReport replay(final TraceLog log, final ReplayOptions options) {
        return new ReplayEngine(log, options).run();
    }

    /** Pages an auto-sized RAM gets for this log: highest pfn + 1, rounded up to 4 MiB. */
    public static long autoPages(final TraceLog log) {
        long end = 0;
        for (int i = 0; i < log.size(); i++) {
            if (log.kind(i) == TraceLog.LOST || log.order(i) > PfnStates.MAX_ORDER) {
                continue;
            }
            final long last = log.pfn(i) + (1L << log.order(i));
            if (last <= AUTO_MAX_PAGES) {
                end = Math.max(end, last);
            }
        }
        return Math.max(AUTO_ROUND_PAGES, (end + AUTO_ROUND_PAGES - 1) & -AUTO_ROUND_PAGES);
    }

    private ReplayReport run() {
        final TraceStats t = log.stats();
        if (options.strict() && (t.unparsable() > 0 || t.lostMarkers() > 0)) {
            // the parser throws first when it was strict too; this covers a log read leniently
            throw new TraceFormatException(String.join(",", log.inputs()), 0,
                    t.unparsable() + " unparsable lines and " + t.lostMarkers() + " LOST markers");
        }
        final Layout layout = Layouts.byName(options.layout());
        final long pages = options.ramBytes() > 0 ? options.ramBytes() >>> Machine.DEFAULT_PAGE_SHIFT : autoPages(log);
        vcpus = options.vcpus() > 0 ? options.vcpus() : Math.max(1, t.maxCpu() + 1);
        report.pages = pages;
        report.ramBytes = pages << Machine.DEFAULT_PAGE_SHIFT;
        report.vcpus = vcpus;
        if (options.countLines()) {
            counting = new CountingAccess();
            access = counting;
        } else {
            access = PlainAccess.INSTANCE;
        }
        try (Machine m = Machine.create(report.ramBytes)) {
            machine = m;
            memmap = layout.bind(machine, access);
            // trace pfns live in the trace's pfn space: the emulated RAM for the trace placement,
            // the auto-sized span of the trace for the allocator placement (whatever RAM it gets)
            states = new PfnStates(options.placement() == Placement.TRACE ? pages : autoPages(log));
            if (options.placement() == Placement.ALLOCATOR) {
                allocator = Allocators.create(options.allocator(), memmap,
                        AllocatorOptions.defaults().withVcpus(vcpus));
                emulated = new PfnMap();
                report.allocatorName = allocator.name();
            } else {
                report.allocatorName = "none (trace placement)";
            }
            replayAll();
            for (final Region r : Region.values()) {
                report.regionBytes[r.ordinal()] = machine.footprint().bytes(r);
            }
        }
        return report;
    }

    private void replayAll() {
        final int n = log.size();
        final int snaps = options.snapshots();
        int nextSnap = 1;
        long nextSnapAt = snaps == 0 ? Long.MAX_VALUE : Math.max(1, (long) n * nextSnap / snaps);
        for (int i = 0; i < n; i++) {
            vcpu = log.cpu(i) % vcpus;
            freedMark = log.kind(i) == TraceLog.FREE ? PfnStates.FREED | PfnStates.FREED_BY_FREE : PfnStates.FREED;
            switch (log.kind(i)) {
                case TraceLog.ALLOC -> alloc(i);
                case TraceLog.FREE, TraceLog.FREE_BATCHED -> free(i);
                default -> {
                    report.lostMarkers++;
                    report.lostEvents += log.lostCount(i);
                }
            }
            if (i + 1 >= nextSnapAt) {
                snapshot(i);
                nextSnap++;
                nextSnapAt = nextSnap > snaps ? Long.MAX_VALUE : Math.max(i + 2, (long) n * nextSnap / snaps);
            }
        }
        if (snaps > 0 && n == 0) {
            snapshot(-1);
        }
    }

    private void snapshot(final int i) {
        final long[] blocks = allocator != null ? allocator.freeBlocksByOrder() : states.freeBlocksByOrder(TRACE_MAX_ORDER);
        report.snapshots.add(new ReplayReport.Snapshot(i, i < 0 ? -1 : log.timestampNanos(i), blocks));
    }

    // ---- alloc ----

    private void alloc(final int i) {
        final long pfn = log.pfn(i);
        final int order = log.order(i);
        if (order > PfnStates.MAX_ORDER || (allocator != null && order > allocator.maxOrder())) {
            report.orderTooHigh++;
            odd(i, "order too high", "order " + order + " is above what the replay can place");
            return;
        }
        final long pages = 1L << order;
        if (pfn + pages > states.pages()) {
            report.outOfRangeAllocs++;
            odd(i, "out of range", "alloc of pfn 0x" + Long.toHexString(pfn) + " order " + order + " is beyond the "
                    + states.pages() + " pages replayed");
            return;
        }
        if ((pfn & (pages - 1)) != 0) {
            report.misaligned++;
            odd(i, "misaligned", "alloc of pfn 0x" + Long.toHexString(pfn) + " is not aligned to order " + order);
            // placed anyway: the memmap does not care, and its free must still match
        }
        final long tag = Allocatee.of(log.type(i) == null ? MemdescType.SLAB : log.type(i), 0);
        boolean overLive = false;
        for (long p = pfn; p < pfn + pages; p++) {
            if ((states.get(p) & PfnStates.LIVE) != 0) {
                overLive = true;
                break;
            }
        }
        beginOp();
        if (overLive) {
            report.allocOverLive++;
            odd(i, "alloc over live", "alloc of pfn 0x" + Long.toHexString(pfn) + " over pages still live: their free was not traced");
            for (long p = pfn; p < pfn + pages; p++) {
                if ((states.get(p) & PfnStates.LIVE) != 0) {
                    dropBlock(head(p));
                }
            }
        }
        states.set(pfn, PfnStates.LIVE | PfnStates.HEAD | order);
        for (long p = pfn + 1; p < pfn + pages; p++) {
            states.set(p, PfnStates.LIVE);
        }
        if (allocator == null) {
            memmap.setAllocated(pfn, order, tag);
        } else {
            final long e = allocator.alloc(order, tag, vcpu);
            if (e == PageAllocator.NO_PAGE) {
                report.failuresByOrder[order]++;
            }
            emulated.put(pfn, e == PageAllocator.NO_PAGE ? FAILED : e);
        }
        endOp(true);
        report.allocsByOrder[order]++;
        report.livePages += pages;
        report.peakLivePages = Math.max(report.peakLivePages, report.livePages);
    }

    // ---- free ----

    private void free(final int i) {
        final long pfn = log.pfn(i);
        final int order = log.order(i);
        if (order > PfnStates.MAX_ORDER) {
            report.orderTooHigh++;
            odd(i, "order too high", "free of order " + order + " is above what the replay can hold");
            return;
        }
        final long pages = 1L << order;
        if (pfn + pages > states.pages()) {
            report.outOfRangeFrees++;
            odd(i, "out of range", "free of pfn 0x" + Long.toHexString(pfn) + " is beyond the " + states.pages() + " pages replayed");
            return;
        }
        final int s = states.get(pfn);
        if (s == (PfnStates.LIVE | PfnStates.HEAD | order)) {
            beginOp();
            releaseBlock(pfn, order);
            endOp(false);
            report.freesByOrder[order]++;
            return;
        }
        boolean anyLive = false;
        for (long p = pfn; p < pfn + pages; p++) {
            if ((states.get(p) & PfnStates.LIVE) != 0) {
                anyLive = true;
                break;
            }
        }
        if (!anyLive) {
            if ((s & PfnStates.FREED) != 0) {
                report.duplicateFrees++;
                if (log.kind(i) == TraceLog.FREE_BATCHED && (s & PfnStates.FREED_BY_FREE) != 0) {
                    report.duplicateBatchedAfterFree++;
                }
                odd(i, "duplicate free", "free of pfn 0x" + Long.toHexString(pfn) + " that the trace already freed");
            } else {
                report.unmatchedFrees++;
                report.unmatchedFreePages += pages;
                odd(i, "unmatched free", "free of pfn 0x" + Long.toHexString(pfn) + " that the trace never allocated");
            }
            for (long p = pfn; p < pfn + pages; p++) {
                states.set(p, freedMark);
            }
            return;
        }
        report.partialFrees++;
        odd(i, "partial free", "free of pfn 0x" + Long.toHexString(pfn) + " order " + order + " covers part of a live block");
        beginOp();
        for (long p = pfn; p < pfn + pages; ) {
            if ((states.get(p) & PfnStates.LIVE) == 0) {
                states.set(p, freedMark);
                p++;
                continue;
            }
            final long h = head(p);
            final int k = states.get(h) & PfnStates.ORDER_MASK;
            splitAndRelease(h, k, pfn, pfn + pages);
            p = Math.max(p + 1, Math.min(h + (1L << k), pfn + pages));
        }
        endOp(false);
        report.freesByOrder[order]++;
    }

    /** The head of the live block holding {@code pfn}. */
    private long head(final long pfn) {
        long p = pfn;
        while ((states.get(p) & PfnStates.HEAD) == 0 && p > 0) {
            p--;
        }
        return p;
    }

    /** Releases the whole live block at head {@code h} of order {@code k}; its pages become FREED. */
    private void releaseBlock(final long h, final int k) {
        final long pages = 1L << k;
        if (allocator == null) {
            memmap.clearAllocated(h, k);
        } else {
            releaseEmulated(h, k);
        }
        for (long p = h; p < h + pages; p++) {
            states.set(p, freedMark);
        }
        report.livePages -= pages;
    }

    /** An alloc over a live block: the block's free was lost; drop it without counting a free. */
    private void dropBlock(final long h) {
        final int k = states.get(h) & PfnStates.ORDER_MASK;
        releaseBlock(h, k);
    }

    /**
     * Splits the live block (h, k) into order-0 pages, as split_page does, and releases those in
     * [from, to). Trace placement rewrites the memmap entries; allocator placement releases the
     * whole emulated block now (it cannot be split through the allocator API).
     */
    private void splitAndRelease(final long h, final int k, final long from, final long to) {
        final long end = h + (1L << k);
        if (allocator == null) {
            final long tag = memmap.allocatee(h);
            memmap.clearAllocated(h, k);
            for (long p = h; p < end; p++) {
                if (p < from || p >= to) {
                    memmap.setAllocated(p, 0, tag == Allocatee.NONE ? Allocatee.of(MemdescType.SLAB, 0) : tag);
                }
            }
        } else {
            releaseEmulated(h, k);
        }
        for (long p = h; p < end; p++) {
            if (p >= from && p < to) {
                states.set(p, freedMark);
                report.livePages--;
            } else {
                states.set(p, PfnStates.LIVE | PfnStates.HEAD);   // order 0
                if (allocator != null) {
                    emulated.put(p, RELEASED);
                }
            }
        }
    }

    private void releaseEmulated(final long h, final int k) {
        final long e = emulated.remove(h);
        if (e == FAILED) {
            report.freesOfFailed++;
        } else if (e >= 0) {
            allocator.free(e, k, vcpu);
        }
        // RELEASED or MISSING: the emulated block went at an earlier partial free
    }

    // ---- measuring and strictness ----

    private void beginOp() {
        access.beginOp();
    }

    private void endOp(final boolean alloc) {
        access.endOp();
        if (counting == null) {
            if (alloc) {
                report.allocOps++;
            } else {
                report.freeOps++;
            }
            return;
        }
        int total = 0;
        final long[] sums = alloc ? report.allocLines : report.freeLines;
        for (int r = 0; r < Region.count(); r++) {                // no values() clone per op
            final int lines = counting.lastOpLines(Region.of(r));
            sums[r] += lines;
            total += lines;
        }
        final long[] hist = alloc ? report.allocLineHist : report.freeLineHist;
        hist[Math.min(total, hist.length - 1)]++;
        if (alloc) {
            report.allocOps++;
        } else {
            report.freeOps++;
        }
    }

    private void odd(final int i, final String kind, final String what) {
        final long line = log.globalLine(i);
        report.sequenceExample(kind, log.where(line) + ": " + what);
        if (options.strict()) {
            throw new TraceFormatException(log.inputOf(line), log.lineIn(line), what);
        }
    }
}

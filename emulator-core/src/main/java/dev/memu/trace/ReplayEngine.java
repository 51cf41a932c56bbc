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
import dev.memu.driver.ProgressListener;
import dev.memu.driver.ProgressMeter;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import dev.memu.util.Sizes;
import org.agrona.collections.Long2LongHashMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Replays a trace against one layout and, for the allocator placement, one allocator: from a
 * {@link TraceLog} in memory, or streamed from its text ({@link TraceInputs}) with memory per pfn
 * and per live block only.
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
    /** Most emulated CPUs a replay runs (per-vcpu state is allocated for each); more cpus fold modulo. */
    public static final int MAX_VCPUS = 1024;
    /**
     * Virtual address space one replay may map (RAM + memmap + metadata, all lazily committed):
     * half of x86-64's 47-bit user space, so a typo like {@code --mem 1P} is refused, not an OOM.
     */
    public static final long MAX_MAPPED_BYTES = 1L << 46;
    private static final long AUTO_ROUND_PAGES = 1L << 10;
    private static final long RELEASED = -2;
    private static final long FAILED = -1;
    private static final long MISSING = Long.MIN_VALUE;
    /** Events between two looks at the clock for progress. */
    private static final int PROGRESS_EVERY = 1 << 12;

    /** Pushes a trace's events, in order, into a sink: a log in memory, or the text read again. */
    @FunctionalInterface
    private interface Feed {
        void into(TraceSink sink) throws IOException;
    }

    private final TraceStats stats;
    private final ReplayOptions options;
    private final ReplayReport report;
    private final long events;
    private final ProgressMeter progress;

    private Machine machine;
    private Memmap memmap;
    private Access access;
    private CountingAccess counting;
    private PageAllocator allocator;
    private PfnStates states;
    /**
     * Allocator placement: trace pfn of each live block's head -> the emulated pfn the allocator
     * gave it ({@link #FAILED}, {@link #RELEASED}); one entry per live block, no boxing.
     */
    private Long2LongHashMap emulated;
    private int vcpus;

    // the event being replayed
    private int index = -1;
    private int kind;
    private long pfn;
    private int order;
    private MemdescType type;
    private long tsNanos;
    private long line;
    /** vcpu of the event being replayed. */
    private int vcpu;
    /** What a page freed by the current event reads as: FREED, plus FREED_BY_FREE for mm_page_free. */
    private int freedMark = PfnStates.FREED;
    private int nextSnap = 1;
    private long nextSnapAt;

    private final List<String> inputNames = new ArrayList<>();
    private final List<Long> inputFirstLine = new ArrayList<>();

    private ReplayEngine(final TraceStats stats, final List<String> inputs, final ReplayOptions options,
                         final ProgressListener listener, final LongSupplier clock) {
        this.stats = stats;
        this.options = options;
        this.report = new ReplayReport(options, stats, inputs);
        this.events = stats.replayEvents();
        this.progress = new ProgressMeter(listener, "replay " + options.layout()
                + (options.placement() == Placement.ALLOCATOR ? "/" + options.allocator() : ""), events, clock);
    }

    /**
     * Replays {@code log} as {@code options} say.
     *
     * @throws TraceFormatException in strict mode, at the first odd event (or odd text already
     *                              counted), or when the log has no event
     * @throws IllegalArgumentException when the RAM asked for does not fit (see {@link #checkFits})
     */
    public static ReplayReport replay(final TraceLog log, final ReplayOptions options) {
        try {
            return new ReplayEngine(log.stats(), log.inputs(), options, ProgressListener.NONE, System::nanoTime)
                    .run(log::replayInto);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);        // a log in memory does no I/O
        }
    }

    /**
     * Replays the trace in {@code inputs}, reading its text again as it goes: memory is per pfn the
     * trace names and per live block, never per event. {@code stats} is what
     * {@link FtraceParser#count} found in the same inputs (it sizes the RAM and the vcpus).
     * Reports progress to {@code listener} on passes longer than a second or two.
     *
     * @throws TraceFormatException in strict mode, at the first odd event, or when there is no event
     * @throws IllegalArgumentException when the RAM asked for does not fit (see {@link #checkFits})
     * @throws IOException when an input cannot be read again
     */
    public static ReplayReport replay(final TraceInputs inputs, final TraceStats stats, final ReplayOptions options,
                                      final ProgressListener listener) throws IOException {
        return replay(inputs, stats, options, listener, System::nanoTime);
    }

    /** {@link #replay(TraceInputs, TraceStats, ReplayOptions, ProgressListener)} on a given clock (tests). */
    static ReplayReport replay(final TraceInputs inputs, final TraceStats stats, final ReplayOptions options,
                               final ProgressListener listener, final LongSupplier clock) throws IOException {
        return new ReplayEngine(stats, inputs.names(), options, listener, clock)
                .run(sink -> FtraceParser.scan(inputs, false, sink));
    }

    /** Pages an auto-sized RAM gets for this log: highest pfn + 1, rounded up to 4 MiB. */
    public static long autoPages(final TraceLog log) {
        return autoPages(log.stats());
    }

    /** Pages an auto-sized RAM gets for a trace with these stats: highest block end, rounded up to 4 MiB. */
    public static long autoPages(final TraceStats stats) {
        final long end = stats.spanPages();
        return Math.max(AUTO_ROUND_PAGES, (end + AUTO_ROUND_PAGES - 1) & -AUTO_ROUND_PAGES);
    }

    /**
     * Refuses a RAM size whose replay cannot run here, before anything is mapped: its RAM plus
     * the layout's memmap must fit in {@link #MAX_MAPPED_BYTES} of address space, and the memmap
     * (which the replay may commit wherever the trace writes, and the allocator's boot touches
     * throughout) must fit in the host's physical memory.
     *
     * @throws IllegalArgumentException saying what would be needed against what there is
     */
    public static void checkFits(final long ramBytes, final String layoutName, final long hostMemoryBytes) {
        final Layout layout = Layouts.byName(layoutName);
        final long pages = ramBytes >>> Machine.DEFAULT_PAGE_SHIFT;
        final long memmap = Math.multiplyHigh(pages, layout.bytesPerPage()) != 0 ? Long.MAX_VALUE
                : pages * layout.bytesPerPage();
        if (ramBytes > MAX_MAPPED_BYTES || memmap > MAX_MAPPED_BYTES - ramBytes) {
            throw new IllegalArgumentException("RAM " + Sizes.format(ramBytes) + " and its " + layoutName + " memmap ("
                    + Sizes.format(memmap) + ") are more than a replay maps (" + Sizes.format(MAX_MAPPED_BYTES) + ")");
        }
        if (hostMemoryBytes > 0 && memmap > hostMemoryBytes) {
            throw new IllegalArgumentException("RAM " + Sizes.format(ramBytes) + " needs " + Sizes.format(memmap)
                    + " of " + layoutName + " memmap, more than this host's " + Sizes.format(hostMemoryBytes)
                    + " of memory");
        }
    }

    /** This host's physical memory, 0 when the JVM cannot tell. */
    public static long hostMemoryBytes() {
        final var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : 0;
    }

    private ReplayReport run(final Feed feed) throws IOException {
        final TraceStats t = stats;
        if (options.strict() && (t.unparsable() > 0 || t.lostMarkers() > 0)) {
            // the parser throws first when it was strict too; this covers a log read leniently
            throw new TraceFormatException(String.join(",", report.inputs()),
                    t.unparsable() + " unparsable lines and " + t.lostMarkers() + " LOST markers");
        }
        if (options.strict() && t.events() == 0) {
            throw new TraceFormatException(String.join(",", report.inputs()),
                    "no kmem:mm_page_alloc, mm_page_free or mm_page_free_batched events");
        }
        final Layout layout = Layouts.byName(options.layout());
        final long pages = options.ramBytes() > 0 ? options.ramBytes() >>> Machine.DEFAULT_PAGE_SHIFT : autoPages(t);
        if (options.ramBytes() > 0) {
            checkFits(options.ramBytes(), options.layout(), hostMemoryBytes());
        }
        vcpus = options.vcpus() > 0 ? options.vcpus() : Math.min(MAX_VCPUS, Math.max(1, t.maxCpu() + 1));
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
            states = new PfnStates(options.placement() == Placement.TRACE ? pages : autoPages(t));
            if (options.placement() == Placement.ALLOCATOR) {
                allocator = Allocators.create(options.allocator(), memmap,
                        AllocatorOptions.defaults().withVcpus(vcpus));
                emulated = new Long2LongHashMap(MISSING);
                report.allocatorName = allocator.name();
            } else {
                report.allocatorName = "none (trace placement)";
            }
            final int snaps = options.snapshots();
            nextSnapAt = snaps == 0 ? Long.MAX_VALUE : Math.max(1, events * nextSnap / snaps);
            try {
                feed.into(sink);
            } catch (final UncheckedIOException e) {
                throw e.getCause();
            }
            progress.finish();
            if (index + 1 != events) {
                throw changed((index + 1) + " events read, " + events + " counted before");
            }
            if (snaps > 0 && events == 0) {
                snapshot();
            }
            for (final Region r : Region.values()) {
                report.regionBytes[r.ordinal()] = machine.footprint().bytes(r);
            }
        }
        return report;
    }

    /** Where the feed puts the trace: this replay, one event at a time. */
    private final TraceSink sink = new TraceSink() {
        @Override
        public void beginInput(final String name, final long firstGlobalLine) {
            inputNames.add(name);
            inputFirstLine.add(firstGlobalLine);
        }

        @Override
        public void add(final int kind, final long pfnOrCount, final int order, final int migratetype,
                        final MemdescType type, final int cpu, final long tsNanos, final long globalLine) {
            event(kind, pfnOrCount, order, type, cpu, tsNanos, globalLine);
        }
    };

    private void event(final int kind, final long pfnOrCount, final int order, final MemdescType type, final int cpu,
                       final long tsNanos, final long globalLine) {
        index++;
        if (index >= events) {
            throw new UncheckedIOException(changed("more than the " + events + " events counted before"));
        }
        this.kind = kind;
        this.pfn = pfnOrCount;
        this.order = order;
        this.type = type;
        this.tsNanos = tsNanos;
        this.line = globalLine;
        vcpu = cpu % vcpus;
        freedMark = kind == TraceLog.FREE ? PfnStates.FREED | PfnStates.FREED_BY_FREE : PfnStates.FREED;
        switch (kind) {
            case TraceLog.ALLOC -> alloc();
            case TraceLog.FREE, TraceLog.FREE_BATCHED -> free();
            default -> {
                report.lostMarkers++;
                report.lostEvents += pfnOrCount;
            }
        }
        if (index + 1 >= nextSnapAt) {
            snapshot();
            nextSnap++;
            final int snaps = options.snapshots();
            nextSnapAt = nextSnap > snaps ? Long.MAX_VALUE : Math.max(index + 2, events * nextSnap / snaps);
        }
        if ((index & (PROGRESS_EVERY - 1)) == 0) {
            progress.update(index);
        }
    }

    /** The inputs were not the same on the second read (a live tracefs file, a file being written). */
    private IOException changed(final String what) {
        return new IOException(String.join(",", report.inputs()) + ": changed while it was replayed (" + what
                + "); replay a copy, e.g. cp /sys/kernel/tracing/trace my.trace");
    }

    private void snapshot() {
        final long[] blocks = allocator != null ? allocator.freeBlocksByOrder() : states.freeBlocksByOrder(TRACE_MAX_ORDER);
        report.snapshots.add(new ReplayReport.Snapshot(index, index < 0 ? -1 : tsNanos, blocks));
    }

    // ---- alloc ----

    private void alloc() {
        if (order > PfnStates.MAX_ORDER || (allocator != null && order > allocator.maxOrder())) {
            report.orderTooHigh++;
            odd("order too high", "order " + order + " is above what the replay can place");
            return;
        }
        final long pages = 1L << order;
        if (pfn > states.pages() - pages) {
            report.outOfRangeAllocs++;
            odd("out of range", "alloc of pfn 0x" + Long.toHexString(pfn) + " order " + order + " is beyond the "
                    + states.pages() + " pages replayed");
            return;
        }
        if ((pfn & (pages - 1)) != 0) {
            report.misaligned++;
            odd("misaligned", "alloc of pfn 0x" + Long.toHexString(pfn) + " is not aligned to order " + order);
            // placed anyway: the memmap does not care, and its free must still match
        }
        final long tag = Allocatee.of(type == null ? MemdescType.SLAB : type, 0);
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
            odd("alloc over live", "alloc of pfn 0x" + Long.toHexString(pfn) + " over pages still live: their free was not traced");
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

    private void free() {
        if (order > PfnStates.MAX_ORDER) {
            report.orderTooHigh++;
            odd("order too high", "free of order " + order + " is above what the replay can hold");
            return;
        }
        final long pages = 1L << order;
        if (pfn > states.pages() - pages) {
            report.outOfRangeFrees++;
            odd("out of range", "free of pfn 0x" + Long.toHexString(pfn) + " is beyond the " + states.pages() + " pages replayed");
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
                if (kind == TraceLog.FREE_BATCHED && (s & PfnStates.FREED_BY_FREE) != 0) {
                    report.duplicateBatchedAfterFree++;
                }
                odd("duplicate free", "free of pfn 0x" + Long.toHexString(pfn) + " that the trace already freed");
            } else {
                report.unmatchedFrees++;
                report.unmatchedFreePages += pages;
                odd("unmatched free", "free of pfn 0x" + Long.toHexString(pfn) + " that the trace never allocated");
            }
            for (long p = pfn; p < pfn + pages; p++) {
                states.set(p, freedMark);
            }
            return;
        }
        report.partialFrees++;
        odd("partial free", "free of pfn 0x" + Long.toHexString(pfn) + " order " + order + " covers part of a live block");
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

    private void odd(final String kind, final String what) {
        report.sequenceExample(kind, where(line) + ": " + what);
        if (options.strict()) {
            throw new TraceFormatException(inputOf(line), lineIn(line), what);
        }
    }

    /** The input holding global line {@code globalLine}, by index into the inputs begun so far. */
    private int inputIndex(final long globalLine) {
        for (int k = inputNames.size() - 1; k >= 0; k--) {
            if (globalLine >= inputFirstLine.get(k)) {
                return k;
            }
        }
        return -1;
    }

    private String where(final long globalLine) {
        return inputOf(globalLine) + ":" + lineIn(globalLine);
    }

    private String inputOf(final long globalLine) {
        final int k = inputIndex(globalLine);
        return k < 0 ? "?" : inputNames.get(k);
    }

    private long lineIn(final long globalLine) {
        final int k = inputIndex(globalLine);
        return k < 0 ? globalLine : globalLine - inputFirstLine.get(k) + 1;
    }
}

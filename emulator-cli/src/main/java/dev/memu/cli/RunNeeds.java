package dev.memu.cli;

import dev.memu.driver.Driver;
import dev.memu.layout.Layouts;
import dev.memu.util.Sizes;

/**
 * What a {@code memu run} will take from the host, estimated from its sizes before it starts, so
 * that a run the host cannot hold is refused in a line that says how much it needs (instead of an
 * OutOfMemoryError, or the OOM killer, minutes in).
 *
 * <p>Off-heap (all lazily committed mappings): the memmap entries the run touches, which are the
 * filled pages' entries (at least a cacheline each) plus one host page per free max-order block
 * (the boot links every block through its head descriptor), at most the whole memmap. Java heap:
 * the workload's live-block arrays ({@value #LIVE_BLOCK_BYTES} bytes per block, room for 9/8 of the
 * fill, as ChurnWorkload sizes them), the swap churn's ({@value #LIVE_BLOCK_BYTES} bytes for
 * each of the half of the device's slots it keeps live) and the op tapes the driver replays
 * ({@link Driver#tapeBytes}). Estimates, not bounds: they leave out what is small next to them.
 */
final class RunNeeds {

    /** A live block on the heap: its pfn (long) and order (byte). */
    static final int LIVE_BLOCK_BYTES = 9;
    private static final long HOST_PAGE = 4096;
    private static final int CACHELINE = 64;
    /** Pages per max-order (order 10) block, the unit the boot frees RAM in. */
    private static final long MAX_ORDER_PAGES = 1024;
    private static final long SWAP_SLOT = 4096;

    private RunNeeds() {
    }

    /**
     * @param ops       every op the run's streams issue, fill, warm-up and measured, all threads
     * @param threads   the run's threads, each with a stream and a tape of its own
     */
    static void check(final String memInput, final long pages, final int pageShift, final String layout,
                      final long fillPages, final long ops, final int threads, final long swapBytes,
                      final String swapInput) {
        final long bytesPerPage = Math.max(Layouts.byName(layout).bytesPerPage(), 16); // peralloc16: 16 B a record
        final long memmap = multiply(pages, bytesPerPage);
        final long touched = Math.min(memmap, add(multiply(fillPages, Math.max(bytesPerPage, CACHELINE)),
                multiply(pages / MAX_ORDER_PAGES + 1, HOST_PAGE)));
        HostMemory.requireOffHeap(memInput, touched, "the " + layout + " memmap entries the run touches");
        final long liveBlocks = multiply(fillPages, LIVE_BLOCK_BYTES) / 8 * 9;
        final long swapLive = multiply(swapBytes / SWAP_SLOT / 2, LIVE_BLOCK_BYTES);
        final long tapes = Driver.tapeBytes(ops, threads);
        final long heap = add(add(swapLive, liveBlocks), tapes);
        if (swapLive > liveBlocks && swapLive > tapes) {
            HostMemory.requireHeap(swapInput, heap, "the swap churn's live slots and the rest");
        } else if (tapes > liveBlocks) {
            HostMemory.requireHeap(memInput, heap, "the op tapes of " + threads + " thread(s) ("
                    + Sizes.format(tapes) + ") and the workload's live blocks");
        } else {
            HostMemory.requireHeap(memInput, heap, "the workload's live blocks (" + fillPages
                    + " filled pages) and the op tapes");
        }
    }

    /** {@link #check} for a run without swap. */
    static void check(final String memInput, final long pages, final int pageShift, final String layout,
                      final long fillPages, final long ops, final int threads) {
        check(memInput, pages, pageShift, layout, fillPages, ops, threads, 0, null);
    }

    /** Every op of {@code w} on {@code pages}: its fill (a page an op at most), warm-up and measured ops. */
    static long ops(final dev.memu.workload.WorkloadSpec w, final long pages, final int pageShift) {
        return add(add(w.fillPages(pages, pageShift), w.warmupOps()), w.ops());
    }

    private static long multiply(final long a, final long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (final ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long add(final long a, final long b) {
        try {
            return Math.addExact(a, b);
        } catch (final ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}

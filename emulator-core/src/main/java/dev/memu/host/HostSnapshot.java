package dev.memu.host;

import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.Allocatee;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A host's physical memory state rebuilt from kpageflags: page counts per {@link PageClass},
 * allocations by class and order, free blocks by order, and the whole pfn space as a sorted list
 * of <i>extents</i> — {@code count} consecutive blocks of 2^order pages of one class — from which
 * the emulator can be booted.
 *
 * <p>The snapshot file ({@code memu host --save}) and its rules are in {@link SnapshotFile}.
 */
public final class HostSnapshot {

    public static final int ORDERS = 32;

    final int pageShift;
    final long pfns;
    final long[] classPages = new long[PageClass.count()];
    final long[][] allocsByOrder = new long[PageClass.count()][ORDERS];
    long thpPages;
    long[] freeBlocksByOrder;
    int oddCompounds;
    final List<ProcFiles.Zone> zones = new ArrayList<>();

    long[] extPfn = new long[1024];
    long[] extCount = new long[1024];
    byte[] extOrder = new byte[1024];
    byte[] extClass = new byte[1024];
    int extents;

    HostSnapshot(final int pageShift, final long pfns, final int maxFreeOrder) {
        this.pageShift = pageShift;
        this.pfns = pfns;
        this.freeBlocksByOrder = new long[maxFreeOrder + 1];
    }

    /** Appends {@code count} blocks of 2^order pages of {@code cls} at {@code pfn}, merging with the last extent. */
    void extent(final long pfn, final long count, final int order, final PageClass cls) {
        if (extents > 0) {
            final int last = extents - 1;
            if (extClass[last] == cls.ordinal() && extOrder[last] == order
                    && extPfn[last] + (extCount[last] << order) == pfn) {
                extCount[last] += count;
                return;
            }
        }
        if (extents == extPfn.length) {
            final int n = extents * 2;
            extPfn = Arrays.copyOf(extPfn, n);
            extCount = Arrays.copyOf(extCount, n);
            extOrder = Arrays.copyOf(extOrder, n);
            extClass = Arrays.copyOf(extClass, n);
        }
        extPfn[extents] = pfn;
        extCount[extents] = count;
        extOrder[extents] = (byte) order;
        extClass[extents] = (byte) cls.ordinal();
        extents++;
    }

    public int pageShift() { return pageShift; }
    /** Pfns the kpageflags file covers (max_pfn rounded up to a memory section). */
    public long pfns() { return pfns; }
    public long pages(final PageClass c) { return classPages[c.ordinal()]; }
    /** Allocations (compound or single pages) of class {@code c} and {@code order}. */
    public long allocations(final PageClass c, final int order) { return allocsByOrder[c.ordinal()][order]; }
    public long allocations(final PageClass c) {
        long s = 0;
        for (final long v : allocsByOrder[c.ordinal()]) {
            s += v;
        }
        return s;
    }
    /** Pages that kpageflags marks THP (anon or file large folios, and the huge zero page). */
    public long thpPages() { return thpPages; }
    /** Free buddy blocks per order as rebuilt (the analogue of a /proc/buddyinfo row summed over zones). */
    public long[] freeBlocksByOrder() { return freeBlocksByOrder.clone(); }
    public long freePages() {
        long s = 0;
        for (int o = 0; o < freeBlocksByOrder.length; o++) {
            s += freeBlocksByOrder[o] << o;
        }
        return s;
    }
    public int oddCompounds() { return oddCompounds; }
    public List<ProcFiles.Zone> zones() { return Collections.unmodifiableList(zones); }
    public int extents() { return extents; }
    public long extentPfn(final int i) { return extPfn[i]; }
    public long extentCount(final int i) { return extCount[i]; }
    public int extentOrder(final int i) { return extOrder[i]; }
    public PageClass extentClass(final int i) { return PageClass.of(extClass[i]); }

    /** Separately allocated memdesc bytes of class {@code c} under the memdesc plan (see {@link PageClass}). */
    public long descriptorBytes(final PageClass c) {
        long s = 0;
        for (int o = 0; o < ORDERS; o++) {
            s += allocsByOrder[c.ordinal()][o] * c.descriptorBytes(o);
        }
        return s;
    }

    public long descriptorBytes() {
        long s = 0;
        for (final PageClass c : PageClass.values()) {
            s += descriptorBytes(c);
        }
        return s;
    }

    // ---- booting the emulator ----

    /**
     * Writes this state into {@code memmap} at the host's own pfns (the trace placement): every
     * free block is marked free with its order, every allocation gets its class's memdesc tag (no
     * descriptor address). Blank pages count as allocated unless {@code blankIsFree}, then they
     * become the largest aligned free blocks of at most {@code maxFreeOrder} that fit.
     *
     * @throws IllegalArgumentException when the memmap has fewer pages than the snapshot
     */
    public void applyTo(final Memmap memmap, final boolean blankIsFree, final int maxFreeOrder) {
        final long pages = memmap.machine().pages();
        if (pages < pfns) {
            throw new IllegalArgumentException("the emulated machine has " + pages + " pages, the snapshot "
                    + pfns + ": boot it with at least " + (pfns << pageShift) + " bytes of RAM");
        }
        for (int i = 0; i < extents; i++) {
            final PageClass cls = PageClass.of(extClass[i]);
            final int order = extOrder[i];
            final long start = extPfn[i];
            final long n = extCount[i];
            if (cls == PageClass.FREE) {
                for (long b = 0; b < n; b++) {
                    memmap.setFree(start + (b << order), order);
                }
            } else if (cls == PageClass.BLANK && blankIsFree) {
                freeRun(memmap, start, start + (n << order), maxFreeOrder);
            } else {
                final long tag = Allocatee.of(cls.memdescType(), 0);
                for (long b = 0; b < n; b++) {
                    memmap.setAllocated(start + (b << order), order, tag);
                }
            }
        }
        if (pages > pfns) {
            freeRun(memmap, pfns, pages, maxFreeOrder);
        }
    }

    private static void freeRun(final Memmap memmap, final long from, final long to, final int maxOrder) {
        long p = from;
        while (p < to) {
            int k = maxOrder;
            while (k > 0 && ((p & ((1L << k) - 1)) != 0 || p + (1L << k) > to)) {
                k--;
            }
            memmap.setFree(p, k);
            p += 1L << k;
        }
    }

    /**
     * Brings a freshly built allocator to this state through its public API, so any allocator
     * starts from the host's fragmentation: the allocator's free pages end up exactly the pages
     * the host had free (and blank pages if {@code blankIsFree}, and pfns beyond the snapshot);
     * every other page stays allocated, tagged with its class's memdesc type, in naturally
     * aligned blocks of one class. Touches about one page of RAM per block, not every page (see
     * {@link HostBoot}). Returns the number of pages freed.
     *
     * @throws IllegalArgumentException when the allocator manages fewer pages than the snapshot
     * @throws IllegalStateException when the allocator does not hand out all its pages, or does
     *                               not split a block it was just given back
     */
    public long bootAllocator(final PageAllocator allocator, final boolean blankIsFree) {
        return HostBoot.boot(this, allocator, blankIsFree);
    }

    // ---- snapshot file ----

    /**
     * Writes the snapshot atomically (temporary file next to {@code out}, then a move) in the
     * format {@link SnapshotFile} describes.
     *
     * @throws IllegalStateException when this state breaks the format's rules (a scanner bug)
     */
    public void save(final Path out) throws IOException {
        SnapshotFile.save(this, out);
    }

    /**
     * Writes the snapshot file's bytes to {@code out}, which stays open: what {@link #save} puts in
     * its file, for a caller that writes the file its own way (memu host --save).
     */
    public void writeTo(final OutputStream out) throws IOException {
        SnapshotFile.write(this, out);
    }

    /**
     * Reads a snapshot written by {@link #save}, to its last byte, checking every field.
     *
     * @throws SnapshotFormatException naming the file and what is wrong when it is not a whole,
     *                                 valid snapshot of the current version
     * @throws IOException             when the file cannot be read
     */
    public static HostSnapshot load(final Path in) throws IOException {
        return SnapshotFile.load(in);
    }
}

package dev.memu.host;

import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.Allocatee;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A host's physical memory state rebuilt from kpageflags: page counts per {@link PageClass},
 * allocations by class and order, free blocks by order, and the whole pfn space as a sorted list
 * of <i>extents</i> — {@code count} consecutive blocks of 2^order pages of one class — from which
 * the emulator can be booted.
 *
 * <h2>Snapshot file ({@code memu host --save}), gzip-compressed, big-endian</h2>
 * <pre>
 * 8 bytes  "MEMUHOST"
 * int      version (1)
 * int      page shift
 * long     pfns
 * int      classes C, then C longs: pages per class (PageClass order)
 * int      orders O, then C*O longs: allocations per class and order
 * long     THP pages
 * int      free orders F, then F longs: free blocks per order
 * int      odd compounds (tails without a head, or sizes not a power of two)
 * int      zones Z, then Z times: int node, UTF name, long start, spanned, present, managed
 * long     extents E, then E times: long pfn, long count, byte order, byte class
 * </pre>
 */
public final class HostSnapshot {

    public static final int ORDERS = 32;
    private static final byte[] MAGIC = "MEMUHOST".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

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

    /** Writes the snapshot atomically (temporary file next to {@code out}, then a move). */
    public void save(final Path out) throws IOException {
        final Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        final Path tmp = Files.createTempFile(dir, "." + out.getFileName() + ".", ".part");
        ordinaryPermissions(tmp);
        try {
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writeTo(os);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes the snapshot file's bytes (gzip) to {@code out}, which stays open; {@link #save} writes them to a path. */
    public void writeTo(final OutputStream out) throws IOException {
        final GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
        final DataOutputStream d = new DataOutputStream(gz);
        d.write(MAGIC);
        d.writeInt(VERSION);
        d.writeInt(pageShift);
        d.writeLong(pfns);
        d.writeInt(classPages.length);
        for (final long v : classPages) {
            d.writeLong(v);
        }
        d.writeInt(ORDERS);
        for (final long[] row : allocsByOrder) {
            for (final long v : row) {
                d.writeLong(v);
            }
        }
        d.writeLong(thpPages);
        d.writeInt(freeBlocksByOrder.length);
        for (final long v : freeBlocksByOrder) {
            d.writeLong(v);
        }
        d.writeInt(oddCompounds);
        d.writeInt(zones.size());
        for (final ProcFiles.Zone z : zones) {
            d.writeInt(z.node());
            d.writeUTF(z.name());
            d.writeLong(z.startPfn());
            d.writeLong(z.spanned());
            d.writeLong(z.present());
            d.writeLong(z.managed());
        }
        d.writeLong(extents);
        for (int i = 0; i < extents; i++) {
            d.writeLong(extPfn[i]);
            d.writeLong(extCount[i]);
            d.writeByte(extOrder[i]);
            d.writeByte(extClass[i]);
        }
        d.flush();
        gz.finish();
    }

    /**
     * Reads a snapshot written by {@link #save}.
     *
     * @throws IOException naming the file when it is not a memu host snapshot or is cut short
     */
    public static HostSnapshot load(final Path in) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(in), 1 << 16)) {
            raw.mark(2);
            if (raw.read() != 0x1f || raw.read() != 0x8b) {
                throw new IOException(in + ": not a memu host snapshot (not gzip)");
            }
            raw.reset();
            final DataInputStream d = new DataInputStream(new GZIPInputStream(raw, 1 << 16));
            final byte[] magic = d.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException(in + ": not a memu host snapshot (bad magic)");
            }
            final int version = d.readInt();
            if (version != VERSION) {
                throw new IOException(in + ": snapshot version " + version + ", this memu reads " + VERSION);
            }
            final int shift = d.readInt();
            final long pfns = d.readLong();
            final int classes = d.readInt();
            if (classes != PageClass.count()) {
                throw new IOException(in + ": snapshot has " + classes + " page classes, expected " + PageClass.count());
            }
            final long[] classPages = new long[classes];
            for (int c = 0; c < classes; c++) {
                classPages[c] = d.readLong();
            }
            final int orders = d.readInt();
            final long[][] allocs = new long[classes][ORDERS];
            for (int c = 0; c < classes; c++) {
                for (int o = 0; o < orders; o++) {
                    final long v = d.readLong();
                    if (o < ORDERS) {
                        allocs[c][o] = v;
                    }
                }
            }
            final long thp = d.readLong();
            final int freeOrders = d.readInt();
            final HostSnapshot s = new HostSnapshot(shift, pfns, freeOrders - 1);
            System.arraycopy(classPages, 0, s.classPages, 0, classes);
            for (int c = 0; c < classes; c++) {
                System.arraycopy(allocs[c], 0, s.allocsByOrder[c], 0, ORDERS);
            }
            s.thpPages = thp;
            for (int o = 0; o < freeOrders; o++) {
                s.freeBlocksByOrder[o] = d.readLong();
            }
            s.oddCompounds = d.readInt();
            final int zones = d.readInt();
            for (int z = 0; z < zones; z++) {
                s.zones.add(new ProcFiles.Zone(d.readInt(), d.readUTF(), d.readLong(), d.readLong(), d.readLong(),
                        d.readLong()));
            }
            final long n = d.readLong();
            for (long i = 0; i < n; i++) {
                final long pfn = d.readLong();
                final long count = d.readLong();
                final int order = d.readByte();
                final int cls = d.readByte();
                if (cls < 0 || cls >= classes || order < 0 || order >= ORDERS) {
                    throw new IOException(in + ": corrupt extent " + i);
                }
                s.extent(pfn, count, order, PageClass.of(cls));
            }
            return s;
        } catch (final java.io.EOFException e) {
            throw new IOException(in + ": snapshot is truncated", e);
        }
    }
    /** Temporary files are created 0600; the result is an ordinary file, 0644 where POSIX. */
    private static void ordinaryPermissions(final java.nio.file.Path p) throws java.io.IOException {
        try {
            java.nio.file.Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (final UnsupportedOperationException ignored) {
            // not a POSIX file system: keep the default
        }
    }
}

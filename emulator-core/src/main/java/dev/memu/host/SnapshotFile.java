package dev.memu.host;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The host snapshot file ({@code memu host --save}, {@code memu run --from-host}): one gzip member
 * whose payload is big-endian and ends in a CRC32C of everything before it.
 *
 * <h2>Version 2</h2>
 * <pre>
 * 8 bytes  "MEMUHOST"
 * int      version (2)
 * int      page shift                      9..21 (what {@code Machine} emulates)
 * long     pfns P                          1..{@link #MAX_PFNS}
 * int      classes C (= PageClass count), then C longs: pages per class, each 0..P, summing to P
 * int      orders O (= 32), then C*O longs: allocations per class and order
 * long     THP pages                       0..P
 * int      free orders F                   1..32, then F longs: free blocks per order
 * int      odd compounds                   0..P
 * int      zones Z                         0..{@link #MAX_ZONES}, then Z times:
 *            int node (0..1023), UTF name ([A-Za-z0-9_-]{1,32}), long start, spanned, present, managed
 *            (present <= spanned, managed <= present, start + spanned <= 2^52)
 * long     extents E                       1..P, then E times:
 *            long pfn, long count, byte order, byte class
 * int      CRC32C of every payload byte above, magic included
 * </pre>
 * Extents are sorted, never overlap, leave no gap and cover exactly pfns 0..P-1; each is
 * {@code count >= 1} blocks of 2^order pages, the first one aligned to its order, a free one
 * below order F. Pages per class are exactly what the extents hold of each class; allocations per
 * class and order exactly the extents' blocks (none for free and hole); free blocks per order
 * exactly the free extents' blocks. Every count is checked against its bound before anything of
 * that size is allocated, and the reader reads to the end of the file: the gzip CRC and length,
 * the CRC32C, and that nothing follows (see {@link StrictGzipInputStream}).
 *
 * <p>Version 1 (no checksum, fields unchecked) is refused: a damaged one read as a valid state.
 */
final class SnapshotFile {

    static final int VERSION = 2;
    /** Pfns of the largest snapshot: 8 TiB of 4 KiB pages less a section; the boot keeps one byte per pfn in a Java array. */
    static final long MAX_PFNS = (1L << 31) - (1L << 15);
    /** MAX_NUMNODES (1024) times a handful of zones each. */
    static final int MAX_ZONES = 8192;
    private static final int MAX_NODE = 1023;
    private static final long MAX_ZONE_END = 1L << 52;
    private static final byte[] MAGIC = "MEMUHOST".getBytes(StandardCharsets.US_ASCII);

    private SnapshotFile() {
    }

    /**
     * Writes {@code s} atomically (temporary file next to {@code out}, then a move).
     *
     * @throws IllegalStateException when {@code s} breaks a rule above (a bug of the scanner: a
     *                               file load would refuse is never written)
     */
    static void save(final HostSnapshot s, final Path out) throws IOException {
        final String problem = problem(s);
        if (problem != null) {
            throw new IllegalStateException("the rebuilt host state is inconsistent, not saved: " + problem);
        }
        final Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        final Path tmp = Files.createTempFile(dir, "." + out.getFileName() + ".", ".part");
        ordinaryPermissions(tmp);
        try {
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                write(s, os);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes {@code s}'s file bytes to {@code out}, which stays open (memu host --save writes
     * them through its own output target).
     *
     * @throws IllegalStateException when {@code s} breaks a rule above
     */
    static void write(final HostSnapshot s, final OutputStream out) throws IOException {
        final String problem = problem(s);
        if (problem != null) {
            throw new IllegalStateException("the rebuilt host state is inconsistent, not saved: " + problem);
        }
        final GZIPOutputStream os = new GZIPOutputStream(out, 1 << 16);
        final CheckedOutputStream checked = new CheckedOutputStream(os, new CRC32C());
        final DataOutputStream d = new DataOutputStream(checked);
        d.write(MAGIC);
        d.writeInt(VERSION);
        d.writeInt(s.pageShift);
        d.writeLong(s.pfns);
        d.writeInt(s.classPages.length);
        for (final long v : s.classPages) {
            d.writeLong(v);
        }
        d.writeInt(HostSnapshot.ORDERS);
        for (final long[] row : s.allocsByOrder) {
            for (final long v : row) {
                d.writeLong(v);
            }
        }
        d.writeLong(s.thpPages);
        d.writeInt(s.freeBlocksByOrder.length);
        for (final long v : s.freeBlocksByOrder) {
            d.writeLong(v);
        }
        d.writeInt(s.oddCompounds);
        d.writeInt(s.zones.size());
        for (final ProcFiles.Zone z : s.zones) {
            d.writeInt(z.node());
            d.writeUTF(z.name());
            d.writeLong(z.startPfn());
            d.writeLong(z.spanned());
            d.writeLong(z.present());
            d.writeLong(z.managed());
        }
        d.writeLong(s.extents);
        for (int i = 0; i < s.extents; i++) {
            d.writeLong(s.extPfn[i]);
            d.writeLong(s.extCount[i]);
            d.writeByte(s.extOrder[i]);
            d.writeByte(s.extClass[i]);
        }
        d.flush();
        new DataOutputStream(os).writeInt((int) checked.getChecksum().getValue());
        os.finish();
    }

    /** A source that can be opened twice: once to check the checksums, once to read the fields. */
    @FunctionalInterface
    interface Source {
        InputStream open() throws IOException;
    }

    /** @see HostSnapshot#load */
    static HostSnapshot load(final Path file) throws IOException {
        return read(() -> Files.newInputStream(file), file);
    }

    /**
     * Reads a snapshot, named {@code file} in errors, in two passes: the first checks the gzip
     * CRC and length, that nothing follows, and the payload's CRC32C, so that a damaged file is
     * reported as damaged rather than by whichever field its damage happened to hit first; the
     * second reads and checks every field (a file with good checksums and bad fields was written
     * wrongly).
     *
     * @throws SnapshotFormatException for anything but a whole, valid version-2 snapshot
     * @throws IOException             when reading itself fails
     */
    static HostSnapshot read(final Source source, final Path file) throws IOException {
        try (InputStream in = source.open()) {
            checksums(in, file);
        }
        try (InputStream in = source.open()) {
            return parse(in, file);
        }
    }

    /**
     * Reads the whole file once: the gzip layer checks its own CRC, length and end; the payload's
     * last 4 bytes must be the CRC32C of the bytes before them. A payload too short to hold the
     * version is left to the parse, which says where it ends.
     */
    private static void checksums(final InputStream in, final Path file) throws IOException {
        final CRC32C crc = new CRC32C();
        final byte[] buf = new byte[1 << 16];
        final byte[] last = new byte[4];
        final byte[] head = new byte[MAGIC.length + 4];
        long total = 0;
        try (StrictGzipInputStream gz = new StrictGzipInputStream(new BufferedInputStream(in, 1 << 16), file)) {
            int n;
            while ((n = gz.read(buf, 0, buf.length)) > 0) {
                if (total < head.length) {
                    System.arraycopy(buf, 0, head, (int) total, (int) Math.min(n, head.length - total));
                }
                // everything but the 4 bytes seen last goes into the CRC
                final int held = (int) Math.min(4, total);
                final long after = total + n;
                final int keep = (int) Math.min(4, after);
                final byte[] window = new byte[held + n];
                System.arraycopy(last, 4 - held, window, 0, held);
                System.arraycopy(buf, 0, window, held, n);
                crc.update(window, 0, window.length - keep);
                System.arraycopy(window, window.length - keep, last, 4 - keep, keep);
                total = after;
            }
        }
        final boolean current = Arrays.equals(Arrays.copyOf(head, MAGIC.length), MAGIC)
                && java.nio.ByteBuffer.wrap(head).getInt(MAGIC.length) == VERSION;
        if (total < head.length + 4 || !current) {
            return;              // not this version's snapshot at all: the parse says what it is
        }
        final int stored = java.nio.ByteBuffer.wrap(last).getInt();
        if (stored != (int) crc.getValue()) {
            throw new SnapshotFormatException(file, "checksum mismatch (CRC32C stored " + Integer.toHexString(stored)
                    + ", computed " + Integer.toHexString((int) crc.getValue()) + "): the file is damaged");
        }
    }

    private static HostSnapshot parse(final InputStream in, final Path file) throws IOException {
        final Reader r = new Reader(file);
        try (StrictGzipInputStream gz = new StrictGzipInputStream(new BufferedInputStream(in, 1 << 16), file)) {
            return r.read(gz);
        } catch (final EOFException e) {
            throw new SnapshotFormatException(file, "truncated: the data ends inside " + r.section);
        } catch (final java.io.UTFDataFormatException e) {
            throw new SnapshotFormatException(file, "a zone name is not valid UTF-8");
        }
    }

    /** One pass over the payload, checking each field as it arrives. */
    private static final class Reader {
        private final Path file;
        String section = "the header";

        Reader(final Path file) {
            this.file = file;
        }

        HostSnapshot read(final InputStream gz) throws IOException {
            final CheckedInputStream checked = new CheckedInputStream(gz, new CRC32C());
            final DataInputStream d = new DataInputStream(checked);
            final byte[] magic = new byte[MAGIC.length];
            d.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw bad("not a memu host snapshot (bad magic)");
            }
            final int version = d.readInt();
            if (version == 1) {
                throw bad("snapshot version 1 is no longer supported: re-run memu host --save");
            }
            if (version != VERSION) {
                throw bad("snapshot version " + version + " is not one this memu reads (it reads version " + VERSION + ")");
            }
            final int shift = d.readInt();
            if (shift < 9 || shift > 21) {
                throw bad("page shift " + shift + " is out of range 9..21");
            }
            final long pfns = d.readLong();
            if (pfns < 1 || pfns > MAX_PFNS) {
                throw bad("pfn count " + pfns + " is out of range 1.." + MAX_PFNS);
            }
            section = "the pages per class";
            final int classes = d.readInt();
            if (classes != PageClass.count()) {
                throw bad("snapshot has " + classes + " page classes, this memu has " + PageClass.count());
            }
            final long[] classPages = new long[classes];
            for (int c = 0; c < classes; c++) {
                classPages[c] = d.readLong();
            }
            section = "the allocations by order";
            final int orders = d.readInt();
            if (orders != HostSnapshot.ORDERS) {
                throw bad("snapshot has " + orders + " allocation orders, expected " + HostSnapshot.ORDERS);
            }
            final long[][] allocs = new long[classes][HostSnapshot.ORDERS];
            for (int c = 0; c < classes; c++) {
                for (int o = 0; o < orders; o++) {
                    allocs[c][o] = d.readLong();
                }
            }
            final long thp = d.readLong();
            section = "the free blocks by order";
            final int freeOrders = d.readInt();
            if (freeOrders < 1 || freeOrders > HostSnapshot.ORDERS) {
                throw bad("free order count " + freeOrders + " is out of range 1.." + HostSnapshot.ORDERS);
            }
            final HostSnapshot s = new HostSnapshot(shift, pfns, freeOrders - 1);
            System.arraycopy(classPages, 0, s.classPages, 0, classes);
            for (int c = 0; c < classes; c++) {
                System.arraycopy(allocs[c], 0, s.allocsByOrder[c], 0, HostSnapshot.ORDERS);
            }
            s.thpPages = thp;
            for (int o = 0; o < freeOrders; o++) {
                s.freeBlocksByOrder[o] = d.readLong();
            }
            s.oddCompounds = d.readInt();
            section = "the zones";
            final int zones = d.readInt();
            if (zones < 0 || zones > MAX_ZONES) {
                throw bad("zone count " + zones + " is out of range 0.." + MAX_ZONES);
            }
            for (int z = 0; z < zones; z++) {
                final ProcFiles.Zone zone = new ProcFiles.Zone(d.readInt(), d.readUTF(), d.readLong(), d.readLong(),
                        d.readLong(), d.readLong());
                final String problem = zoneProblem(zone);
                if (problem != null) {
                    throw bad("zone " + z + ": " + problem);
                }
                s.zones.add(zone);
            }
            section = "the extents";
            final long n = d.readLong();
            if (n < 1 || n > pfns) {
                throw bad("extent count " + n + " is out of range 1.." + pfns + " (the pfn count)");
            }
            long next = 0;
            for (long i = 0; i < n; i++) {
                final long pfn = d.readLong();
                final long count = d.readLong();
                final int order = d.readByte();
                final int cls = d.readByte();
                final String problem = extentProblem(pfn, count, order, cls, next, pfns, freeOrders);
                if (problem != null) {
                    throw bad("extent " + i + " " + problem);
                }
                s.extent(pfn, count, order, PageClass.of(cls));
                next = pfn + (count << order);
            }
            section = "the checksum";
            final int computed = (int) checked.getChecksum().getValue();
            final int stored = d.readInt();
            if (stored != computed) {
                throw bad("checksum mismatch (CRC32C stored " + Integer.toHexString(stored) + ", computed "
                        + Integer.toHexString(computed) + "): the file is damaged");
            }
            final long extra = d.skip(Long.MAX_VALUE) + (d.read() < 0 ? 0 : 1);
            if (extra > 0) {
                throw bad("trailing bytes after the checksum");
            }
            final String problem = problem(s);
            if (problem != null) {
                throw bad(problem);
            }
            return s;
        }

        private SnapshotFormatException bad(final String what) {
            return new SnapshotFormatException(file, what);
        }
    }

    // ---- the rules, shared by save and load ----

    private static String zoneProblem(final ProcFiles.Zone z) {
        if (z.node() < 0 || z.node() > MAX_NODE) {
            return "node " + z.node() + " is out of range 0.." + MAX_NODE;
        }
        if (!z.name().matches("[A-Za-z0-9_-]{1,32}")) {
            return "name is not a zone name";
        }
        if (z.startPfn() < 0 || z.spanned() < 0 || z.startPfn() > MAX_ZONE_END - z.spanned()) {
            return "span " + z.startPfn() + "+" + z.spanned() + " is out of range";
        }
        if (z.present() < 0 || z.present() > z.spanned() || z.managed() < 0 || z.managed() > z.present()) {
            return "present " + z.present() + " / managed " + z.managed() + " do not fit its " + z.spanned()
                    + " spanned pages";
        }
        return null;
    }

    /** What is wrong with one extent that should start at {@code next}, or null. */
    private static String extentProblem(final long pfn, final long count, final int order, final int cls,
                                        final long next, final long pfns, final int freeOrders) {
        if (cls < 0 || cls >= PageClass.count()) {
            return "has no page class " + cls;
        }
        if (order < 0 || order >= HostSnapshot.ORDERS || (cls == PageClass.FREE.ordinal() && order >= freeOrders)) {
            return "has order " + order + ", out of range";
        }
        if (pfn != next) {
            return pfn < next ? "at pfn " + pfn + " overlaps the one before it (or is out of order)"
                    : "at pfn " + pfn + " leaves pfns " + next + ".." + (pfn - 1) + " uncovered";
        }
        if ((pfn & ((1L << order) - 1)) != 0) {
            return "at pfn " + pfn + " is not aligned to its order " + order;
        }
        if (count < 1 || count > (pfns - pfn) >> order) {
            return "at pfn " + pfn + " has " + count + " blocks of order " + order + ": past the snapshot's "
                    + pfns + " pfns";
        }
        return null;
    }

    /** The first rule {@code s} breaks, or null. */
    static String problem(final HostSnapshot s) {
        if (s.pageShift < 9 || s.pageShift > 21) {
            return "page shift " + s.pageShift + " is out of range 9..21";
        }
        if (s.pfns < 1 || s.pfns > MAX_PFNS) {
            return "pfn count " + s.pfns + " is out of range 1.." + MAX_PFNS;
        }
        final int freeOrders = s.freeBlocksByOrder.length;
        if (freeOrders < 1 || freeOrders > HostSnapshot.ORDERS) {
            return "free order count " + freeOrders + " is out of range 1.." + HostSnapshot.ORDERS;
        }
        if (s.zones.size() > MAX_ZONES) {
            return "zone count " + s.zones.size() + " is above " + MAX_ZONES;
        }
        for (int z = 0; z < s.zones.size(); z++) {
            final String p = zoneProblem(s.zones.get(z));
            if (p != null) {
                return "zone " + z + ": " + p;
            }
        }
        if (s.extents < 1) {
            return "no extents: the pfns are not covered";
        }
        final long[] pages = new long[PageClass.count()];
        final long[][] blocks = new long[PageClass.count()][HostSnapshot.ORDERS];
        long next = 0;
        for (int i = 0; i < s.extents; i++) {
            final String p = extentProblem(s.extPfn[i], s.extCount[i], s.extOrder[i], s.extClass[i], next, s.pfns,
                    freeOrders);
            if (p != null) {
                return "extent " + i + " " + p;
            }
            pages[s.extClass[i]] += s.extCount[i] << s.extOrder[i];
            blocks[s.extClass[i]][s.extOrder[i]] += s.extCount[i];
            next = s.extPfn[i] + (s.extCount[i] << s.extOrder[i]);
        }
        if (next != s.pfns) {
            return "the extents cover pfns 0.." + (next - 1) + ", not all " + s.pfns;
        }
        for (final PageClass c : PageClass.values()) {
            final int k = c.ordinal();
            if (s.classPages[k] != pages[k]) {
                return c.key() + " pages: " + s.classPages[k] + " counted, " + pages[k] + " in the extents";
            }
            final boolean owned = c != PageClass.FREE && c != PageClass.HOLE;
            for (int o = 0; o < HostSnapshot.ORDERS; o++) {
                final long expected = owned ? blocks[k][o] : 0;
                if (s.allocsByOrder[k][o] != expected) {
                    return c.key() + " allocations of order " + o + ": " + s.allocsByOrder[k][o] + " counted, "
                            + expected + " in the extents";
                }
            }
        }
        for (int o = 0; o < HostSnapshot.ORDERS; o++) {
            final long counted = o < freeOrders ? s.freeBlocksByOrder[o] : 0;
            if (counted != blocks[PageClass.FREE.ordinal()][o]) {
                return "free blocks of order " + o + ": " + counted + " counted, "
                        + blocks[PageClass.FREE.ordinal()][o] + " in the extents";
            }
        }
        if (s.thpPages < 0 || s.thpPages > s.pfns) {
            return "THP page count " + s.thpPages + " is out of range 0.." + s.pfns;
        }
        if (s.oddCompounds < 0 || s.oddCompounds > s.pfns) {
            return "odd compound count " + s.oddCompounds + " is out of range 0.." + s.pfns;
        }
        return null;
    }

    /** Temporary files are created 0600; the result is an ordinary file, 0644 where POSIX. */
    private static void ordinaryPermissions(final Path p) throws IOException {
        try {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (final UnsupportedOperationException ignored) {
            // not a POSIX file system: keep the default
        }
    }
}

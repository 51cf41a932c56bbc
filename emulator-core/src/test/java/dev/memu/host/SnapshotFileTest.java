package dev.memu.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damaged snapshots (issue 10): every kind of damage is one {@link SnapshotFormatException} naming
 * the file and what is wrong. Field damage is written with a fixed-up CRC32C, so these prove the
 * field rules; the checksum cases prove the checksums.
 */
class SnapshotFileTest {

    @TempDir
    Path tmp;

    private SnapshotFormatException refused(final byte[] file) throws IOException {
        final Path f = Files.createTempFile(tmp, "damaged", ".snap");
        Files.write(f, file);
        final SnapshotFormatException e = assertThrows(SnapshotFormatException.class, () -> HostSnapshot.load(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    /** The payload with {@code edit} applied and the CRC32C fixed up. */
    private byte[] edited(final Consumer<ByteBuffer> edit) throws IOException {
        final byte[] payload = SnapshotBytes.gunzip(SnapshotBytes.file(tmp));
        edit.accept(ByteBuffer.wrap(payload));
        return SnapshotBytes.gzip(SnapshotBytes.withChecksum(payload));
    }

    private String fieldRefused(final Consumer<ByteBuffer> edit) throws IOException {
        return refused(edited(edit)).detail();
    }

    @Test
    void aSavedSnapshotReadsBackWhole() throws IOException {
        final Path f = tmp.resolve("ok.snap");
        SnapshotBytes.snapshot().save(f);
        final HostSnapshot back = HostSnapshot.load(f);
        assertNull(SnapshotFile.problem(back));
        assertEquals(SnapshotBytes.snapshot().extents(), back.extents());
        assertEquals(SnapshotBytes.snapshot().freePages(), back.freePages());
    }

    @Test
    void extentCountZeroNegativeOrHugeIsRefused() throws IOException {
        final byte[] payload = SnapshotBytes.gunzip(SnapshotBytes.file(tmp));
        final int at = SnapshotBytes.extentCount(payload);
        for (final long n : new long[] {0, -1, Long.MAX_VALUE, 1L << 40}) {
            final String d = fieldRefused(b -> b.putLong(at, n));
            assertTrue(d.contains("extent count " + n + " is out of range"), d);
        }
    }

    @Test
    void extentPfnOrCountOutOfRangeIsRefused() throws IOException {
        final byte[] payload = SnapshotBytes.gunzip(SnapshotBytes.file(tmp));
        final int e0 = SnapshotBytes.extent(payload, 0);
        final int e3 = SnapshotBytes.extent(payload, 3);
        assertTrue(fieldRefused(b -> b.putLong(e0, -5)).contains("extent 0 at pfn -5 overlaps"));
        assertTrue(fieldRefused(b -> b.putLong(e3, Long.MAX_VALUE)).contains("uncovered"));
        assertTrue(fieldRefused(b -> b.putLong(e3 + 8, -1)).contains("past the snapshot"));
        assertTrue(fieldRefused(b -> b.putLong(e3 + 8, Long.MAX_VALUE)).contains("past the snapshot"));
        assertTrue(fieldRefused(b -> b.putLong(e3 + 8, 0)).contains("past the snapshot"));
        assertTrue(fieldRefused(b -> b.put(e3 + 16, (byte) -1)).contains("order -1, out of range"));
        assertTrue(fieldRefused(b -> b.put(e3 + 17, (byte) 99)).contains("no page class 99"));
    }

    @Test
    void overlappingOrMissingExtentsAreRefused() throws IOException {
        final byte[] payload = SnapshotBytes.gunzip(SnapshotBytes.file(tmp));
        final int e1 = SnapshotBytes.extent(payload, 1);
        final int e2 = SnapshotBytes.extent(payload, 2);
        final long pfn1 = ByteBuffer.wrap(payload).getLong(e1);
        assertTrue(fieldRefused(b -> b.putLong(e2, pfn1)).contains("overlaps"));
        // drop extent 1: the pfns it covered are left uncovered
        final int at = SnapshotBytes.extentCount(payload);
        final byte[] dropped = new byte[payload.length - 18];
        System.arraycopy(payload, 0, dropped, 0, e1);
        System.arraycopy(payload, e1 + 18, dropped, e1, payload.length - e1 - 18);
        final ByteBuffer d = ByteBuffer.wrap(dropped);
        d.putLong(at, d.getLong(at) - 1);
        final String detail = refused(SnapshotBytes.gzip(SnapshotBytes.withChecksum(dropped))).detail();
        assertTrue(detail.contains("uncovered"), detail);
    }

    @Test
    void pfnCountHalvedZeroOrHugeIsRefused() throws IOException {
        final long pfns = SnapshotBytes.snapshot().pfns();
        assertTrue(fieldRefused(b -> b.putLong(SnapshotBytes.PFNS, pfns / 2)).contains("past the snapshot's 2048 pfns"));
        assertTrue(fieldRefused(b -> b.putLong(SnapshotBytes.PFNS, 0)).contains("pfn count 0 is out of range"));
        assertTrue(fieldRefused(b -> b.putLong(SnapshotBytes.PFNS, -1)).contains("pfn count -1 is out of range"));
        assertTrue(fieldRefused(b -> b.putLong(SnapshotBytes.PFNS, Long.MAX_VALUE)).contains("out of range"));
        assertTrue(fieldRefused(b -> b.putLong(SnapshotBytes.PFNS, pfns * 2)).contains("not all 8192"));
    }

    @Test
    void pageShiftAndFreeOrderCountOutOfRangeAreRefused() throws IOException {
        assertTrue(fieldRefused(b -> b.putInt(SnapshotBytes.SHIFT, -1)).contains("page shift -1 is out of range"));
        assertTrue(fieldRefused(b -> b.putInt(SnapshotBytes.SHIFT, 63)).contains("page shift 63"));
        for (final int f : new int[] {-1, 0, 33, Integer.MAX_VALUE}) {
            final String d = fieldRefused(b -> b.putInt(SnapshotBytes.FREE_ORDERS, f));
            assertTrue(d.contains("free order count " + f + " is out of range"), d);
        }
    }

    @Test
    void countsThatDisagreeWithTheExtentsAreRefused() throws IOException {
        final int free = SnapshotBytes.CLASS_PAGES + 8 * PageClass.FREE.ordinal();
        assertTrue(fieldRefused(b -> b.putLong(free, b.getLong(free) + 1)).contains("free pages: 2494 counted, 2493"));
        final int slab1 = SnapshotBytes.ALLOCS + 8 * (PageClass.SLAB.ordinal() * SnapshotBytes.O + 1);
        assertTrue(fieldRefused(b -> b.putLong(slab1, 7)).contains("slab allocations of order 1: 7 counted, 1"));
        final int free9 = SnapshotBytes.FREE_BLOCKS + 8 * 9;
        assertTrue(fieldRefused(b -> b.putLong(free9, 0)).contains("free blocks of order 9: 0 counted, 3"));
    }

    @Test
    void trailingBytesInThePayloadOrAfterTheGzipAreRefused() throws IOException {
        final byte[] payload = SnapshotBytes.gunzip(SnapshotBytes.file(tmp));
        final byte[] longer = Arrays.copyOf(payload, payload.length + 3);
        assertTrue(refused(SnapshotBytes.gzip(longer)).detail().contains("checksum mismatch"),
                "the last 4 bytes are no longer the checksum");
        // with a checksum over the longer payload, the parse finds bytes after the fields
        final byte[] resummed = Arrays.copyOf(payload, payload.length + 7);
        System.arraycopy(payload, payload.length - 4, resummed, payload.length + 3, 4);
        assertTrue(refused(SnapshotBytes.gzip(SnapshotBytes.withChecksum(resummed))).detail()
                .contains("trailing bytes after the checksum"));
        final byte[] file = SnapshotBytes.file(tmp);
        final byte[] garbage = Arrays.copyOf(file, file.length + 5);
        assertTrue(refused(garbage).detail().contains("trailing bytes after the gzip stream"));
        final byte[] twice = Arrays.copyOf(file, file.length * 2);
        System.arraycopy(file, 0, twice, file.length, file.length);
        assertTrue(refused(twice).detail().contains("trailing bytes after the gzip stream"), "a second member is refused too");
    }

    @Test
    void aBadGzipCrcOrACutTrailerIsRefused() throws IOException {
        final byte[] file = SnapshotBytes.file(tmp);
        final byte[] badCrc = file.clone();
        badCrc[file.length - 8] ^= 0x01;
        assertTrue(refused(badCrc).detail().contains("gzip CRC mismatch"));
        for (final int cut : new int[] {1, 4, 8, 9, file.length / 2, file.length - 3}) {
            final String d = refused(Arrays.copyOf(file, file.length - cut)).detail();
            assertTrue(d.contains("truncated"), cut + ": " + d);
        }
    }

    @Test
    void aPayloadBitFlipFailsTheChecksum() throws IOException {
        final byte[] payload = SnapshotBytes.gunzip(SnapshotBytes.file(tmp));
        final int at = SnapshotBytes.extent(payload, 2) + 7;
        payload[at] ^= 0x10;                       // inside a pfn: a field rule could miss nothing here
        final String d = refused(SnapshotBytes.gzip(payload)).detail();
        assertTrue(d.contains("checksum mismatch"), "damage is reported as damage, not as the field it hit: " + d);
        final byte[] thp = SnapshotBytes.gunzip(SnapshotBytes.file(tmp));
        thp[SnapshotBytes.THP + 7] ^= 0x01;        // THP count 8 -> 9: in range, only the checksum sees it
        assertTrue(refused(SnapshotBytes.gzip(thp)).detail().contains("checksum mismatch (CRC32C"));
    }

    @Test
    void version1IsRefusedWithWhatToDo() throws IOException {
        final String d = fieldRefused(b -> b.putInt(SnapshotBytes.VERSION, 1));
        assertEquals("snapshot version 1 is no longer supported: re-run memu host --save", d);
        assertTrue(fieldRefused(b -> b.putInt(SnapshotBytes.VERSION, 7)).contains("snapshot version 7 is not one"));
    }

    @Test
    void notGzipOrNotASnapshotIsRefused() throws IOException {
        assertTrue(refused("hello".getBytes()).detail().contains("not gzip"));
        assertTrue(refused(new byte[0]).detail().contains("truncated"));
        assertTrue(refused(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0}).detail().contains("truncated"));
        assertTrue(refused(SnapshotBytes.gzip("MEMUHOSX".getBytes())).detail().contains("bad magic"));
        assertTrue(refused(SnapshotBytes.gzip(new byte[3])).detail().contains("truncated"));
    }

    @Test
    void aStateThatBreaksTheRulesIsNeverSaved() throws IOException {
        final HostSnapshot s = SnapshotBytes.snapshot();
        final HostSnapshot broken = new HostSnapshot(s.pageShift(), s.pfns() + 1, 10);
        broken.extent(0, 1, 0, PageClass.FREE);
        final Path out = tmp.resolve("never.snap");
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> broken.save(out));
        assertTrue(e.getMessage().contains("inconsistent"), e.getMessage());
        assertFalse(Files.exists(out));
    }
}

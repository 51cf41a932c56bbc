package dev.memu.access;

import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExplainingAccessTest {

    @Test
    void listsEachDistinctLineOnceWithItsFieldsKindsAndCaller() {
        try (Machine machine = Machine.create(1 << 20)) {
            final MemorySegment seg = machine.allocate(Region.ALLOCATOR, 4096);
            final ExplainingAccess access = new ExplainingAccess();
            access.setLabelers(List.of((segment, offset, bytes, out) -> {
                if (segment.address() == seg.address() && offset < 8) {
                    out.add("head");
                }
            }));
            access.setLong(Region.ALLOCATOR, seg, 0, 1);          // outside an op: not recorded
            access.beginOp();
            access.getLong(Region.ALLOCATOR, seg, 0);
            access.compareAndSetLong(Region.ALLOCATOR, seg, 8, 0, 1);
            access.setLongRelease(Region.MEMMAP, seg, 64, 2);     // second line, region of its first touch
            access.getLong(Region.PAGE_DATA, seg, 72);            // same line: stays MEMMAP
            access.fill(Region.ALLOCATOR, seg, 120, 80, (byte) 0); // lines 1, 2 and 3
            access.endOp();

            final List<ExplainingAccess.Line> lines = access.lastOpLines();
            assertEquals(4, lines.size(), lines.toString());
            assertEquals(List.of(0L, 64L, 128L, 192L), lines.stream().map(ExplainingAccess.Line::offset).toList());
            assertEquals(List.of("head"), lines.get(0).fields());
            assertEquals(List.of("read", "CAS (volatile)"), lines.get(0).accesses());
            assertEquals(List.of("ExplainingAccessTest.listsEachDistinctLineOnceWithItsFieldsKindsAndCaller"),
                    lines.get(0).where());
            assertEquals(Region.MEMMAP, lines.get(1).region());
            assertEquals(List.of("write (release)", "read", "write (fill)"), lines.get(1).accesses());
            assertTrue(lines.get(1).fields().isEmpty());
            assertEquals(1, access.lastOpLines(Region.MEMMAP));
            assertEquals(3, access.lastOpLines(Region.ALLOCATOR));

            // The counting layer counts exactly these lines per region.
            final CountingAccess counting = new CountingAccess();
            counting.beginOp();
            counting.getLong(Region.ALLOCATOR, seg, 0);
            counting.compareAndSetLong(Region.ALLOCATOR, seg, 8, 1, 1);
            counting.setLongRelease(Region.MEMMAP, seg, 64, 2);
            counting.getLong(Region.PAGE_DATA, seg, 72);
            counting.fill(Region.ALLOCATOR, seg, 120, 80, (byte) 0);
            counting.endOp();
            assertEquals(1, counting.lastOpLines(Region.MEMMAP));
            assertEquals(3, counting.lastOpLines(Region.ALLOCATOR));
            assertEquals(0, counting.lastOpLines(Region.PAGE_DATA));
        }
    }

    /** Stands for a struct's one-line getter: explain looks through it. */
    @AccessHelper
    private static long field(final Access access, final MemorySegment seg, final long offset) {
        return access.getLong(Region.ALLOCATOR, seg, offset);
    }

    /** The same getter unmarked: explain names it. */
    private static long unmarkedField(final Access access, final MemorySegment seg, final long offset) {
        return access.getLong(Region.ALLOCATOR, seg, offset);
    }

    private static void zoneWatermarkFast(final Access access, final MemorySegment seg) {
        field(access, seg, 0);
        unmarkedField(access, seg, 64);
    }

    @Test
    void whereNamesTheCallerOfAMarkedAccessHelper() {
        try (Machine machine = Machine.create(1 << 20)) {
            final MemorySegment seg = machine.allocate(Region.ALLOCATOR, 4096);
            final ExplainingAccess access = new ExplainingAccess();
            access.beginOp();
            zoneWatermarkFast(access, seg);
            access.endOp();
            final List<ExplainingAccess.Line> lines = access.lastOpLines();
            assertEquals(List.of("ExplainingAccessTest.zoneWatermarkFast"), lines.get(0).where());
            assertEquals(List.of("ExplainingAccessTest.unmarkedField"), lines.get(1).where());
        }
    }
}

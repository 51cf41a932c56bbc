package dev.memu.access;

import dev.memu.machine.Machine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** CountingAccess counts distinct 64-byte lines per operation and per region, and nothing else. */
class CountingAccessTest {

    private Machine machine;
    private MemorySegment memmap;
    private MemorySegment zone;
    private final CountingAccess access = new CountingAccess();

    @BeforeEach
    void setUp() {
        machine = Machine.create(1 << 20);
        memmap = machine.allocate(Region.MEMMAP, 1 << 20);   // page-aligned: line 0 starts at offset 0
        zone = machine.allocate(Region.ALLOCATOR, 4096);
    }

    @AfterEach
    void tearDown() {
        machine.close();
    }

    @Test
    void twoAccessesInOneLineCountOnce() {
        access.beginOp();
        access.getLong(Region.MEMMAP, memmap, 0);
        access.setLong(Region.MEMMAP, memmap, 56, 1);
        access.getInt(Region.MEMMAP, memmap, 8);
        access.compareAndSetLong(Region.MEMMAP, memmap, 16, 0, 1);
        access.endOp();
        assertEquals(1, access.lastOpLines(Region.MEMMAP));
        assertEquals(1, access.lastOpLinesTotal());
    }

    @Test
    void neighbouringLinesCountSeparately() {
        access.beginOp();
        access.getLong(Region.MEMMAP, memmap, 56);
        access.getLong(Region.MEMMAP, memmap, 64);
        access.getLong(Region.MEMMAP, memmap, 64 * 100);
        access.getLong(Region.MEMMAP, memmap, 64 * 100 + 8);
        access.endOp();
        assertEquals(3, access.lastOpLines(Region.MEMMAP));
    }

    @Test
    void accessesStraddlingALineBoundaryCountBothLines() {
        access.beginOp();
        access.fill(Region.MEMMAP, memmap, 60, 8, (byte) 1);
        access.endOp();
        assertEquals(2, access.lastOpLines(Region.MEMMAP), "8 bytes at offset 60 straddle lines 0 and 1");

        access.beginOp();
        access.copy(Region.MEMMAP, memmap, 0, Region.MEMMAP, memmap, 4096, 256);
        access.endOp();
        assertEquals(8, access.lastOpLines(Region.MEMMAP), "256 bytes read + 256 bytes written = 4 + 4 lines");

        access.beginOp();
        access.fill(Region.MEMMAP, memmap, 128, 64, (byte) 0);
        access.endOp();
        assertEquals(1, access.lastOpLines(Region.MEMMAP), "one aligned line is one line");
    }

    @Test
    void regionsAreCountedSeparately() {
        access.beginOp();
        access.getLong(Region.MEMMAP, memmap, 0);
        access.getLong(Region.MEMMAP, memmap, 64);
        access.getLong(Region.ALLOCATOR, zone, 0);
        access.getLong(Region.PAGE_DATA, machine.ram(), 4096);
        access.endOp();
        assertEquals(2, access.lastOpLines(Region.MEMMAP));
        assertEquals(1, access.lastOpLines(Region.ALLOCATOR));
        assertEquals(1, access.lastOpLines(Region.PAGE_DATA));
        assertEquals(0, access.lastOpLines(Region.MEMDESC));
        assertEquals(4, access.lastOpLinesTotal());
    }

    @Test
    void oneLineNamedByTwoRegionsCountsOnceUnderTheFirst() {
        // A line is a line to the hardware whatever structure the code thinks it belongs to.
        access.beginOp();
        access.getLong(Region.ALLOCATOR, zone, 0);
        access.getLong(Region.MEMMAP, zone, 8);
        access.endOp();
        assertEquals(1, access.lastOpLines(Region.ALLOCATOR));
        assertEquals(0, access.lastOpLines(Region.MEMMAP));
    }

    @Test
    void beginOpResetsAndTotalsAccumulate() {
        access.beginOp();
        access.getLong(Region.MEMMAP, memmap, 0);
        access.getLong(Region.MEMMAP, memmap, 64);
        access.getLong(Region.MEMMAP, memmap, 128);
        access.endOp();
        assertEquals(3, access.lastOpLines(Region.MEMMAP));

        access.beginOp();
        access.getLong(Region.MEMMAP, memmap, 0);   // seen by the previous op: counts again in this one
        access.endOp();
        assertEquals(1, access.lastOpLines(Region.MEMMAP));
        assertEquals(4, access.totalLines(Region.MEMMAP));
        assertEquals(2, access.ops());

        access.beginOp();
        access.endOp();
        assertEquals(0, access.lastOpLinesTotal(), "an op that touches nothing counts nothing");
        assertEquals(3, access.ops());
    }

    @Test
    void accessesOutsideAnOperationAreNotRecorded() {
        access.getLong(Region.MEMMAP, memmap, 0);
        access.setLong(Region.MEMMAP, memmap, 640, 5);
        assertEquals(0, access.totalLines(Region.MEMMAP));
        access.beginOp();
        access.getLong(Region.MEMMAP, memmap, 640);
        access.endOp();
        assertEquals(1, access.lastOpLines(Region.MEMMAP));
        access.getLong(Region.MEMMAP, memmap, 64 * 500);
        assertEquals(1, access.lastOpLines(Region.MEMMAP), "after endOp nothing is added");
        assertEquals(5, access.getLong(Region.MEMMAP, memmap, 640), "the access itself was performed");
    }

    @Test
    void manyDistinctLinesInOneOpAreAllCounted() {
        // More lines than the initial set capacity: the set must grow without losing any.
        final int lines = 10_000;
        access.beginOp();
        for (int i = 0; i < lines; i++) {
            access.getLong(Region.MEMMAP, memmap, i * 64L);
            access.getLong(Region.MEMMAP, memmap, i * 64L + 32);
        }
        access.endOp();
        assertEquals(lines, access.lastOpLines(Region.MEMMAP));
        access.beginOp();
        access.getLong(Region.MEMMAP, memmap, 0);
        access.endOp();
        assertEquals(1, access.lastOpLines(Region.MEMMAP), "the grown set starts empty for the next op");
    }
}

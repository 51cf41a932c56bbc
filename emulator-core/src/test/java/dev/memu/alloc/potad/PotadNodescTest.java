package dev.memu.alloc.potad;

import dev.memu.access.CountingAccess;
import dev.memu.access.Region;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** potad-nodesc: POTAD with no allocatee recorded, frees still checked against the bitfield. */
class PotadNodescTest {

    private static final long PAGES = 1 << 14;
    private static final long OWNER = Allocatee.of(MemdescType.ANON_FOLIO, 0x40);

    private final Machine machine = Machine.create(PAGES << 12);
    private final CountingAccess access = new CountingAccess();
    private final PageAllocator nodesc = Allocators.create("potad-nodesc",
            Layouts.byName("memdesc8").bind(machine, access), AllocatorOptions.defaults().withVcpus(2));

    @AfterEach
    void close() {
        assertTrue(nodesc.verify().ok(), () -> nodesc.verify().toString());
        machine.close();
    }

    @Test
    void allocationsAreNotRecordedInTheMemmap() {
        final long pfn = nodesc.alloc(3, OWNER, 0);
        assertNotEquals(PageAllocator.NO_PAGE, pfn);
        for (long p = pfn; p < pfn + 8; p++) {
            assertEquals(Allocatee.NONE, nodesc.memmap().allocatee(p));
        }
        assertEquals(PAGES - 8, nodesc.freePages());
        nodesc.free(pfn, 3, 1);
        assertEquals(PAGES, nodesc.freePages());
    }

    @Test
    void doubleAndHugeTailFreesAreRejectedAndChangeNothing() {
        final long a = nodesc.alloc(0, OWNER, 0);
        final long huge = nodesc.alloc(9, OWNER, 1);
        nodesc.free(a, 0, 0);
        final long[] before = nodesc.freeBlocksByOrder();
        final long free = nodesc.freePages();
        assertEquals(BadFreeException.Kind.DOUBLE_FREE,
                assertThrows(BadFreeException.class, () -> nodesc.free(a, 0, 0)).kind());
        assertEquals(BadFreeException.Kind.NOT_ALLOCATED,
                assertThrows(BadFreeException.class, () -> nodesc.free(huge + 8, 3, 0)).kind());
        assertEquals(BadFreeException.Kind.WRONG_ORDER,
                assertThrows(BadFreeException.class, () -> nodesc.free(huge, 10, 0)).kind());
        assertEquals(BadFreeException.Kind.MISALIGNED,
                assertThrows(BadFreeException.class, () -> nodesc.free(huge + 1, 1, 0)).kind());
        assertEquals(free, nodesc.freePages());
        assertArrayEquals(before, nodesc.freeBlocksByOrder());
        nodesc.free(huge, 9, 0);
    }

    /** Rand shape, order 0: every alloc and free counted; no memmap line, two lines per op on average. */
    @Test
    void orderZeroTouchesNoMemmapLine() {
        final List<Long> live = new ArrayList<>();
        long allocLines = 0;
        long freeLines = 0;
        long memmapLines = 0;
        final int n = 4000;
        for (int i = 0; i < n; i++) {
            access.beginOp();
            live.add(nodesc.alloc(0, OWNER, 0));
            access.endOp();
            allocLines += access.lastOpLinesTotal();
            memmapLines += access.lastOpLines(Region.MEMMAP);
        }
        Collections.shuffle(live, new Random(42));
        for (final long pfn : live) {
            access.beginOp();
            nodesc.free(pfn, 0, 0);
            access.endOp();
            freeLines += access.lastOpLinesTotal();
            memmapLines += access.lastOpLines(Region.MEMMAP);
        }
        System.out.printf("potad-nodesc rand order 0: alloc %.3f lines, free %.3f lines%n",
                (double) allocLines / n, (double) freeLines / n);
        assertEquals(0, memmapLines);
        assertTrue(allocLines <= 2.05 * n, "alloc: slot + bitfield, got " + (double) allocLines / n);
        // Bitfield + entry; the first free into each of the regions that ran dry also reads its summary word.
        assertTrue(freeLines <= 2L * n + (n + 511) / 512, "free: bitfield + entry, got " + (double) freeLines / n);
    }
}

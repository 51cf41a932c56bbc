package dev.memu.alloc;

import dev.memu.access.CountingAccess;
import dev.memu.access.PlainAccess;
import dev.memu.access.Region;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The places where BuddyAllocator follows mm/page_alloc.c closely enough to change which blocks
 * are handed out and which cachelines an operation touches.
 */
class BuddyFaithfulnessTest {

    private static final long PAGES = 4096;
    private static final long OWNER = Allocatee.of(MemdescType.ANON_FOLIO, 0x7770);

    private Machine machine;
    private BuddyAllocator buddy;

    static Stream<Layout> layouts() {
        return Layouts.all().stream();
    }

    private BuddyAllocator start(final Layout layout, final dev.memu.access.Access access) {
        machine = Machine.create(PAGES << Machine.DEFAULT_PAGE_SHIFT);
        final Memmap memmap = layout.bind(machine, access);
        buddy = new BuddyAllocator(memmap, AllocatorOptions.defaults());
        return buddy;
    }

    @AfterEach
    void verifyAndClose() {
        try {
            if (buddy != null) {
                assertTrue(buddy.verify().ok(), buddy.verify()::toString);
            }
        } finally {
            if (machine != null) {
                machine.close();
            }
        }
    }

    /** __free_pages_core frees boot memory with FPI_TO_TAIL: the lowest pfns are allocated first. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void bootMemoryIsHandedOutLowestPfnFirst(final Layout layout) {
        start(layout, PlainAccess.INSTANCE);
        for (long expected = 0; expected < 9; expected++) {
            assertEquals(expected, buddy.alloc(0, OWNER, 0), "order-0 allocation " + expected);
        }
        assertEquals(16, buddy.alloc(4, OWNER, 0), "the next free order-4 block");
    }

    /**
     * buddy_merge_likely: a freed block whose next-order buddy is free goes to the tail of its
     * list, so the block freed before it is handed out first.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void freedBlockGoesToTheTailWhenItsHigherBuddyIsFree(final Layout layout) {
        start(layout, PlainAccess.INSTANCE);
        for (long pfn = 0; pfn <= 8; pfn++) {
            assertEquals(pfn, buddy.alloc(0, OWNER, 0));
        }
        // Splitting order 3 at pfn 8 left pfn 9 on the order-0 list.
        buddy.free(4, 0, 0);        // buddy 5 busy; order-1 buddy 6 busy: head
        buddy.free(5, 0, 0);        // merges with 4 into order 1 at 4; order-2 buddy 0 busy: head
        buddy.free(6, 0, 0);        // buddy 7 busy; order-1 buddy 4 is free: merge likely, tail
        final Memmap memmap = buddy.memmap();
        assertEquals(9, memmap.prevFree(6), "pfn 6 was added behind pfn 9");
        assertEquals(Memmap.NIL, memmap.nextFree(6), "pfn 6 is last on its list");
        assertEquals(9, buddy.alloc(0, OWNER, 0), "the head of the order-0 list is still pfn 9");
        assertEquals(6, buddy.alloc(0, OWNER, 0));
    }

    /**
     * An order-0 allocation served from a non-empty order-0 list touches, in Linux, the zone lock's
     * line, free_area[0]'s MOVABLE list head, free_area[0].nr_free (40+ bytes further, in the
     * next line) and the NR_FREE_PAGES counter: four allocator lines.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void orderZeroHitTouchesTheZoneLinesLinuxTouches(final Layout layout) {
        final CountingAccess counting = new CountingAccess();
        start(layout, counting);
        buddy.alloc(0, OWNER, 0);                 // splits order 10 down: order-0 list = [1]
        final long spare = buddy.alloc(0, OWNER, 0);
        buddy.alloc(0, OWNER, 0);                 // splits order 1 at 2: order-0 list = [3]
        buddy.free(spare, 0, 0);                  // order-0 list = [1, 3] (or [3, 1])
        counting.beginOp();
        final long pfn = buddy.alloc(0, OWNER, 0);
        counting.endOp();
        assertTrue(pfn == 1 || pfn == 3, "served from the order-0 list, got " + pfn);
        assertEquals(4, counting.lastOpLines(Region.ALLOCATOR), "lock, list head, nr_free, NR_FREE_PAGES");
        if (layout.name().equals("linux64")) {
            // list_del reads the page and writes its neighbour's prev: two struct pages.
            assertEquals(2, counting.lastOpLines(Region.MEMMAP), "the page and its list neighbour");
        }
    }

    /** __rmqueue_smallest reads one free_area per order it scans: 104-byte areas, one line each. */
    @Test
    void scanningOrdersTouchesALinePerOrder() {
        final CountingAccess counting = new CountingAccess();
        start(Layouts.byName("memdesc16"), counting);
        counting.beginOp();
        buddy.alloc(0, OWNER, 0);                 // scans orders 0..10, splits 10 down to 0
        counting.endOp();
        // 11 list heads in 11 distinct lines, the nr_free words of the orders written (some share
        // a line with a list head), the lock and NR_FREE_PAGES: more than one line per order.
        assertTrue(counting.lastOpLines(Region.ALLOCATOR) >= 13,
                "allocator lines of a full split: " + counting.lastOpLines(Region.ALLOCATOR));
    }
}

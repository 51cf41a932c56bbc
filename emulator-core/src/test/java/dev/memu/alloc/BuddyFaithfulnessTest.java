package dev.memu.alloc;

import dev.memu.access.PlainAccess;
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
 * are handed out. Which lines each operation touches is {@link LinuxLineInventoryTest}'s job.
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
     * split_large_buddy: an order-10 block goes back as two order-9 pageblocks, each after its own
     * get_pfnblock_migratetype, and the halves merge (reading the buddy's migratetype at order 9).
     */
    @Test
    void freeingAMaxOrderBlockGoesBackAsPageblocksThatMergeAgain() {
        start(Layouts.byName("memdesc16"), PlainAccess.INSTANCE);
        final long pfn = buddy.alloc(10, OWNER, 0);
        buddy.free(pfn, 10, 0);
        assertEquals(PAGES >> 10, buddy.freeBlocksByOrder()[10], "all memory in order-10 blocks again");
        assertEquals(0, buddy.freeBlocksByOrder()[9], "the two halves merged");
    }

    /** NR_FREE_PAGES lives in per-CPU diffs folded past stat_threshold; freePages() still counts exactly. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void freePagesIsExactWhileDiffsAreUnfolded(final Layout layout) {
        start(layout, PlainAccess.INSTANCE);
        for (int i = 1; i <= 5; i++) {
            buddy.alloc(0, OWNER, 0);
            assertEquals(PAGES - i, buddy.freePages(), "after " + i + " order-0 allocations");
        }
    }
}

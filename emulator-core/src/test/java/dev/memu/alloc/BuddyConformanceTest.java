package dev.memu.alloc;

import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Linux buddy baseline under the conformance suite, plus the checks only a buddy has. */
class BuddyConformanceTest extends AllocatorConformanceSuite {

    @Override
    protected Spec spec() {
        return Spec.of(BuddyAllocator::new).maxOrderFixed(BuddyAllocator.DEFAULT_MAX_ORDER);
    }

    /** Free-list links are buddy state: breaking them behind its back must show in verify(). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void verifierCatchesBrokenFreeLists(final Layout layout) {
        // After allocating one order-0 page from 4096 free pages, orders 0..9 each hold one block
        // and order 10 holds three: lists of length > 1 to cut.
        corruptAndExpectReport(layout, "a free list cut short (next link of its first block set to NIL)",
                (live) -> memmap.setNextFree(firstFree(10), Memmap.NIL));
        corruptAndExpectReport(layout, "a broken prev link",
                (live) -> memmap.setPrevFree(memmap.nextFree(firstFree(10)), 0));
        corruptAndExpectReport(layout, "a free list pointing into an allocation",
                (live) -> memmap.setNextFree(firstFree(10), live.pfn()));
        corruptAndExpectReport(layout, "a free list made a cycle",
                (live) -> memmap.setNextFree(memmap.nextFree(firstFree(10)), firstFree(10)));
        corruptAndExpectReport(layout, "a listed free block whose mark says another order",
                (live) -> memmap.setFree(firstFree(10), 9));
        corruptAndExpectReport(layout, "a listed free block whose mark is gone",
                (live) -> memmap.clearFree(firstFree(10)));
        corruptAndExpectReport(layout, "a free block split into two unmerged buddies",
                (live) -> {
                    final long head = firstFree(10);
                    memmap.setFree(head, 9);
                    memmap.setFree(head + 512, 9);
                });
    }

    /** The head of the order-{@code order} free list, found the way a verifier would: by the marks. */
    private long firstFree(final int order) {
        for (long pfn = 0; pfn < PAGES; pfn += 1L << order) {
            if (memmap.freeOrder(pfn) == order && memmap.prevFree(pfn) == Memmap.NIL) {
                return pfn;
            }
        }
        throw new AssertionError("no order-" + order + " list head");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void freshZoneLooksLikeBuddyinfo(final Layout layout) {
        start(layout, PAGES);
        final long[] expected = new long[11];
        expected[10] = PAGES >> 10;
        assertArrayEquals(expected, allocator.freeBlocksByOrder());
        // One order-0 page splits one max block all the way down: one free block at each of 0..9.
        final long pfn = allocator.alloc(0, nextAllocatee(), 0);
        expected[10]--;
        for (int order = 0; order < 10; order++) {
            expected[order] = 1;
        }
        assertArrayEquals(expected, allocator.freeBlocksByOrder());
        allocator.free(pfn, 0, 0);
        expected[10] = PAGES >> 10;
        for (int order = 0; order < 10; order++) {
            expected[order] = 0;
        }
        assertArrayEquals(expected, allocator.freeBlocksByOrder(), "the freed page merges back up to order 10");
    }

    /** __rmqueue_smallest takes the first (most recently added) block of the smallest order. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void allocationsAreLifoAndSplitLowHalfFirst(final Layout layout) {
        start(layout, PAGES);
        final long first = allocator.alloc(0, nextAllocatee(), 0);
        final long second = allocator.alloc(0, nextAllocatee(), 0);
        assertEquals(first ^ 1, second, "expand() keeps the low half and frees the upper buddy");
        allocator.free(second, 0, 0);
        assertEquals(second, allocator.alloc(0, nextAllocatee(), 0), "the page just freed is handed out next");
        allocator.free(first, 0, 0);
        allocator.free(second, 0, 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void configuredMaxOrderIsHonoured(final Layout layout) {
        start(layout, PAGES, AllocatorOptions.defaults().withMaxOrder(3));
        assertEquals(3, allocator.maxOrder());
        final long[] expected = {0, 0, 0, PAGES >> 3};
        assertArrayEquals(expected, allocator.freeBlocksByOrder(), "free memory in order-3 blocks only");
        assertThrows(IllegalArgumentException.class, () -> allocator.alloc(4, nextAllocatee(), 0));
        final long pfn = allocator.alloc(3, nextAllocatee(), 0);
        allocator.free(pfn, 0 + 3, 0);
        assertArrayEquals(expected, allocator.freeBlocksByOrder(), "no merge beyond the max order");
    }

    @Test
    void maxOrderBeyondWhatTheLayoutCanRecordIsRejected() {
        final Layout memdesc16 = Layouts.byName("memdesc16");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> start(memdesc16, PAGES, AllocatorOptions.defaults().withMaxOrder(memdesc16.maxFreeOrder() + 1)));
        assertTrue(e.getMessage().contains("memdesc16"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void freeListLinksLiveWhereTheLayoutKeepsThem(final Layout layout) {
        start(layout, PAGES);
        final long pfn = allocator.alloc(0, nextAllocatee(), 0);
        assertNotEquals(PageAllocator.NO_PAGE, pfn);
        // The order-10 list now holds three blocks linked through the layout's link region.
        final long head = firstFree(10);
        final long next = memmap.nextFree(head);
        assertEquals(10, memmap.freeOrder(next));
        assertEquals(head, memmap.prevFree(next));
        allocator.free(pfn, 0, 0);
    }
}

package dev.memu.alloc.potad;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Orders up to all of memory, CMA ranges, swap slots and sub-page blocks. */
class PotadLargeAndRangeTest {

    private static final long OWNER = Allocatee.of(MemdescType.MOVABLE, 0x1230);
    private static final int MIB_1 = 8;   // order of 1 MiB in 4 KiB pages
    private static final long MIB_8_PAGES = 2048;

    private Machine machine;
    private PotadAllocator potad;

    private PotadAllocator build(final long ramBytes) {
        machine = Machine.create(ramBytes);
        potad = new PotadAllocator(Layouts.byName("memdesc8").bind(machine, PlainAccess.INSTANCE),
                AllocatorOptions.defaults());
        return potad;
    }

    @AfterEach
    void close() {
        if (machine != null) {
            machine.close();
        }
    }

    @Test
    void order27OnAFresh1TiBMachineSucceedsAndFrees() {
        final PotadAllocator a = build(1L << 40);
        assertEquals(28, a.maxOrder());
        // The core maps 32 MiB of bits + 4 MiB of entries lazily and initialises nothing per page.
        assertTrue(a.core().metadataBytes() < (40L << 20), "metadata " + a.core().metadataBytes());
        final long half = a.alloc(27, OWNER, 0);
        assertEquals(0, half);
        assertEquals(27, a.memmap().allocatedOrder(half));
        assertEquals(OWNER, a.memmap().allocatee(half + (1L << 27) - 1));
        assertEquals(1L << 27, a.freePages());
        assertEquals(PageAllocator.NO_PAGE, a.alloc(28, OWNER, 0), "half of memory is taken");
        final long page = a.alloc(0, OWNER, 0);
        assertTrue(page >= 1L << 27, "order 0 comes from the other half");
        final BadFreeException wrong = assertThrows(BadFreeException.class, () -> a.free(half, 26, 0));
        assertEquals(BadFreeException.Kind.WRONG_ORDER, wrong.kind());
        a.free(page, 0, 0);
        // (Each order-27 allocation writes 2^27 memdesc8 words, 1 GiB of memmap: the per-page
        // layout's price, and why this test holds only one at a time.)
        a.free(half, 27, 0);
        assertEquals(1L << 28, a.freePages());
        assertEquals(1, a.freeBlocksByOrder()[28]);
        assertEquals(-1, a.core().hugeOrder(0));
    }

    @Test
    void allOfMemoryAfterSmallAllocationsHaveComeAndGone() {
        final PotadAllocator a = build(64L << 20);   // 16384 pages, order 14
        final List<Long> pfns = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            pfns.add(a.alloc(i % 4, OWNER, 0));
        }
        assertEquals(PageAllocator.NO_PAGE, a.alloc(14, OWNER, 0));
        for (int i = 0; i < pfns.size(); i++) {
            a.free(pfns.get(i), i % 4, 0);
        }
        // vcpu 0 still reserves a region; the huge path gives that reservation up by itself.
        assertEquals(0, a.alloc(14, OWNER, 0));
        a.free(0, 14, 0);
        assertTrue(a.verify().ok());
    }

    @Test
    void cmaTakesOneNaturallyAlignedBlockWhenThereIsOne() {
        final PotadAllocator a = build(64L << 20);
        final long pfn = a.allocRange(MIB_8_PAGES, MIB_1, OWNER, 0);
        assertEquals(0, pfn);
        assertEquals(11, a.memmap().allocatedOrder(pfn), "one order-11 (8 MiB) block");
        a.freeRange(pfn, MIB_8_PAGES, 0);
        assertEquals(a.managedPages(), a.freePages());
        assertTrue(a.verify().ok());
    }

    @Test
    void cmaFallsBackToAdjacentHalvesAcrossAnAlignedBoundary() {
        final PotadAllocator a = build(32L << 20);   // 8192 pages: four 8 MiB blocks
        // Pin one page in each 8 MiB block so none is free: at 0 and 2048 (lower halves of
        // blocks 0 and 1), 5632 (upper half of block 2) and 6144 (block 3). Then the 4 MiB
        // blocks 3072..4095 and 4096..5119 are free, adjacent and together an 8 MiB range that
        // straddles an 8 MiB boundary.
        final long[] pins = {0, 2048, 4096 + 1024 + 512, 6144};
        for (final long pin : pins) {
            assertTrue(a.core().claimAt(pin, 0));
            a.memmap().setAllocated(pin, 0, OWNER);
        }
        final long pfn = a.allocRange(MIB_8_PAGES, MIB_1, OWNER, 0);
        assertEquals(3072, pfn);
        assertEquals(10, a.memmap().allocatedOrder(3072));
        assertEquals(10, a.memmap().allocatedOrder(4096));
        final long free = a.freePages();
        assertTrue(a.verify().ok(), a.verify()::toString);
        // A second 8 MiB range at 1 MiB alignment no longer exists: the longest runs of free
        // 1 MiB-aligned blocks are 256..2047 and 6400..8191, seven blocks each.
        assertEquals(PageAllocator.NO_PAGE, a.allocRange(MIB_8_PAGES, MIB_1, OWNER, 0));
        assertEquals(free, a.freePages(), "a failed range leaks nothing");
        assertTrue(a.verify().ok(), a.verify()::toString);
        // 7 MiB at 1 MiB alignment fits, in the first such run.
        final long seven = a.allocRange(1792, MIB_1, OWNER, 0);
        assertEquals(256, seven);
        a.freeRange(seven, 1792, 0);
        a.freeRange(pfn, MIB_8_PAGES, 0);
        for (final long pin : pins) {
            a.free(pin, 0, 0);
        }
        assertEquals(a.managedPages(), a.freePages());
    }

    @Test
    void cmaFailsWithNoLeakWhenTooFewAlignedBlocksAreFree() {
        final PotadAllocator a = build(16L << 20);   // 4096 pages = 16 MiB
        // Pin one page in every 1 MiB block but blocks 2..8 and 10..15: seven adjacent free
        // 1 MiB blocks at most, so 8 MiB at 1 MiB alignment must fail, 7 MiB must succeed.
        for (final long mib : new long[] {0, 1, 9}) {
            final long pin = mib * 256 + 100;
            assertTrue(a.core().claimAt(pin, 0));
            a.memmap().setAllocated(pin, 0, OWNER);
        }
        final long free = a.freePages();
        final long[] blocks = a.freeBlocksByOrder();
        assertEquals(PageAllocator.NO_PAGE, a.allocRange(MIB_8_PAGES, MIB_1, OWNER, 0));
        assertEquals(free, a.freePages());
        assertEquals(java.util.Arrays.toString(blocks), java.util.Arrays.toString(a.freeBlocksByOrder()));
        assertTrue(a.verify().ok(), a.verify()::toString);
        // The 7 MiB run 2..8 is there, at 1 MiB alignment, and the 6 MiB run 10..15 too.
        assertEquals(2 * 256, a.allocRange(7 * 256, MIB_1, OWNER, 0));
        assertEquals(10 * 256, a.allocRange(6 * 256, MIB_1, OWNER, 0));
        assertEquals(PageAllocator.NO_PAGE, a.allocRange(256, MIB_1, OWNER, 0));
        assertEquals(free - 13 * 256, a.freePages());
        assertTrue(a.verify().ok(), a.verify()::toString);
    }

    /**
     * 8 MiB of RAM, all of it asked for as one CMA range while vcpu 1 holds a reservation (it
     * allocated and freed a page, so its region is wholly free but RESERVED): the range takes the
     * reservation back and succeeds, and vcpu 1 allocates again afterwards once it is freed.
     */
    @Test
    void cmaTakesAnotherVcpusReservationBack() {
        machine = Machine.create(MIB_8_PAGES << 12);
        final PotadAllocator a = new PotadAllocator(Layouts.byName("memdesc8").bind(machine, PlainAccess.INSTANCE),
                AllocatorOptions.defaults().withVcpus(2));
        a.free(a.alloc(0, OWNER, 1), 0, 1);
        assertTrue(a.core().reservedRegionOf(1) >= 0, "vcpu 1 reserves a region");
        final long pfn = a.allocRange(MIB_8_PAGES, MIB_1, OWNER, 0);
        assertEquals(0, pfn, "all of RAM as one range");
        assertEquals(-1, a.core().reservedRegionOf(1), "vcpu 1's reservation was taken back");
        assertEquals(0, a.freePages());
        assertEquals(PageAllocator.NO_PAGE, a.alloc(0, OWNER, 1));
        a.freeRange(pfn, MIB_8_PAGES, 0);
        assertNotEquals(PageAllocator.NO_PAGE, a.alloc(0, OWNER, 1));
        assertTrue(a.verify().ok());
    }

    @Test
    void freeRangeChecksTheWholeRangeFirst() {
        final PotadAllocator a = build(16L << 20);
        final long pfn = a.allocRange(1024, MIB_1, OWNER, 0);
        final long free = a.freePages();
        assertEquals(BadFreeException.Kind.DOUBLE_FREE,
                assertThrows(BadFreeException.class, () -> a.freeRange(pfn, 2048, 0)).kind());
        assertEquals(BadFreeException.Kind.WRONG_ORDER,
                assertThrows(BadFreeException.class, () -> a.freeRange(pfn, 512, 0)).kind());
        assertEquals(free, a.freePages());
        a.freeRange(pfn, 1024, 0);
        assertEquals(a.managedPages(), a.freePages());
        assertThrows(IllegalArgumentException.class, () -> a.allocRange(1000, MIB_1, OWNER, 0));
    }

    @Test
    void swapSlotsAllocateAndFreeWithTheirOwnAccounting() {
        build(16L << 20);
        final long machineMeta = machine.footprint().metadataBytes();
        try (SwapSlots swap = SwapSlots.ofDevice(64L << 30, 12, 2, PlainAccess.INSTANCE)) {
            assertEquals(16L << 20, swap.slots());
            assertEquals(24, swap.maxOrder());
            // 2 MiB of bits + 256 KiB of entries + one 4 KiB page of vcpu slots + the summary: 4 KiB
            // (32768 regions / 64 per word * 8 bytes) and 64 bytes of top level, mapped as 2 pages.
            assertEquals((2L << 20) + (256L << 10) + 4096 + 8192, swap.metadataBytes(), "bits, entries, slots, summary");
            assertEquals(machineMeta, machine.footprint().metadataBytes(), "swap metadata stays off the machine");
            final long a = swap.alloc(0, 0);
            final long b = swap.alloc(0, 1);
            final long cluster = swap.alloc(9, 0);
            assertNotEquals(a, b);
            assertEquals(swap.slots() - 2 - 512, swap.freeSlots());
            swap.free(a, 0, 1);
            assertEquals(BadFreeException.Kind.DOUBLE_FREE,
                    assertThrows(BadFreeException.class, () -> swap.free(a, 0, 0)).kind());
            assertEquals(BadFreeException.Kind.NOT_ALLOCATED,
                    assertThrows(BadFreeException.class, () -> swap.free(cluster + 3, 0, 0)).kind());
            assertEquals(BadFreeException.Kind.OUT_OF_RANGE,
                    assertThrows(BadFreeException.class, () -> swap.free(swap.slots(), 0, 0)).kind());
            swap.free(b, 0, 0);
            swap.free(cluster, 9, 1);
            assertEquals(swap.slots(), swap.freeSlots());
            assertTrue(swap.verify().ok(), swap.verify()::toString);
            swap.releaseReservation(0);
            swap.releaseReservation(1);
            assertEquals(0, swap.alloc(24, 0), "the whole device in one block");
            swap.free(0, 24, 0);
        }
    }

    @Test
    void subpageBlocksShareAPageAndGiveItBackWhenEmpty() {
        final PotadAllocator a = build(16L << 20);
        final PotadSubpage sub = new PotadSubpage(a);
        final long base = a.freePages();
        final long[] small = new long[8];
        for (int i = 0; i < 8; i++) {
            small[i] = sub.alloc(512, 0);
            assertEquals(0, small[i] & 511);
            assertEquals(small[0] >>> 12, small[i] >>> 12, "eight 512 B blocks share one page");
        }
        assertEquals(base - 1, a.freePages());
        assertEquals(PotadSubpage.SLAB_PAGE, a.memmap().allocatee(small[0] >>> 12));
        final long k2 = sub.alloc(2048, 0);
        final long k1 = sub.alloc(1024, 0);
        assertEquals(0, k2 & 2047);
        assertEquals(0, k1 & 1023);
        assertNotEquals(small[0] >>> 12, k2 >>> 12);
        final long ninth = sub.alloc(512, 0);
        assertNotEquals(small[0] >>> 12, ninth >>> 12, "the full page was retired");
        assertEquals(base - 4, a.freePages());

        assertEquals(BadFreeException.Kind.NOT_ALLOCATED,
                assertThrows(BadFreeException.class, () -> sub.free(k2, 512, 0)).kind());
        assertEquals(BadFreeException.Kind.MISALIGNED,
                assertThrows(BadFreeException.class, () -> sub.free(k1 + 512, 1024, 0)).kind());
        assertThrows(BadFreeException.class, () -> sub.free(k1, 4096, 0));
        for (final long s : small) {
            sub.free(s, 512, 0);
        }
        assertEquals(BadFreeException.Kind.NOT_ALLOCATED,
                assertThrows(BadFreeException.class, () -> sub.free(small[0], 512, 0)).kind(),
                "the page went back to the page allocator");
        assertEquals(base - 3, a.freePages(), "the emptied, retired page went back");
        sub.free(ninth, 512, 0);
        assertEquals(BadFreeException.Kind.DOUBLE_FREE,
                assertThrows(BadFreeException.class, () -> sub.free(ninth, 512, 0)).kind());
        sub.free(k2, 2048, 0);
        sub.free(k1, 1024, 0);
        assertEquals(base - 3, a.freePages(), "current pages stay with their vcpu even when empty");
        assertTrue(a.verify().ok(), a.verify()::toString);
    }
}

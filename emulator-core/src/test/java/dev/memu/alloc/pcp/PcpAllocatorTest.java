package dev.memu.alloc.pcp;

import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.memu.alloc.pcp.PcpFixture.options;
import static dev.memu.alloc.pcp.PcpFixture.owner;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcpAllocatorTest {

    private static final long MIB = 1 << 20;

    private static void assertSound(final PageAllocator a) {
        final VerifyReport report = a.verify();
        assertTrue(report.ok(), report::toString);
        assertEquals(a.managedPages(), report.freePages() + report.allocatedPages());
        assertEquals(a.freePages(), report.freePages(), "freePages() agrees with the walk");
    }

    @Test
    void defaultsAreLinuxBootValues() {
        try (PcpFixture f = new PcpFixture("memdesc8", 64 * MIB, AllocatorOptions.defaults().withVcpus(2))) {
            final long pages = f.machine.pages();
            assertEquals(PcpSizing.batch(pages, 4096), f.pcp.batch());
            assertEquals(3, f.pcp.batch());
            assertEquals(PcpSizing.high(pages, 4096, 3, 2), f.pcp.high());
            assertEquals(160, f.pcp.high(), "low watermark 320 pages split over 2 vcpus");
            assertEquals("buddy+apcp", f.pcp.name());
        }
    }

    @Test
    void registryBuildsTheArrayPcpAsBuddyPlusApcpAndLinuxsAsBuddyPlusPcp() {
        try (PcpFixture f = new PcpFixture("memdesc8", 4 * MIB, AllocatorOptions.defaults())) {
            assertTrue(Allocators.names().contains("buddy+apcp"));
            final PageAllocator a = Allocators.create("buddy+apcp",
                    dev.memu.layout.Layouts.byName("linux64").bind(f.machine, dev.memu.access.PlainAccess.INSTANCE),
                    AllocatorOptions.defaults());
            assertInstanceOf(PcpAllocator.class, a);
            assertEquals("buddy+apcp", a.name());
            final PageAllocator linux = Allocators.create("buddy+pcp",
                    dev.memu.layout.Layouts.byName("linux64").bind(f.machine, dev.memu.access.PlainAccess.INSTANCE),
                    AllocatorOptions.defaults());
            assertInstanceOf(LinuxPcpAllocator.class, linux);
            assertEquals("buddy+pcp", linux.name());
        }
    }

    @Test
    void emptyListIsRefilledWithBatchBlocksFromTheBackend() {
        try (PcpFixture f = new PcpFixture("memdesc8", 4 * MIB, options(2, 64, 8))) {
            final long pages = f.machine.pages();
            final long first = f.pcp.alloc(0, owner(0), 0);
            assertNotEquals(PageAllocator.NO_PAGE, first);
            assertEquals(1, f.pcp.refills(0));
            assertEquals(7, f.pcp.count(0));
            assertEquals(7, f.pcp.blocks(0, 0));
            assertEquals(pages - 8, f.pcp.backend().freePages(), "the backend handed out one batch");
            assertEquals(pages - 1, f.pcp.freePages(), "PCP-held pages count as free");
            assertEquals(owner(0), f.memmap.allocatee(first));
            for (int i = 1; i < 8; i++) {
                f.pcp.alloc(0, owner(i), 0);
            }
            assertEquals(1, f.pcp.refills(0), "7 more come from the list");
            assertEquals(0, f.pcp.count(0));
            f.pcp.alloc(0, owner(8), 0);
            assertEquals(2, f.pcp.refills(0));
            assertEquals(0, f.pcp.refills(1), "other vcpus' lists are untouched");

            // nr_pcp_alloc above order 0: max(batch >> order, 2) blocks
            f.pcp.alloc(2, owner(9), 0);
            assertEquals(1, f.pcp.blocks(0, 2), "order 2 takes 8 >> 2 = 2 blocks, hands out one");
            assertEquals(7 + 4, f.pcp.count(0));
            f.pcp.alloc(3, owner(10), 1);
            assertEquals(1, f.pcp.blocks(1, 3), "order 3 takes max(8 >> 3, 2) = 2 blocks");
            assertSound(f.pcp);
        }
    }

    @Test
    void freeReturnsBatchColdestPagesWhenCountReachesHigh() {
        try (PcpFixture f = new PcpFixture("memdesc8", 4 * MIB, options(1, 16, 4))) {
            final long[] blocks = new long[20];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = f.pcp.alloc(0, owner(i), 0);
            }
            assertEquals(5, f.pcp.refills(0));
            assertEquals(0, f.pcp.count(0));
            for (int i = 0; i < 15; i++) {
                f.pcp.free(blocks[i], 0, 0);
                assertEquals(i + 1, f.pcp.count(0));
            }
            assertEquals(0, f.pcp.bulkFrees(0));
            f.pcp.free(blocks[15], 0, 0);                     // count 16 >= high 16
            assertEquals(1, f.pcp.bulkFrees(0));
            assertEquals(12, f.pcp.count(0), "batch (4) pages went back");
            for (int i = 0; i < 4; i++) {
                assertFalse(f.pcp.isPcpHeld(blocks[i]), "the coldest (first freed) went back: " + i);
                assertEquals(Allocatee.NONE, f.memmap.allocatee(blocks[i]));
            }
            for (int i = 4; i < 16; i++) {
                assertTrue(f.pcp.isPcpHeld(blocks[i]), "still held: " + i);
            }
            for (int i = 16; i < 20; i++) {
                f.pcp.free(blocks[i], 0, 0);
                assertTrue(f.pcp.count(0) < 16);
            }
            assertEquals(2, f.pcp.bulkFrees(0));
            assertEquals(12, f.pcp.count(0));
            assertEquals(f.machine.pages(), f.pcp.freePages());
            final long[] byOrder = f.pcp.freeBlocksByOrder();
            final long[] backend = f.pcp.backend().freeBlocksByOrder();
            assertEquals(backend[0] + 12, byOrder[0], "PCP-held blocks are reported with the backend's");
            assertSound(f.pcp);
        }
    }

    @Test
    void memmapNamesTheUserWhileAllocatedAndThePcpWhileHeld() {
        try (PcpFixture f = new PcpFixture("linux64", 4 * MIB, options(1, 64, 8))) {
            final long pfn = f.pcp.alloc(1, owner(7), 0);
            assertEquals(owner(7), f.memmap.allocatee(pfn));
            assertEquals(owner(7), f.memmap.allocatee(pfn + 1));
            assertEquals(1, f.memmap.allocatedOrder(pfn));
            assertFalse(f.pcp.isPcpHeld(pfn));
            VerifyReport r = f.pcp.verify();
            assertEquals(2, r.allocatedPages(), "only the user's block counts as allocated");
            f.pcp.free(pfn, 1, 0);
            assertTrue(f.pcp.isPcpHeld(pfn));
            for (long p = pfn; p < pfn + 2; p++) {
                assertEquals(Allocatee.NONE, f.memmap.allocatee(p), "a PCP-held page names no owner");
                assertEquals(-1, f.memmap.freeOrder(p), "and is not on the backend's free lists");
            }
            assertEquals(-1, f.memmap.allocatedOrder(pfn));
            r = f.pcp.verify();
            assertEquals(0, r.allocatedPages());
            assertEquals(f.machine.pages() - f.pcp.count(0), f.pcp.backend().freePages());
            assertSound(f.pcp);
            assertEquals(Allocatee.NONE, f.memmap.allocatee(pfn), "verify() leaves no mark behind");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"linux64", "memdesc16", "memdesc8"})
    void badFreesAreRejectedAndChangeNothing(final String layout) {
        try (PcpFixture f = new PcpFixture(layout, 4 * MIB, options(2, 64, 8))) {
            final PcpAllocator a = f.pcp;
            final long user2 = a.alloc(2, owner(1), 0);
            final long held0 = a.alloc(0, owner(2), 0);
            a.free(held0, 0, 0);
            final long held2 = a.alloc(2, owner(3), 1);
            a.free(held2, 2, 1);
            final long big = a.alloc(5, owner(4), 0);              // order without a list: backend only
            a.free(big, 5, 0);
            final long pages = f.machine.pages();
            final Snapshot before = new Snapshot(a);

            assertBadFree(BadFreeException.Kind.DOUBLE_FREE, () -> a.free(held0, 0, 0));
            assertBadFree(BadFreeException.Kind.DOUBLE_FREE, () -> a.free(held0, 0, 1));
            assertBadFree(BadFreeException.Kind.DOUBLE_FREE, () -> a.free(held2, 2, 0));
            assertBadFree(BadFreeException.Kind.DOUBLE_FREE, () -> a.free(held2, 1, 0));
            assertBadFree(BadFreeException.Kind.DOUBLE_FREE, () -> a.free(held2 + 1, 0, 0));
            assertBadFree(BadFreeException.Kind.DOUBLE_FREE, () -> a.free(big, 5, 0));
            assertBadFree(BadFreeException.Kind.WRONG_ORDER, () -> a.free(user2, 1, 0));
            assertBadFree(BadFreeException.Kind.WRONG_ORDER, () -> a.free(user2, 0, 0));
            assertBadFree(BadFreeException.Kind.NOT_ALLOCATED, () -> a.free(user2 + 1, 0, 0));
            assertBadFree(BadFreeException.Kind.OUT_OF_RANGE, () -> a.free(pages, 0, 0));
            assertBadFree(BadFreeException.Kind.OUT_OF_RANGE, () -> a.free(-4, 2, 0));
            assertBadFree(BadFreeException.Kind.MISALIGNED, () -> a.free(user2 + 2, 2, 0));
            assertBadFree(BadFreeException.Kind.BAD_ORDER, () -> a.free(user2, -1, 0));
            assertBadFree(BadFreeException.Kind.BAD_ORDER, () -> a.free(user2, a.maxOrder() + 1, 0));
            assertThrows(IllegalArgumentException.class, () -> a.free(user2, 2, 2));
            assertThrows(IllegalArgumentException.class, () -> a.free(user2, 2, -1));
            assertEquals(before, new Snapshot(a), "rejected frees changed the state");

            assertThrows(IllegalArgumentException.class, () -> a.alloc(a.maxOrder() + 1, owner(5), 0));
            assertThrows(IllegalArgumentException.class, () -> a.alloc(0, Allocatee.of(MemdescType.NONE, 16), 0));
            assertThrows(IllegalArgumentException.class, () -> a.alloc(0, Allocatee.of(MemdescType.FREE, 16), 0));
            assertThrows(IllegalArgumentException.class, () -> a.alloc(0, a.pcpOwner(), 0));
            assertThrows(IllegalArgumentException.class, () -> a.alloc(0, owner(5), 2));
            assertEquals(before, new Snapshot(a), "rejected allocs changed the state");

            a.free(user2, 2, 0);
            assertSound(a);
            assertEquals(pages, a.freePages());
        }
    }

    private static void assertBadFree(final BadFreeException.Kind kind, final Executable free) {
        final BadFreeException e = assertThrows(BadFreeException.class, free);
        assertEquals(kind, e.kind(), e.getMessage());
    }

    /** Everything observable about an allocator, for "nothing changed" checks. */
    private record Snapshot(long free, List<Long> byOrder, List<Integer> counts, String report) {
        Snapshot(final PcpAllocator a) {
            this(a.freePages(), Arrays.stream(a.freeBlocksByOrder()).boxed().toList(), counts(a), a.verify().toString());
        }

        private static List<Integer> counts(final PcpAllocator a) {
            final List<Integer> counts = new ArrayList<>();
            for (int v = 0; v < 2; v++) {
                for (int order = 0; order <= 3; order++) {
                    counts.add(a.blocks(v, order));
                }
                counts.add(a.count(v));
            }
            return counts;
        }
    }

    @Test
    void allocUnderPressureDrainsOtherVcpusLists() {
        // 256 pages; vcpu 1 parks 200 of them on its list, vcpu 0 then needs every page.
        try (PcpFixture f = new PcpFixture("memdesc8", MIB, options(2, 250, 16))) {
            final PcpAllocator a = f.pcp;
            final long pages = f.machine.pages();
            final long[] parked = new long[200];
            for (int i = 0; i < parked.length; i++) {
                parked[i] = a.alloc(0, owner(i), 1);
            }
            for (final long pfn : parked) {
                a.free(pfn, 0, 1);
            }
            assertTrue(a.count(1) >= 200, "vcpu 1 holds " + a.count(1));
            assertEquals(0, a.bulkFrees(1));
            long got = 0;
            while (a.alloc(0, owner(got), 0) != PageAllocator.NO_PAGE) {
                got++;
            }
            assertEquals(pages, got, "every page was reachable from vcpu 0");
            assertEquals(0, a.count(1));
            assertTrue(a.drains(1) >= 1);
            final VerifyReport r = a.verify();
            assertTrue(r.ok(), r::toString);
            assertEquals(pages, r.allocatedPages());
        }
    }

    @Test
    void highOrderAllocUnderPressureDrainsAndMerges() {
        try (PcpFixture f = new PcpFixture("linux64", MIB, options(2, 250, 16))) {
            final PcpAllocator a = f.pcp;
            final long[] parked = new long[200];
            for (int i = 0; i < parked.length; i++) {
                parked[i] = a.alloc(0, owner(i), 1);
            }
            for (final long pfn : parked) {
                a.free(pfn, 0, 1);
            }
            // Order 7 (128 pages) has no list; the backend has no such block until vcpu 1 is drained.
            final long pfn = a.alloc(7, owner(1), 0);
            assertNotEquals(PageAllocator.NO_PAGE, pfn);
            assertEquals(1, a.drains(1));
            assertSound(a);
        }
    }

    @Test
    void offlineVcpuReturnsItsBlocksAndCanComeBack() {
        try (PcpFixture f = new PcpFixture("memdesc16", 4 * MIB, options(3, 200, 8))) {
            final PcpAllocator a = f.pcp;
            final List<Long> kept = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                final long pfn = a.alloc(i % 3, owner(i), 2);
                if (i % 5 == 0) {
                    kept.add(pfn);
                } else {
                    a.free(pfn, i % 3, 2);
                }
            }
            assertTrue(a.count(2) > 0);
            a.vcpuOffline(2);
            assertEquals(0, a.count(2));
            for (int order = 0; order <= 3; order++) {
                assertEquals(0, a.blocks(2, order));
            }
            assertEquals(1, a.drains(2));
            long keptPages = 0;
            for (int i = 0; i < kept.size(); i++) {
                keptPages += 1L << ((i * 5) % 3);
            }
            assertEquals(f.machine.pages() - keptPages, a.backend().freePages(), "everything but the user's went back");
            assertSound(a);
            final long again = a.alloc(0, owner(99), 2);          // the vcpu comes back online
            assertNotEquals(PageAllocator.NO_PAGE, again);
            assertEquals(a.batch() - 1, a.count(2));
            assertSound(a);
        }
    }

    @Test
    void thpOrderHasAListOthersAboveCostlyOrderDoNot() {
        try (PcpFixture f = new PcpFixture("memdesc8", 64 * MIB, AllocatorOptions.defaults())) {
            final PcpAllocator a = f.pcp;
            assertTrue(a.hasList(0) && a.hasList(3) && a.hasList(PcpAllocator.THP_ORDER));
            assertFalse(a.hasList(4) || a.hasList(8) || a.hasList(10));
            final long thp = a.alloc(9, owner(1), 0);
            assertEquals(1, a.blocks(0, 9), "max(batch >> 9, 2) = 2 blocks taken, one handed out");
            assertEquals(512, a.count(0));
            final long direct = a.alloc(4, owner(2), 0);
            assertEquals(512, a.count(0), "order 4 bypasses the lists");
            a.free(direct, 4, 0);
            assertEquals(512, a.count(0));
            a.free(thp, 9, 0);                                   // 1024 >= high 320: one bulk free
            assertEquals(1, a.bulkFrees(0));
            assertEquals(512, a.count(0));
            assertSound(a);
        }
        try (PcpFixture f = new PcpFixture("memdesc8", 4 * MIB, AllocatorOptions.defaults().withMaxOrder(8))) {
            assertFalse(f.pcp.hasList(PcpAllocator.THP_ORDER), "no THP list when the backend stops below 9");
        }
    }

    @Test
    void highAboveTheMachineNeverBulkFreesButPressureStillDrains() {
        try (PcpFixture f = new PcpFixture("memdesc8", 64 * 1024, options(1, 1_000_000, 4))) {
            final PcpAllocator a = f.pcp;
            final long[] all = new long[16];
            for (int i = 0; i < all.length; i++) {
                all[i] = a.alloc(0, owner(i), 0);
            }
            for (final long pfn : all) {
                a.free(pfn, 0, 0);
            }
            assertEquals(16, a.count(0), "high is never reached");
            assertEquals(0, a.bulkFrees(0));
            assertNotEquals(PageAllocator.NO_PAGE, a.alloc(4, owner(99), 0), "pressure drains the list");
            assertEquals(1, a.drains(0));
            assertSound(a);
        }
    }

    @Test
    void explicitDrainOfABusyVcpuFromAnotherLeavesItWorking() {
        try (PcpFixture f = new PcpFixture("memdesc8", 4 * MIB, options(2, 64, 8))) {
            final PcpAllocator a = f.pcp;
            final long pfn = a.alloc(0, owner(1), 0);
            a.drainPages(0, 1);
            assertEquals(0, a.count(0));
            a.free(pfn, 0, 0);
            assertEquals(1, a.count(0));
            assertSound(a);
        }
    }
}

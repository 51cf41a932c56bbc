package dev.memu.mm;

import dev.memu.alloc.PageAllocator;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Faults, fork, COW, zap and exit on hand-built cases, checked against the page tables and exact. */
class MmLayerTest {

    private static final long K4 = 4096;
    private static final long M2 = 2L << 20;
    private static final int RW = Vma.VM_READ | Vma.VM_WRITE;

    @Test
    void anonFaultPicksTheLargestOrderThatFitsAndIsNone() {
        try (MmRig r = new MmRig(MmConfig.defaults().withOrders(0, 4, 9))) {
            final Mm m = r.mm.newMm();
            r.mm.mmapAnon(m, 4 * M2, 2 * M2, RW);                       // PMD aligned: order 9
            r.mm.mmapAnon(m, 0x10000, 0x11000, RW);                     // 64 KiB aligned + one page
            assertEquals(Fault.OK, r.mm.fault(m, 4 * M2 + 5 * K4, true));
            assertTrue(Pte.huge(r.mm.entry(m, 4 * M2)), "order 9 mapped by a PMD");
            assertEquals(9, r.orderAt(m, 4 * M2 + 100 * K4));
            assertEquals(Fault.OK, r.mm.fault(m, 0x13000, false));
            assertEquals(4, r.orderAt(m, 0x10000));
            assertEquals(r.folioAt(m, 0x10000), r.folioAt(m, 0x1f000), "all 16 pages from one fault");
            assertEquals(Fault.OK, r.mm.fault(m, 0x20000, true));
            assertEquals(0, r.orderAt(m, 0x20000), "order-4 range at 0x20000 leaves the VMA");
            assertTrue(r.mm.madviseDontneed(m, 0x14000, K4));
            assertEquals(-1, r.mm.translate(m, 0x14000));
            assertEquals(Fault.OK, r.mm.fault(m, 0x14000, true));
            assertEquals(0, r.orderAt(m, 0x14000), "partly populated range: order 0");
            assertEquals(15, r.exactAt(m, 0x10000).totalMapcount());
            assertTrue(r.exact.partiallyMapped());
            assertEquals(Fault.SIGSEGV, r.mm.fault(m, 0x30000, false));
            r.events.assertMatchesExact(r.mm.descs());
            r.assertAllReturned();
        }
    }

    @Test
    void failedLargeAllocationsFallBackToSmallerOrders() {
        try (MmRig r = new MmRig(8L << 20, "memdesc8", "buddy", MmConfig.defaults().withOrders(0, 4, 9))) {
            final List<Long> hogs = new ArrayList<>();
            long pfn;
            final long hog = Allocatee.of(MemdescType.SLAB, 0);
            while ((pfn = r.allocator.alloc(0, hog, 0)) != PageAllocator.NO_PAGE) {
                hogs.add(pfn);
            }
            for (int i = 0; i < hogs.size(); i += 2) {                    // every other page free: order 0 only
                r.allocator.free(hogs.get(i), 0, 0);
            }
            final Mm m = r.mm.newMm();
            r.mm.mmapAnon(m, 2 * M2, M2, RW);
            assertEquals(Fault.OK, r.mm.fault(m, 2 * M2, true));
            assertEquals(0, r.orderAt(m, 2 * M2));
            assertEquals(1, r.mm.counters().thpFallbacks);
            assertEquals(1, r.mm.counters().mthpFallbacks);
            r.mm.shutdown();
            for (int i = 1; i < hogs.size(); i += 2) {
                r.allocator.free(hogs.get(i), 0, 0);
            }
            r.assertAllReturned();
        }
    }

    @Test
    void forkSharesAndCowCopiesOnePageOfALargeFolio() {
        try (MmRig r = new MmRig(MmConfig.defaults().withOrders(0, 4))) {
            final Mm p = r.mm.newMm();
            r.mm.mmapAnon(p, 0x100000, 0x10000, RW);
            for (int i = 0; i < 16; i++) {
                r.mm.store(p, 0x100000 + i * K4, 1000 + i);
            }
            final long folio = r.folioAt(p, 0x100000);
            assertEquals(4, r.orderAt(p, 0x100000));
            final Mm c = r.mm.fork(p);
            assertNotNull(c);
            assertEquals(0, r.mm.entry(p, 0x100000) & Pte.RW, "parent write-protected");
            assertEquals(0, r.mm.entry(c, 0x100000) & Pte.RW, "child write-protected");
            assertEquals(1003, r.mm.load(c, 0x103000));
            assertEquals(32, r.exactAt(p, 0x100000).totalMapcount());
            assertEquals(2, r.exact.mmCount());
            assertEquals(2, r.exact.tuples());
            r.mm.store(c, 0x103000, 7);
            assertEquals(1, r.mm.counters().cowCopies);
            assertNotEquals(folio, r.folioAt(c, 0x103000));
            assertEquals(0, r.orderAt(c, 0x103000), "the writer gets an order-0 copy");
            assertEquals(1003, r.mm.load(p, 0x103000));
            assertEquals(7, r.mm.load(c, 0x103000));
            assertEquals(31, r.exactAt(p, 0x100000).totalMapcount());
            assertFalse(r.exact.partiallyMapped());
            r.mm.store(p, 0x103000, 8);                                  // parent: shared large folio too
            assertEquals(2, r.mm.counters().cowCopies);
            assertEquals(30, r.exactAt(p, 0x100000).totalMapcount());
            assertTrue(r.exact.partiallyMapped(), "page 3 is mapped by nobody now");
            assertEquals(0, r.exact.pageMapcount(3));
            assertEquals(2, r.exact.pageMapcount(4));
            r.mm.exit(c);
            assertEquals(15, r.exactAt(p, 0x100000).totalMapcount());
            assertTrue(r.exact.exclusive());
            assertEquals(8, r.mm.load(p, 0x103000));
            r.events.assertMatchesExact(r.mm.descs());
            r.assertAllReturned();
        }
    }

    @Test
    void writeToAnExclusiveOrSoleSmallPageReusesIt() {
        try (MmRig r = new MmRig(MmConfig.defaults().withOrders(0))) {
            final Mm p = r.mm.newMm();
            r.mm.mmapAnon(p, 0x400000, 2 * K4, RW);
            r.mm.store(p, 0x400000, 1);
            r.mm.store(p, 0x401000, 2);
            final Mm c = r.mm.fork(p);
            final long shared = r.folioAt(p, 0x400000);
            r.mm.exit(c);                                               // page shared no more, bit still clear
            assertEquals(0, r.mm.entry(p, 0x400000) & Pte.ANON_EXCLUSIVE);
            r.mm.store(p, 0x400000, 3);
            assertEquals(shared, r.folioAt(p, 0x400000), "refcount 1: reused in place");
            assertEquals(1, r.mm.counters().cowReuses);
            assertEquals(0, r.mm.counters().cowCopies);
            assertEquals(1, r.events.exclusiveMarks, "the schemes hear that the page is exclusive again");
            assertTrue((r.mm.entry(p, 0x400000) & Pte.ANON_EXCLUSIVE) != 0);
            r.assertAllReturned();
        }
    }

    @Test
    void cowOnAForkedPmdSplitsTheChildsPmdOnly() {
        try (MmRig r = new MmRig(MmConfig.defaults().withOrders(0, 9))) {
            final Mm p = r.mm.newMm();
            r.mm.mmapAnon(p, 8 * M2, M2, RW);
            r.mm.store(p, 8 * M2 + 10 * K4, 42);
            final long folio = r.folioAt(p, 8 * M2);
            final long tablesBefore = r.mm.pageTables().live();
            final Mm c = r.mm.fork(p);
            assertTrue(Pte.huge(r.mm.entry(c, 8 * M2)));
            assertEquals(2, r.exactAt(p, 8 * M2).pmdMappings());
            assertEquals(0, r.exact.pteMappings());
            assertEquals(2 * tablesBefore, r.mm.pageTables().live(), "child: same tables, deposit included");
            r.mm.store(c, 8 * M2 + 10 * K4, 43);
            assertEquals(1, r.mm.counters().pmdSplits);
            assertTrue(Pte.huge(r.mm.entry(p, 8 * M2)), "parent keeps its PMD");
            assertFalse(Pte.huge(r.mm.entry(c, 8 * M2)));
            assertEquals(folio, r.folioAt(c, 8 * M2 + 11 * K4));
            assertNotEquals(folio, r.folioAt(c, 8 * M2 + 10 * K4));
            assertEquals(1 + 511, r.exactAt(p, 8 * M2).totalMapcount());
            assertEquals(2, r.exact.tuples());
            assertEquals(1, r.exact.pageMapcount(10));
            assertEquals(2, r.exact.pageMapcount(11));
            assertEquals(42, r.mm.load(p, 8 * M2 + 10 * K4));
            assertEquals(43, r.mm.load(c, 8 * M2 + 10 * K4));
            r.events.assertMatchesExact(r.mm.descs());
            r.assertAllReturned();
        }
    }

    @Test
    void partialMunmapOfAPmdMappedFolioSplitsThePmd() {
        try (MmRig r = new MmRig(MmConfig.defaults().withOrders(0, 9))) {
            final Mm m = r.mm.newMm();
            r.mm.mmapAnon(m, 2 * M2, 2 * M2, RW);
            r.mm.fault(m, 2 * M2, true);
            r.mm.fault(m, 3 * M2, true);
            r.mm.munmap(m, 2 * M2 + 100 * K4, K4);
            assertEquals(1, r.mm.counters().pmdSplits);
            assertFalse(Pte.huge(r.mm.entry(m, 2 * M2)));
            assertEquals(511, r.exactAt(m, 2 * M2).totalMapcount());
            assertTrue(r.exact.partiallyMapped());
            assertEquals(1, r.exact.tuples(), "the two VMA pieces keep one id and share one table");
            assertEquals(2, m.vmaCount());
            assertTrue(Pte.huge(r.mm.entry(m, 3 * M2)), "the other PMD is untouched");
            r.mm.munmap(m, 3 * M2, M2);                                 // whole PMD: no split
            assertEquals(1, r.mm.counters().pmdSplits);
            assertEquals(-1, r.mm.translate(m, 3 * M2));
            r.events.assertMatchesExact(r.mm.descs());
            r.assertAllReturned();
        }
    }

    @Test
    void fileFolioCrossingAPageTableBoundary() {
        try (MmRig r = new MmRig(MmConfig.defaults())) {
            final MappedFile f = r.mm.newFile(64, 4);
            final Mm m = r.mm.newMm();
            final long start = M2 - 8 * K4;                             // folio 0 spans two PTE tables
            r.mm.mmapFile(m, start, 16 * K4, RW, f, 0);
            r.mm.fault(m, start, false);
            assertEquals(1, r.exactAt(m, start).totalMapcount(), "does not fit one table: one page");
            for (int i = 0; i < 16; i++) {
                assertEquals(Fault.OK, r.mm.fault(m, start + i * K4, false));
            }
            assertEquals(16, r.exactAt(m, start).totalMapcount());
            assertEquals(2, r.exact.tuples());
            assertFalse(r.exact.partiallyMapped());
            final Mm m2 = r.mm.newMm();
            r.mm.mmapFile(m2, 4 * M2, 16 * K4, RW, f, 0);
            r.mm.fault(m2, 4 * M2 + 3 * K4, true);
            assertEquals(32, r.exactAt(m, start).totalMapcount(), "aligned elsewhere: the whole folio at once");
            assertEquals(2, r.exact.mmCount());
            r.mm.munmap(m, start, 8 * K4);
            assertEquals(24, r.exactAt(m2, 4 * M2).totalMapcount());
            assertEquals(2, r.exact.tuples());
            r.events.assertMatchesExact(r.mm.descs());
            r.assertAllReturned();
        }
    }

    @Test
    void forkDoesNotCopyFileMappingsAndTheChildRefaultsThem() {
        try (MmRig r = new MmRig(MmConfig.defaults())) {
            final MappedFile f = r.mm.newFile(512, 9);
            final Mm p = r.mm.newMm();
            r.mm.mmapFile(p, 6 * M2, M2, RW, f, 0);
            r.mm.store(p, 6 * M2 + 5 * K4, 99);
            assertTrue(Pte.huge(r.mm.entry(p, 6 * M2)), "PMD-sized page-cache folio: do_set_pmd");
            final Mm c = r.mm.fork(p);
            assertEquals(0, r.mm.entry(c, 6 * M2), "vma_needs_copy: no file PTEs copied");
            assertEquals(99, r.mm.load(c, 6 * M2 + 5 * K4));
            assertEquals(2, r.exactAt(p, 6 * M2).pmdMappings());
            r.mm.munmap(c, 6 * M2, K4);                                  // a file PMD is zapped, not split
            assertEquals(1, r.exactAt(p, 6 * M2).totalMapcount());
            r.events.assertMatchesExact(r.mm.descs());
            r.mm.exit(p);
            r.mm.exit(c);
            assertEquals(1, r.mm.dropCaches());
            r.assertAllReturned();
        }
    }

    @Test
    void dontneedOnALockedVmaIsRejected() {
        try (MmRig r = new MmRig(MmConfig.defaults())) {
            final Mm m = r.mm.newMm();
            r.mm.mmapAnon(m, M2, 4 * K4, RW);
            r.mm.store(m, M2, 5);
            r.mm.mlock(m, M2, 4 * K4, true);
            assertFalse(r.mm.madviseDontneed(m, M2, K4));
            assertEquals(5, r.mm.load(m, M2));
            r.mm.mlock(m, M2, 4 * K4, false);
            assertTrue(r.mm.madviseDontneed(m, M2, K4));
            assertEquals(0, r.mm.load(m, M2), "anon memory reads zero after MADV_DONTNEED");
            r.assertAllReturned();
        }
    }

    @Test
    void perPageZapReportsOneEventPerPage() {
        for (final boolean batched : new boolean[] {true, false}) {
            try (MmRig r = new MmRig(MmConfig.defaults().withOrders(0, 4).withBatchedRmap(batched))) {
                final Mm m = r.mm.newMm();
                r.mm.mmapAnon(m, M2, 16 * K4, RW);
                r.mm.fault(m, M2, true);
                final long before = r.events.events;
                r.mm.munmap(m, M2, 16 * K4);
                assertEquals(batched ? 1 : 16, r.events.events - before);
                r.assertAllReturned();
            }
        }
    }

    @Test
    void swapEntriesRoundTripTheX86Encoding() {
        final long e = Pte.swapEntry(3, 0x12345, true);
        assertFalse(Pte.present(e));
        assertTrue(Pte.swap(e));
        assertEquals(3, Pte.swapType(e));
        assertEquals(0x12345, Pte.swapOffset(e));
        assertEquals(Pte.SWP_EXCLUSIVE, e & Pte.SWP_EXCLUSIVE);
        assertEquals(0x12345, Pte.swapOffset(Pte.swapEntry(31, 0x12345, false)));
    }
}

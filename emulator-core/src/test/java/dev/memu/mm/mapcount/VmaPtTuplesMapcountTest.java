package dev.memu.mm.mapcount;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** vma-pt-tuples against the examples of Wilcox's proposal (linux-mm, 2023-01-24). */
class VmaPtTuplesMapcountTest {

    private static final long PT_A = 7000;
    private static final long PT_B = 7001;

    @Test
    void aFolioAcrossAPageTableBoundaryCountsOnePerTable() {
        try (World w = new World("memdesc8")) {
            final VmaPtTuplesMapcount s = w.add(c -> new VmaPtTuplesMapcount(c.heap(), c.probe(), c.walker()));
            final World.Folio f = w.folio(4);
            w.map(f, 0, 8, 1, 100, PT_A, true);
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 4), "after the fault in one page table");
            w.map(f, 8, 8, 1, 100, PT_B, true);
            assertEquals(2, s.mapcount(f.folio(), f.headPfn(), 4), "after the fault in the other");
            assertEquals(16, w.exact.mapcount(f.folio(), f.headPfn(), 4), "16 PTEs");
            w.walks = 0;
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 4), "2 tuples, one mm: the rmap says so");
            assertEquals(1, w.walks, "a count of 2 consults the rmap");
            assertEquals(-1, s.pageMapcount(f.folio(), f.headPfn(), 4, 3));
        }
    }

    @Test
    void moreFaultsIntoTheSameTableDoNotCount() {
        try (World w = new World("memdesc8")) {
            final VmaPtTuplesMapcount s = w.add(c -> new VmaPtTuplesMapcount(c.heap(), c.probe(), c.walker()));
            final World.Folio f = w.folio(4);
            w.map(f, 3, 1, 1, 100, PT_A, true);
            w.map(f, 4, 2, 1, 100, PT_A, true);
            w.map(f, 0, 3, 1, 100, PT_A, true);
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 4));
            w.unmap(f, 0, 5, 1, 100, PT_A);
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 4), "page 5 still maps: the tuple stays");
            assertTrue(s.partiallyMapped(f.folio(), f.headPfn(), 4));
            w.unmap(f, 5, 1, 1, 100, PT_A);
            assertFalse(s.mapped(f.folio(), f.headPfn(), 4), "the last PTE took the tuple");
            assertFalse(s.partiallyMapped(f.folio(), f.headPfn(), 4), "the flag clears when unmapped");
            w.free(f);
        }
    }

    @Test
    void aPmdSplitLeavesTheCountUnchanged() {
        try (World w = new World("memdesc8")) {
            final VmaPtTuplesMapcount s = w.add(c -> new VmaPtTuplesMapcount(c.heap(), c.probe(), c.walker()));
            final World.Folio f = w.folio(9);
            w.mapPmd(f, 1, 100, true);
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 9));
            w.splitPmd(f, 1, 100, PT_A, true);
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 9), "still one page table, a different one");
            assertEquals(512, w.exact.mapcount(f.folio(), f.headPfn(), 9));
        }
    }

    @Test
    void forkMakesTwoTuplesOfTwoMmsAndThreeAreSharedWithoutAWalk() {
        try (World w = new World("memdesc8")) {
            final VmaPtTuplesMapcount s = w.add(c -> new VmaPtTuplesMapcount(c.heap(), c.probe(), c.walker()));
            final World.Folio f = w.folio(4);
            w.map(f, 0, 16, 1, 100, PT_A, true);
            w.fork(f, 0, 16, 2, 200, PT_B);
            assertTrue(s.mappedShared(f.folio(), f.headPfn(), 4));
            w.unmap(f, 0, 4, 2, 200, PT_B);
            assertTrue(s.partiallyMapped(f.folio(), f.headPfn(), 4), "published-less heuristic: a false positive here");
            assertFalse(w.exact.partiallyMapped(f.folio(), f.headPfn(), 4), "the parent still maps every page");
            w.fork(f, 0, 16, 3, 300, PT_B + 1);
            w.walks = 0;
            assertTrue(s.mappedShared(f.folio(), f.headPfn(), 4));
            assertEquals(0, w.walks, "more than 2 tuples: definitely mapped by somebody else");
        }
    }

    @Test
    void withoutAWalkerTwoTuplesReadShared() {
        try (World w = new World("memdesc8")) {
            final VmaPtTuplesMapcount s = w.add(c -> new VmaPtTuplesMapcount(c.heap(), c.probe(), null));
            final World.Folio f = w.folio(4);
            w.map(f, 0, 8, 1, 100, PT_A, true);
            w.map(f, 8, 8, 1, 100, PT_B, true);
            assertTrue(s.mappedShared(f.folio(), f.headPfn(), 4), "conservative: maybe shared");
            assertThrows(IllegalArgumentException.class, () -> new VmaPtTuplesMapcount(w.heap, null, null));
        }
    }
}

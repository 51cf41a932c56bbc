package dev.memu.mm.mapcount;

import dev.memu.access.CountingAccess;
import dev.memu.access.Region;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * no-page-mapcount against Linux 6.15 (CONFIG_NO_PAGE_MAPCOUNT + CONFIG_MM_ID), including the
 * cases its commit messages say it gets wrong.
 */
class NoPageMapcountTest {

    private static final long PT = 7000;

    @Test
    void forkTracksBothMmsAndTheChildsExitMakesItExclusiveAgain() {
        try (World w = new World("memdesc8")) {
            final NoPageMapcount s = w.add(c -> new NoPageMapcount(c.heap()));
            final World.Folio f = w.folio(4);
            w.map(f, 0, 16, 1, 100, PT, true);
            assertEquals(1, s.trackedMm(f.folio(), 0));
            assertEquals(16, s.trackedMapcount(f.folio(), 0));
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 4));
            w.fork(f, 0, 16, 2, 200, PT + 1);
            assertEquals(2, s.trackedMm(f.folio(), 1));
            assertEquals(32, s.mapcount(f.folio(), f.headPfn(), 4));
            assertTrue(s.mappedShared(f.folio(), f.headPfn(), 4), "slot 1 taken: maybe mapped shared");
            assertEquals(2, s.pageMapcount(f.folio(), f.headPfn(), 4, 5), "the average, for any page");
            w.unmap(f, 0, 16, 2, 200, PT + 1);
            assertEquals(0, s.trackedMm(f.folio(), 1), "the slot is freed");
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 4), "one slot owns every mapping again");
            w.unmap(f, 0, 16, 1, 100, PT);
            w.free(f);
        }
    }

    /** Commit message example A: fork, then parent and child each unmap up to half of the THP. */
    @Test
    void missesPartialMappingsSpreadOverTwoMms() {
        try (World w = new World("memdesc16")) {
            final NoPageMapcount s = w.add(c -> new NoPageMapcount(c.heap()));
            final World.Folio f = w.folio(9);
            w.map(f, 0, 512, 1, 100, PT, true);
            w.fork(f, 0, 512, 2, 200, PT + 1);
            w.unmap(f, 0, 256, 1, 100, PT);
            w.unmap(f, 0, 200, 2, 200, PT + 1);
            assertTrue(w.exact.partiallyMapped(f.folio(), f.headPfn(), 9), "pages 0..199 are mapped by nobody");
            assertEquals(568, s.mapcount(f.folio(), f.headPfn(), 9));
            assertFalse(s.partiallyMapped(f.folio(), f.headPfn(), 9), "published miss: average per-page mapcount >= 1");
            w.unmap(f, 200, 312, 2, 200, PT + 1);   // the child quits
            assertTrue(s.partiallyMapped(f.folio(), f.headPfn(), 9), "detected once one mm is left");
        }
    }

    /** Commit message example B, at order 2: three children, every process unmaps all but one page. */
    @Test
    void missesAFolioWhoseAverageIsExactlyOne() {
        try (World w = new World("memdesc8")) {
            final NoPageMapcount s = w.add(c -> new NoPageMapcount(c.heap()));
            final World.Folio f = w.folio(2);
            w.map(f, 0, 4, 1, 100, PT, true);
            for (int child = 2; child <= 4; child++) {
                w.fork(f, 0, 4, child, 100L * child, PT + child);
            }
            for (int mm = 1; mm <= 4; mm++) {
                final long vma = 100L * mm;
                final long pt = mm == 1 ? PT : PT + mm;
                w.unmap(f, 1, 3, mm, vma, pt);
            }
            assertEquals(4, s.mapcount(f.folio(), f.headPfn(), 2));
            assertTrue(w.exact.partiallyMapped(f.folio(), f.headPfn(), 2));
            assertFalse(s.partiallyMapped(f.folio(), f.headPfn(), 2), "mapcount == nr_pages: average 1");
        }
    }

    /** Patch 12/20 example 2: a third mm finds no slot; after the first two leave, still "maybe shared". */
    @Test
    void aThirdMmLeavesTheFolioMaybeSharedForGood() {
        try (World w = new World("memdesc8")) {
            final NoPageMapcount s = w.add(c -> new NoPageMapcount(c.heap()));
            final World.Folio f = w.folio(4);
            w.map(f, 0, 1, 1, 100, PT, false);
            w.map(f, 1, 1, 2, 200, PT + 1, false);
            w.map(f, 2, 1, 3, 300, PT + 2, false);
            assertEquals(1, s.trackedMm(f.folio(), 0));
            assertEquals(2, s.trackedMm(f.folio(), 1));
            w.unmap(f, 0, 1, 1, 100, PT);
            w.unmap(f, 1, 1, 2, 200, PT + 1);
            assertFalse(w.exact.mappedShared(f.folio(), f.headPfn(), 4), "only mm 3 maps it");
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 4));
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 4), "a single mapping is exclusive whatever the bit says");
            w.map(f, 3, 1, 3, 300, PT + 2, false);
            assertTrue(s.mappedShared(f.folio(), f.headPfn(), 4), "published false positive: untracked mm 3");
        }
    }

    @Test
    void pmdAndPtesAverageAsFolioAveragePageMapcount() {
        try (World w = new World("memdesc8")) {
            final NoPageMapcount s = w.add(c -> new NoPageMapcount(c.heap()));
            final World.Folio f = w.folio(9);
            w.mapPmd(f, 1, 100, true);
            assertEquals(1, s.pageMapcount(f.folio(), f.headPfn(), 9, 0));
            assertFalse(s.partiallyMapped(f.folio(), f.headPfn(), 9));
            w.map(f, 0, 300, 2, 200, PT, false);
            // mapcount 301, entire 1: (300 + 256) >> 9 = 1, + 1
            assertEquals(2, s.pageMapcount(f.folio(), f.headPfn(), 9, 511), "every page reads the average");
            assertTrue(s.mappedShared(f.folio(), f.headPfn(), 9));
            w.unmapPmd(f, 1, 100);
            assertTrue(s.partiallyMapped(f.folio(), f.headPfn(), 9), "300 < 512 mappings, no PMD");
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 9));
            assertEquals(1, s.pageMapcount(f.folio(), f.headPfn(), 9, 400), "at least 1 while mapped");
        }
    }

    /** One bit-spinlock atomic per batched call, on one memdesc line, nothing in the memmap. */
    @Test
    void aBatchTouchesOnlyTheFolioLine() {
        final CountingAccess counting = new CountingAccess();
        try (World w = new World("memdesc8", counting)) {
            final NoPageMapcount s = w.add(c -> new NoPageMapcount(c.heap()));
            final World.Folio f = w.folio(9);
            counting.beginOp();
            s.addPtes(f.folio(), f.headPfn(), 9, 0, 512, 1, 100, PT, true);
            counting.endOp();
            assertEquals(0, counting.lastOpLines(Region.MEMMAP));
            assertEquals(1, counting.lastOpLines(Region.MEMDESC));
        }
    }
}

package dev.memu.mm.mapcount;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mapped-pages against the April 2026 RFC ("mm/rmap: support arbitrary folio mappings", 13/13). */
class MappedPagesMapcountTest {

    private static final long PT = 7000;

    /** The patch's example: 2 PMDs and one PTE give mapcount 3 and 1025 total mapped pages. */
    @Test
    void twoPmdsAndOnePteAsInThePatch() {
        try (World w = new World("memdesc8")) {
            final MappedPagesMapcount s = w.add(c -> new MappedPagesMapcount(c.heap()));
            final World.Folio f = w.folio(9);
            w.mapPmd(f, 1, 100, false);
            w.mapPmd(f, 1, 101, false);
            w.map(f, 7, 1, 1, 102, PT, false);
            assertEquals(3, s.mapcount(f.folio(), f.headPfn(), 9));
            assertEquals(1025, s.totalMappedPages(f.folio(), f.headPfn(), 9));
            assertEquals(2, s.pageMapcount(f.folio(), f.headPfn(), 9, 0), "(1025 + 256) >> 9");
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 9), "one mm");
            assertFalse(s.partiallyMapped(f.folio(), f.headPfn(), 9));
            w.unmapPmd(f, 1, 100);
            w.unmapPmd(f, 1, 101);
            assertTrue(s.partiallyMapped(f.folio(), f.headPfn(), 9), "1 page of 512 mapped");
            assertEquals(1, s.pageMapcount(f.folio(), f.headPfn(), 9, 3), "at least 1 while mapped");
            w.unmap(f, 7, 1, 1, 102, PT);
            assertEquals(0, s.pageMapcount(f.folio(), f.headPfn(), 9, 3));
            w.free(f);
        }
    }

    @Test
    void pmdSplitKeepsTheTotalAndDetectsPartialUnmapByOneMm() {
        try (World w = new World("memdesc16")) {
            final MappedPagesMapcount s = w.add(c -> new MappedPagesMapcount(c.heap()));
            final World.Folio f = w.folio(9);
            w.mapPmd(f, 1, 100, true);
            w.splitPmd(f, 1, 100, PT, true);
            assertEquals(512, s.mapcount(f.folio(), f.headPfn(), 9));
            assertEquals(512, s.totalMappedPages(f.folio(), f.headPfn(), 9));
            w.unmap(f, 0, 10, 1, 100, PT);
            assertTrue(s.partiallyMapped(f.folio(), f.headPfn(), 9));
            w.fork(f, 10, 502, 2, 200, PT + 1);
            w.unmap(f, 10, 100, 2, 200, PT + 1);
            assertTrue(w.exact.partiallyMapped(f.folio(), f.headPfn(), 9));
            assertFalse(s.partiallyMapped(f.folio(), f.headPfn(), 9), "904 mapped pages >= 512: missed, as with no-page-mapcount");
            assertTrue(s.mappedShared(f.folio(), f.headPfn(), 9));
        }
    }
}

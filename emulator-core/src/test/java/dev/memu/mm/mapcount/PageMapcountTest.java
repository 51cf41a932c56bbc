package dev.memu.mm.mapcount;

import dev.memu.access.CountingAccess;
import dev.memu.access.Region;
import dev.memu.layout.Layouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** page-mapcount against mm/rmap.c and include/linux/mm.h of Linux 6.12 (CONFIG_PAGE_MAPCOUNT). */
class PageMapcountTest {

    private static final int MM1 = 1;
    private static final int MM2 = 2;
    private static final long VMA1 = 100;
    private static final long VMA2 = 200;
    private static final long PT1 = 7000;
    private static final long PT2 = 8000;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"linux64", "memdesc32"})
    void forkSharesEveryPageAndClearsAnonExclusive(final String layout) {
        try (World w = new World(layout)) {
            final PageMapcount s = w.add(c -> new PageMapcount(c.memmap(), c.heap()));
            final World.Folio f = w.folio(4);
            w.map(f, 0, 16, MM1, VMA1, PT1, true);
            assertEquals(16, s.mapcount(f.folio(), f.headPfn(), 4), "_large_mapcount counts every PTE");
            assertEquals(16, s.ptePagesMapped(f.folio()));
            for (int p = 0; p < 16; p++) {
                assertEquals(1, s.pageMapcount(f.folio(), f.headPfn(), 4, p));
                assertTrue(s.pageAnonExclusive(f.headPfn(), 4, p), "RMAP_EXCLUSIVE marks every PTE-mapped page");
            }
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 4));
            assertFalse(s.partiallyMapped(f.folio(), f.headPfn(), 4));

            w.fork(f, 0, 16, MM2, VMA2, PT2);
            assertEquals(32, s.mapcount(f.folio(), f.headPfn(), 4));
            assertEquals(16, s.ptePagesMapped(f.folio()), "_nr_pages_mapped counts pages, not mappings");
            for (int p = 0; p < 16; p++) {
                assertEquals(2, s.pageMapcount(f.folio(), f.headPfn(), 4, p));
                assertFalse(s.pageAnonExclusive(f.headPfn(), 4, p), "fork clears PageAnonExclusive");
            }
            assertTrue(s.mappedShared(f.folio(), f.headPfn(), 4), "mapcount > nr_pages: some page is mapped twice");

            w.unmap(f, 0, 16, MM2, VMA2, PT2);    // the child exits
            assertEquals(16, s.mapcount(f.folio(), f.headPfn(), 4));
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 4));
            w.unmap(f, 0, 16, MM1, VMA1, PT1);
            assertFalse(s.mapped(f.folio(), f.headPfn(), 4));
            w.free(f);
        }
    }

    /**
     * After fork, parent and child each unmap a different half: every page is mapped once, by two
     * mms. folio_likely_mapped_shared (6.10-6.14) sees mapcount == nr_pages, no PMD, and guesses
     * from page 0, which only the child maps once: "exclusive". That is the published behaviour
     * (the function's kerneldoc: a partially mapped folio can wrongly read "mapped exclusively").
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"linux64", "memdesc32"})
    void likelyMappedSharedMissesTwoMmsThatEachMapHalf(final String layout) {
        try (World w = new World(layout)) {
            final PageMapcount s = w.add(c -> new PageMapcount(c.memmap(), c.heap()));
            final World.Folio f = w.folio(4);
            w.map(f, 0, 16, MM1, VMA1, PT1, true);
            w.fork(f, 0, 16, MM2, VMA2, PT2);
            w.unmap(f, 0, 8, MM1, VMA1, PT1);
            w.unmap(f, 8, 8, MM2, VMA2, PT2);
            assertTrue(w.exact.mappedShared(f.folio(), f.headPfn(), 4), "two mms map it");
            assertEquals(16, s.mapcount(f.folio(), f.headPfn(), 4));
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 4), "published false negative: the first-page guess");
            assertFalse(s.partiallyMapped(f.folio(), f.headPfn(), 4), "every page is still mapped once");
            w.unmap(f, 8, 8, MM1, VMA1, PT1);
            assertTrue(s.partiallyMapped(f.folio(), f.headPfn(), 4), "pages 8..15 now unmapped: exact");
            assertEquals(8, s.ptePagesMapped(f.folio()));
        }
    }

    /**
     * The child unmaps only page 0 after fork: 6.9 looks at page 0 alone (mapped once: "exclusive",
     * wrong); 6.10-6.14 first sees 31 mappings of 16 pages ("shared", right).
     */
    @Test
    void theSixNineGuessLooksOnlyAtTheFirstPage() {
        assertFalse(sharedAfterChildUnmapsPageZero(PageMapcount.SharedHeuristic.V6_9_FIRST_PAGE), "6.9: page 0 is mapped once");
        assertTrue(sharedAfterChildUnmapsPageZero(PageMapcount.SharedHeuristic.V6_10_TO_6_14), "6.10+: mapcount 31 > 16 pages");
    }

    /** One page-mapcount per memmap: the per-page _mapcount words are the memmap's, not the scheme's. */
    private static boolean sharedAfterChildUnmapsPageZero(final PageMapcount.SharedHeuristic heuristic) {
        try (World w = new World("linux64")) {
            final PageMapcount s = w.add(c -> new PageMapcount(c.memmap(), c.heap(), heuristic));
            final World.Folio f = w.folio(4);
            w.map(f, 0, 16, MM1, VMA1, PT1, true);
            w.fork(f, 0, 16, MM2, VMA2, PT2);
            assertTrue(s.mappedShared(f.folio(), f.headPfn(), 4), heuristic + " right after fork");
            w.unmap(f, 0, 1, MM2, VMA2, PT2);
            assertTrue(w.exact.mappedShared(f.folio(), f.headPfn(), 4));
            return s.mappedShared(f.folio(), f.headPfn(), 4);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"linux64", "memdesc32"})
    void pmdMapThenSplitIntoPtes(final String layout) {
        try (World w = new World(layout)) {
            final PageMapcount s = w.add(c -> new PageMapcount(c.memmap(), c.heap()));
            final World.Folio f = w.folio(9);
            w.mapPmd(f, MM1, VMA1, true);
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 9));
            assertEquals(1, s.pageMapcount(f.folio(), f.headPfn(), 9, 300), "page_mapcount adds the entire mapcount");
            assertTrue(s.pageAnonExclusive(f.headPfn(), 9, 0), "a PMD mapping marks the head page");
            assertFalse(s.pageAnonExclusive(f.headPfn(), 9, 1));
            assertFalse(s.partiallyMapped(f.folio(), f.headPfn(), 9));

            w.splitPmd(f, MM1, VMA1, PT1, true);
            assertEquals(512, s.mapcount(f.folio(), f.headPfn(), 9), "one mapping per PTE after the split");
            assertEquals(512, s.ptePagesMapped(f.folio()), "ENTIRELY_MAPPED is gone");
            assertEquals(1, s.pageMapcount(f.folio(), f.headPfn(), 9, 300));
            assertFalse(s.partiallyMapped(f.folio(), f.headPfn(), 9));

            w.unmap(f, 256, 256, MM1, VMA1, PT1);
            assertTrue(s.partiallyMapped(f.folio(), f.headPfn(), 9));
            assertEquals(256, s.mapcount(f.folio(), f.headPfn(), 9));
            assertEquals(0, s.pageMapcount(f.folio(), f.headPfn(), 9, 300));
        }
    }

    @Test
    void partialMappingWhilePmdMappedIsNotPartial() {
        try (World w = new World("linux64")) {
            final PageMapcount s = w.add(c -> new PageMapcount(c.memmap(), c.heap()));
            final World.Folio f = w.folio(9);
            w.mapPmd(f, MM1, VMA1, true);
            w.map(f, 0, 4, MM2, VMA2, PT2, false);
            assertFalse(s.partiallyMapped(f.folio(), f.headPfn(), 9), "the PMD maps every page");
            assertTrue(s.mappedShared(f.folio(), f.headPfn(), 9), "PMD-mapped besides other mappings");
            assertEquals(2, s.pageMapcount(f.folio(), f.headPfn(), 9, 2));
            w.unmapPmd(f, MM1, VMA1);
            assertTrue(s.partiallyMapped(f.folio(), f.headPfn(), 9));
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 9), "one mm left");
        }
    }

    @Test
    void smallFolioUsesOnlyThePageMapcount() {
        try (World w = new World("memdesc32")) {
            final PageMapcount s = w.add(c -> new PageMapcount(c.memmap(), c.heap()));
            final World.Folio f = w.folio(0);
            w.map(f, 0, 1, MM1, VMA1, PT1, true);
            assertEquals(0, w.memmap.pageMapcount(f.headPfn()), "raw _mapcount = mappings - 1");
            w.fork(f, 0, 1, MM2, VMA2, PT2);
            assertEquals(2, s.mapcount(f.folio(), f.headPfn(), 0));
            assertTrue(s.mappedShared(f.folio(), f.headPfn(), 0));
            assertFalse(s.partiallyMapped(f.folio(), f.headPfn(), 0));
        }
    }

    @Test
    void layoutsWithoutPerPageRoomAreRefused() {
        assertTrue(Layouts.byName("linux64").hasPageMapcount());
        assertTrue(Layouts.byName("memdesc32").hasPageMapcount());
        for (final String name : new String[] {"memdesc16", "memdesc8", "peralloc16-radix"}) {
            assertFalse(MapcountSchemes.supports("page-mapcount", Layouts.byName(name)), name);
            assertTrue(MapcountSchemes.supports("no-page-mapcount", Layouts.byName(name)), name);
        }
        try (World w = new World("memdesc8")) {
            assertThrows(IllegalArgumentException.class, () -> new PageMapcount(w.memmap, w.heap));
            assertThrows(UnsupportedOperationException.class, () -> w.memmap.pageMapcount(0));
        }
    }

    @Test
    void freeingAMappedFolioIsCaught() {
        try (World w = new World("linux64")) {
            final PageMapcount s = w.add(c -> new PageMapcount(c.memmap(), c.heap()));
            final World.Folio f = w.folio(2);
            w.map(f, 1, 1, MM1, VMA1, PT1, true);
            assertThrows(IllegalStateException.class, () -> s.folioFreed(f.folio(), f.headPfn(), 2));
            assertThrows(IllegalArgumentException.class, () -> s.addPtes(f.folio(), f.headPfn(), 2, 3, 2, MM1, VMA1, PT1, true),
                    "pages past the folio");
        }
    }

    /** A batch of 16 PTEs touches 16 struct pages (16 lines on linux64, 8 on memdesc32) and the folio's line. */
    @Test
    void perPageCountsCostOneLinePerPageOnLinux64() {
        final CountingAccess counting = new CountingAccess();
        for (final String layout : new String[] {"linux64", "memdesc32"}) {
            try (World w = new World(layout, counting)) {
                final PageMapcount s = w.add(c -> new PageMapcount(c.memmap(), c.heap()));
                final World.Folio f = w.folio(4);
                counting.beginOp();
                s.addPtes(f.folio(), f.headPfn(), 4, 0, 16, MM1, VMA1, PT1, false);
                counting.endOp();
                assertEquals(layout.equals("linux64") ? 16 : 8, counting.lastOpLines(Region.MEMMAP), layout);
                assertEquals(1, counting.lastOpLines(Region.MEMDESC), layout);
            }
        }
    }
}

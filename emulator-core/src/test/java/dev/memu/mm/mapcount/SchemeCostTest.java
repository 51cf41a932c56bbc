package dev.memu.mm.mapcount;

import dev.memu.access.CountingAccess;
import dev.memu.access.Region;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Where each scheme's state lives shows in the counting access layer: the folio-level schemes
 * touch one line of the folio memdesc per batched event and nothing in the memmap, whatever the
 * batch size; page-mapcount touches every mapped page's struct page (the "512 cachelines" of a
 * 2 MB folio, Wilcox 2022).
 */
class SchemeCostTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"no-page-mapcount", "vma-pt-tuples", "troll", "mapped-pages"})
    void folioLevelSchemesTouchOneDescriptorLinePerEvent(final String name) {
        final CountingAccess counting = new CountingAccess();
        try (World w = new World("memdesc16", counting)) {
            final MapcountScheme s = w.add(c -> MapcountSchemes.create(name, c));
            final World.Folio f = w.folio(9);
            counting.beginOp();
            s.addPtes(f.folio(), f.headPfn(), 9, 0, 512, 1, 100, 7000, true);
            counting.endOp();
            assertEquals(0, counting.lastOpLines(Region.MEMMAP), name);
            assertEquals(1, counting.lastOpLines(Region.MEMDESC), name);
            counting.beginOp();
            s.mapcount(f.folio(), f.headPfn(), 9);
            s.mappedShared(f.folio(), f.headPfn(), 9);
            s.partiallyMapped(f.folio(), f.headPfn(), 9);
            counting.endOp();
            assertEquals(1, counting.lastOpLines(Region.MEMDESC), name + " queries");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"linux64", "memdesc32"})
    void pageMapcountTouchesEveryPageOfTheBatch(final String layout) {
        final CountingAccess counting = new CountingAccess();
        try (World w = new World(layout, counting)) {
            final MapcountScheme s = w.add(c -> MapcountSchemes.create("page-mapcount", c));
            final World.Folio f = w.folio(9);
            counting.beginOp();
            s.addPtes(f.folio(), f.headPfn(), 9, 0, 512, 1, 100, 7000, true);
            counting.endOp();
            final int entriesPerLine = layout.equals("linux64") ? 1 : 2;
            assertEquals(512 / entriesPerLine, counting.lastOpLines(Region.MEMMAP));
            assertEquals(1, counting.lastOpLines(Region.MEMDESC));
            counting.beginOp();
            s.mappedShared(f.folio(), f.headPfn(), 9);     // reads the first page's _mapcount at worst
            counting.endOp();
            assertEquals(1, counting.lastOpLines(Region.MEMDESC));
        }
    }
}

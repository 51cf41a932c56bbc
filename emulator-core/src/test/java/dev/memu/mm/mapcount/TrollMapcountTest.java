package dev.memu.mm.mapcount;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** troll against Wilcox's "Zero, One, Two, Many" (linux-mm, 2022, msg282633). */
class TrollMapcountTest {

    private static final long PT = 7000;

    @Test
    void countsVmasNotPtes() {
        try (World w = new World("memdesc8")) {
            final TrollMapcount s = w.add(c -> new TrollMapcount(c.heap(), c.probe(), c.walker()));
            final World.Folio f = w.folio(4);
            w.map(f, 0, 4, 1, 100, PT, true);
            w.map(f, 4, 12, 1, 100, PT, true);
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 4), "one VMA, 16 PTEs: One");
            w.map(f, 0, 16, 1, 101, PT + 1, false);   // a second VMA of the same mm
            assertEquals(2, s.mapcount(f.folio(), f.headPfn(), 4));
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 4), "Two, but both in mm 1");
            w.unmap(f, 0, 16, 1, 101, PT + 1);
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 4), "Two decrements to One");
        }
    }

    @Test
    void manyDoesNotDecrementUntilAWalkRecoversTheCount() {
        try (World w = new World("memdesc8")) {
            final TrollMapcount s = w.add(c -> new TrollMapcount(c.heap(), c.probe(), c.walker()));
            final World.Folio f = w.folio(4);
            w.map(f, 0, 16, 1, 100, PT, true);
            w.fork(f, 0, 16, 2, 200, PT + 1);
            w.walks = 0;
            assertTrue(s.mappedShared(f.folio(), f.headPfn(), 4), "Two of different mms");
            w.fork(f, 0, 16, 3, 300, PT + 2);
            w.unmap(f, 0, 16, 3, 300, PT + 2);
            w.unmap(f, 0, 16, 2, 200, PT + 1);
            assertEquals(0, w.walks, "no walk while counting");
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 4), "Many walks the rmap: one VMA left");
            assertEquals(1, w.walks);
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 4));
            assertEquals(1, w.walks, "the walk set the state back to One");
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 4));
            w.unmap(f, 0, 16, 1, 100, PT);
            assertFalse(s.mapped(f.folio(), f.headPfn(), 4), "and One decrements to Zero");
            w.free(f);
        }
    }

    @Test
    void manyAnswersSharedFromTheWalk() {
        try (World w = new World("memdesc8")) {
            final TrollMapcount s = w.add(c -> new TrollMapcount(c.heap(), c.probe(), c.walker()));
            final World.Folio f = w.folio(2);
            for (int vma = 0; vma < 4; vma++) {
                w.map(f, 0, 4, 1, 100 + vma, PT + vma, false);
            }
            w.walks = 0;
            assertFalse(s.mappedShared(f.folio(), f.headPfn(), 2), "four VMAs of one mm: the walk says exclusive");
            assertEquals(4, s.mapcount(f.folio(), f.headPfn(), 2));
            assertEquals(2, w.walks, "Many stays Many: every question walks");
        }
    }

    @Test
    void pmdAndItsSplitStayOneVma() {
        try (World w = new World("memdesc8")) {
            final TrollMapcount s = w.add(c -> new TrollMapcount(c.heap(), c.probe(), c.walker()));
            final World.Folio f = w.folio(9);
            w.mapPmd(f, 1, 100, true);
            w.splitPmd(f, 1, 100, PT, true);
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 9));
            w.unmap(f, 0, 100, 1, 100, PT);
            assertTrue(s.partiallyMapped(f.folio(), f.headPfn(), 9));
            assertEquals(1, s.mapcount(f.folio(), f.headPfn(), 9));
        }
    }
}

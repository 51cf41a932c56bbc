package dev.memu.mm.mapcount;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccuracyTest {

    @Test
    void yesNoTallyCountsEachKindOfWrongAnswer() {
        final QueryTally t = new QueryTally("exclusive");
        t.answer(true, true);
        t.answer(false, false);
        t.answer(true, false);
        t.answer(true, false);
        t.answer(false, true);
        assertEquals(5, t.queries());
        assertEquals(2, t.falsePositives());
        assertEquals(1, t.falseNegatives());
        assertEquals(3, t.wrong());
        assertEquals(0.6, t.wrongRate(), 1e-12);
    }

    @Test
    void countTallySeparatesWrongValuesFromWrongMappedness() {
        final QueryTally t = new QueryTally("mapcount");
        t.answer(2L, 2L);
        t.answer(1L, 16L);     // tuples vs PTEs: wrong value, right about "mapped"
        t.answer(3L, 0L);      // false positive
        t.answer(0L, 5L);      // false negative
        assertEquals(4, t.queries());
        assertEquals(3, t.wrongValues());
        assertEquals(1, t.falsePositives());
        assertEquals(1, t.falseNegatives());
        assertEquals(15 + 3 + 5, t.absoluteError());
        final QueryTally sum = new QueryTally("mapcount");
        sum.add(t);
        sum.add(t);
        assertEquals(8, sum.queries());
        assertEquals(46, sum.absoluteError());
        assertEquals(0, new QueryTally("none").wrongRate());
    }

    /** The scorer returns the scheme's answer and scores it against any reference scheme. */
    @Test
    void scorerComparesASchemeWithTheReference() {
        try (World w = new World("memdesc8")) {
            final NoPageMapcount npm = w.add(c -> new NoPageMapcount(c.heap()));
            final ScoredScheme scored = new ScoredScheme(npm, w.exact);
            final ScoredScheme self = new ScoredScheme(w.exact, w.exact);
            final World.Folio f = w.folio(9);
            w.map(f, 0, 512, 1, 100, 7000, true);
            w.fork(f, 0, 512, 2, 200, 7001);
            w.unmap(f, 0, 256, 1, 100, 7000);
            w.unmap(f, 0, 200, 2, 200, 7001);
            assertFalse(scored.partiallyMapped(f.folio(), f.headPfn(), 9), "the scheme's answer is returned");
            assertFalse(scored.exclusive(f.folio(), f.headPfn(), 9));
            assertEquals(568, scored.mapcount(f.folio(), f.headPfn(), 9));
            assertTrue(scored.mapped(f.folio(), f.headPfn(), 9));
            self.scoreAll(f.folio(), f.headPfn(), 9);

            final Accuracy a = scored.accuracy();
            assertEquals(1, a.partiallyMapped().falseNegatives(), "the published miss, scored");
            assertEquals(0, a.exclusive().wrong());
            assertEquals(0, a.mapcount().wrongValues());
            assertEquals(1, a.wrong());
            assertEquals(0, self.accuracy().wrong(), "the reference is never wrong against itself");
            assertEquals(4, self.accuracy().tallies().stream().mapToLong(QueryTally::queries).sum());
        }
    }
}

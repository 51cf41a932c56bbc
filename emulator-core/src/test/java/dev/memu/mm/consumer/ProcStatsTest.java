package dev.memu.mm.consumer;

import dev.memu.mm.mapcount.MapcountScheme;
import dev.memu.mm.mapcount.NoPageMapcount;
import dev.memu.mm.mapcount.PageMapcount;
import dev.memu.mm.mapcount.TestWorlds;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** AnonPages, Pss and Uss per configuration, on a folio forked and then half unmapped by the child. */
class ProcStatsTest {

    @Test
    void precisePerPageFiguresAgainstFolioWideOnes() {
        TestWorlds.forkedHalfUnmapped((world, exact, folio, headPfn) -> {
            final MapcountScheme pm = world.stream().filter(s -> s instanceof PageMapcount).findFirst().orElseThrow();
            final MapcountScheme npm = world.stream().filter(s -> s instanceof NoPageMapcount).findFirst().orElseThrow();
            final int order = 4;
            // parent maps pages 0..15, child kept pages 8..15
            assertEquals(16, ProcStats.anonPages(exact, folio, headPfn, order));
            assertEquals(16, ProcStats.anonPages(pm, folio, headPfn, order));
            assertEquals(16, ProcStats.anonPages(npm, folio, headPfn, order), "whole folio once mapped");

            final long one = 1L << ProcStats.PSS_SHIFT;
            // The parent's Pss: pages 0..7 private (mapcount 1), 8..15 shared by two.
            final long exactPss = 8 * one + 8 * (one / 2);
            assertEquals(exactPss, ProcStats.pss(exact, folio, headPfn, order, 0, 16));
            assertEquals(exactPss, ProcStats.pss(pm, folio, headPfn, order, 0, 16));
            // average: 24 mappings over 16 pages rounds to 2: every page counts half
            assertEquals(16 * (one / 2), ProcStats.pss(npm, folio, headPfn, order, 0, 16));

            assertEquals(8, ProcStats.uss(exact, folio, headPfn, order, 0, 16));
            assertEquals(8, ProcStats.uss(pm, folio, headPfn, order, 0, 16));
            assertEquals(0, ProcStats.uss(npm, folio, headPfn, order, 0, 16), "maybe mapped shared: nothing private");

            final ProcStats.Tally uss = new ProcStats.Tally("Uss");
            uss.add(ProcStats.uss(npm, folio, headPfn, order, 0, 16), 8);
            uss.add(ProcStats.uss(npm, folio, headPfn, order, 8, 8), 0);
            assertEquals(0, uss.scheme());
            assertEquals(8, uss.exact());
            assertEquals(8, uss.absoluteError());
            assertEquals(-1.0, uss.relativeError(), 1e-12);
        });
    }
}

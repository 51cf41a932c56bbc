package dev.memu.mm.run;

import dev.memu.mm.mapcount.MapcountSchemes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RmapRunTest {

    private static RmapSpec spec(final String workload, final String layout, final long seed) {
        return new RmapSpec(MapcountSchemes.NAMES, workload, 3, new int[] {0, 4, 9}, 64L << 20, 400, seed, layout,
                "buddy", true, 2);
    }

    private static SchemeResult of(final RmapResult r, final String name) {
        return r.results().stream().filter(s -> s.scheme().equals(name)).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fork-cow", "partial-unmap", "madvise", "mixed"})
    void exactIsNeverWrongAndNothingLeaks(final String workload) {
        final RmapResult r = RmapRun.run(spec(workload, "linux64", 7));
        assertTrue(r.leakFree(), r.verify());
        assertEquals(MapcountSchemes.NAMES.size(), r.results().size());
        final SchemeResult exact = of(r, "exact");
        for (final var e : exact.accuracy().entrySet()) {
            assertTrue(e.getValue().queries() > 0, e.getKey() + " was asked");
            assertEquals(0, e.getValue().wrong(), "exact wrong on " + e.getKey());
        }
        assertTrue(exact.consumers().stream().allMatch(c -> c.wrong() == 0), "exact's decisions are the reference");
        assertTrue(exact.stats().stream().allMatch(st -> st.absoluteError() == 0), "and so are its /proc figures");
        assertTrue(exact.consumers().stream().anyMatch(c -> c.consumer().equals("compaction") && c.decisions() > 0));
        final SchemeResult pm = of(r, "page-mapcount");
        assertEquals(0, pm.accuracy().get("mapcount").wrong(), "page-mapcount's folio_mapcount is precise");
        assertEquals(0, pm.accuracy().get("pageMapcount").wrong(), "and its page_mapcount");
        assertTrue(pm.linesPerOp().get("map") > 0, "page-mapcount touches lines on map");
        assertTrue(r.opCounts().get("fork") >= 2);
    }

    @Test
    void forkCowCopiesOnWriteAndPerPageCountsCostMoreLines() {
        final RmapResult r = RmapRun.run(spec("fork-cow", "linux64", 3));
        assertTrue(r.opCounts().getOrDefault("cow", 0L) > 0);
        assertTrue(r.events().get("cowCopies") > 0);
        assertTrue(r.events().get("pmdSplits") > 0, "COW on a shared PMD splits it first");
        assertTrue(of(r, "page-mapcount").linesPerOp().get("fork") > 4 * of(r, "no-page-mapcount").linesPerOp().get("fork"),
                "per-page mapcounts cost a memmap line per 16 pages on fork; a folio-level count does not");
        assertEquals(0, of(r, "page-mapcount").errors());
    }

    @Test
    void aLayoutWithoutPerPageRoomReportsPageMapcountUnsupported() {
        final RmapResult r = RmapRun.run(new RmapSpec(List.of("page-mapcount", "exact"), "madvise", 2,
                new int[] {0, 4}, 32L << 20, 100, 1, "memdesc8", "buddy", true, 1));
        assertFalse(of(r, "page-mapcount").supported());
        assertTrue(of(r, "exact").supported());
        assertTrue(r.leakFree());
    }

    @Test
    void badSpecsNameTheirInput() {
        final var e = assertThrows(IllegalArgumentException.class, () -> new RmapSpec(List.of("nope"), "fork-cow", 1,
                new int[] {0}, 64L << 20, 1, 1, "memdesc8", "buddy", true, 1));
        assertTrue(e.getMessage().contains("nope"));
        assertThrows(IllegalArgumentException.class, () -> new RmapSpec(List.of("exact"), "fork-cow", 64,
                new int[] {0}, 64L << 20, 1, 1, "memdesc8", "buddy", true, 1));
        assertThrows(IllegalArgumentException.class, () -> new RmapSpec(List.of("exact"), "spin", 1,
                new int[] {0}, 64L << 20, 1, 1, "memdesc8", "buddy", true, 1));
    }
}

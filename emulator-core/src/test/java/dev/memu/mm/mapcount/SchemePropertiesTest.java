package dev.memu.mm.mapcount;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random map / fork / unmap / PMD / split sequences over folios of orders 0, 2, 4 and 9, four mms
 * with two VMAs each (one whose page tables cover 8 pages, so folios cross tables), every scheme
 * following the same events: after each event every scheme must agree with its own published
 * definition, checked against the model's entries. {@code -Dmemu.mapcount.seeds=N} runs more seeds
 * (default 6).
 */
class SchemePropertiesTest {

    static LongStream seeds() {
        return LongStream.range(1, 1 + Long.getLong("memu.mapcount.seeds", 6));
    }

    private static final int[] ORDERS = {0, 2, 4, 9};
    private static final int STEPS = 300;

    private static long vma(final int mm, final int v) {
        return mm * 10L + v;
    }

    /** VMA v=1 has page tables of 8 pages (folios cross them); v=0 one table per folio. */
    private static long pt(final long vma, final int page) {
        return vma % 10 == 1 ? vma * 1000 + (page >> 3) : vma * 1000;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everySchemeKeepsItsDefinition(final long seed) {
        final Random rnd = new Random(seed);
        try (World w = new World("linux64")) {
            final PageMapcount pm = w.add(c -> new PageMapcount(c.memmap(), c.heap()));
            final NoPageMapcount npm = w.add(c -> new NoPageMapcount(c.heap()));
            final MappedPagesMapcount mp = w.add(c -> new MappedPagesMapcount(c.heap()));
            final VmaPtTuplesMapcount vpt = w.add(c -> new VmaPtTuplesMapcount(c.heap(), c.probe(), c.walker()));
            final TrollMapcount troll = w.add(c -> new TrollMapcount(c.heap(), c.probe(), c.walker()));
            final List<World.Folio> folios = new ArrayList<>();
            for (final int order : ORDERS) {
                folios.add(w.folio(order));
                folios.add(w.folio(order));
            }
            for (int step = 0; step < STEPS; step++) {
                final World.Folio f = folios.get(rnd.nextInt(folios.size()));
                final int mm = 1 + rnd.nextInt(4);
                final long vma = vma(mm, f.order() == 9 && rnd.nextBoolean() ? 0 : rnd.nextInt(2));
                final int op = rnd.nextInt(100);
                if (op < 45) {
                    mapRange(w, rnd, f, mm, vma);
                } else if (op < 85) {
                    unmapRange(w, rnd, f, mm, vma);
                } else if (f.order() == 9 && vma % 10 == 0) {
                    if (!w.hasPmd(f, vma) && !w.hasPtes(f, vma) && op < 92) {
                        w.mapPmd(f, mm, vma, w.mms(f) == 0);
                    } else if (w.hasPmd(f, vma)) {
                        if (op < 95) {
                            w.unmapPmd(f, mm, vma);
                        } else {
                            w.splitPmd(f, mm, vma, pt(vma, 0), w.mms(f) == 1);
                        }
                    }
                }
                check(w, f, pm, npm, mp, vpt, troll);
            }
            for (final World.Folio f : folios) {
                for (int mm = 1; mm <= 4; mm++) {
                    for (int v = 0; v < 2; v++) {
                        final long vma = vma(mm, v);
                        if (w.hasPmd(f, vma)) {
                            w.unmapPmd(f, mm, vma);
                        }
                        unmapRun(w, f, mm, vma, 0, f.pages());
                    }
                }
                for (final MapcountScheme s : List.of(pm, npm, mp, vpt)) {
                    assertFalse(s.mapped(f.folio(), f.headPfn(), f.order()), s.name() + " after unmapping everything");
                }
                w.free(f);
            }
        }
    }

    private static void mapRange(final World w, final Random rnd, final World.Folio f, final int mm, final long vma) {
        if (w.hasPmd(f, vma)) {
            return;
        }
        final int start = rnd.nextInt(f.pages());
        final int end = Math.min(f.pages(), start + 1 + rnd.nextInt(f.pages()));
        int p = start;
        while (p < end) {
            if (w.mapsPage(f, vma, p)) {
                p++;
                continue;
            }
            int q = p;
            while (q < end && !w.mapsPage(f, vma, q) && pt(vma, q) == pt(vma, p)) {
                q++;
            }
            boolean shared = false;
            for (int i = p; i < q && !shared; i++) {
                shared = w.exact.pageMapcount(f.folio(), f.headPfn(), f.order(), i) > 0;
            }
            if (shared) {
                w.fork(f, p, q - p, mm, vma, pt(vma, p));
            } else {
                w.map(f, p, q - p, mm, vma, pt(vma, p), true);
            }
            p = q;
        }
    }

    private static void unmapRange(final World w, final Random rnd, final World.Folio f, final int mm, final long vma) {
        final int start = rnd.nextInt(f.pages());
        unmapRun(w, f, mm, vma, start, Math.min(f.pages(), start + 1 + rnd.nextInt(f.pages())));
    }

    private static void unmapRun(final World w, final World.Folio f, final int mm, final long vma, final int start, final int end) {
        int p = start;
        while (p < end) {
            if (!w.mapsPage(f, vma, p)) {
                p++;
                continue;
            }
            final long table = w.ptOf(f, vma, p);
            int q = p;
            while (q < end && w.mapsPage(f, vma, q) && w.ptOf(f, vma, q) == table) {
                q++;
            }
            w.unmap(f, p, q - p, mm, vma, table);
            p = q;
        }
    }

    private static void check(final World w, final World.Folio f, final PageMapcount pm, final NoPageMapcount npm,
                              final MappedPagesMapcount mp, final VmaPtTuplesMapcount vpt, final TrollMapcount troll) {
        final long fo = f.folio();
        final long head = f.headPfn();
        final int order = f.order();
        final MapcountScheme exact = w.exact;
        final long mapcount = exact.mapcount(fo, head, order);
        final boolean mapped = mapcount > 0;
        final boolean shared = exact.mappedShared(fo, head, order);
        final boolean partial = exact.partiallyMapped(fo, head, order);
        final String at = "order " + order + ": ";

        // page-mapcount: exact counts, exact partial mapping, exact per-page counts.
        assertEquals(mapcount, pm.mapcount(fo, head, order), at + "page-mapcount mapcount");
        assertEquals(partial, pm.partiallyMapped(fo, head, order), at + "page-mapcount partiallyMapped");
        for (int p = 0; p < f.pages(); p += Math.max(1, f.pages() / 16)) {
            assertEquals(exact.pageMapcount(fo, head, order, p), pm.pageMapcount(fo, head, order, p), at + "page " + p);
        }
        if (mapcount <= 1) {
            assertFalse(pm.mappedShared(fo, head, order), at + "one mapping is exclusive");
        }

        // no-page-mapcount and mapped-pages: exact counts; "maybe shared" never misses a shared
        // folio; "certainly partially mapped" is never wrong when it says yes, and exact for one VMA.
        for (final MapcountScheme s : List.of(npm, mp)) {
            assertEquals(mapcount, s.mapcount(fo, head, order), at + s.name() + " mapcount");
            assertEquals(mapped, s.mapped(fo, head, order), at + s.name() + " mapped");
            if (shared) {
                assertTrue(s.mappedShared(fo, head, order), at + s.name() + ": no false negative on shared");
            }
            if (s.partiallyMapped(fo, head, order)) {
                assertTrue(partial, at + s.name() + ": certainly partially mapped");
            }
            if (w.vmas(f) <= 1) {
                assertEquals(partial, s.partiallyMapped(fo, head, order), at + s.name() + " partiallyMapped, one VMA");
            }
        }
        long pages = 0;
        for (int p = 0; p < f.pages(); p++) {
            pages += exact.pageMapcount(fo, head, order, p);
        }
        assertEquals(pages, mp.totalMappedPages(fo, head, order), at + "mapped-pages total");

        // vma-pt-tuples: the number of (vma, page table) tuples.
        assertEquals(w.tuples(f), vpt.mapcount(fo, head, order), at + "tuples");
        assertEquals(mapped, vpt.mapped(fo, head, order), at + "vma-pt-tuples mapped");

        // troll: VMAs (exact after a walk), shared exact from its mm ids or the walk; mapped may
        // only err towards "mapped" (Many never counts down).
        if (mapped) {
            assertTrue(troll.mapped(fo, head, order), at + "troll mapped");
        }
        assertEquals(shared, troll.mappedShared(fo, head, order), at + "troll shared");
        assertEquals(w.vmas(f), troll.mapcount(fo, head, order), at + "troll VMAs");
    }
}

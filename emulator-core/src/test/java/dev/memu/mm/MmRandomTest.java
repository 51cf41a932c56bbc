package dev.memu.mm;

import dev.memu.memdesc.FolioDesc;
import dev.memu.memdesc.Memdescs;
import dev.memu.util.SplitMix64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random op sequences (fixed seeds) against two plain reference models: which page each (mm,
 * address) maps ({@code mapped}: (mm, va) -> pfn, updated by what each op may change) and what a
 * user reads there ({@code data}). After every few ops the page tables are scanned in full and
 * compared: the tables equal the model, the rmap walk of every folio finds exactly the entries
 * that map it, references and page-table pages add up; at the end everything is returned.
 *
 * <p>{@code -Dmemu.mm.randomOps=N} runs longer sequences (default 1000 ops per case).
 */
class MmRandomTest {

    private static final long K4 = 4096;
    private static final long M2 = 2L << 20;
    private static final long WINDOW = 128L << 20;          // addresses of every mapping lie below this
    private static final int OPS = Integer.getInteger("memu.mm.randomOps", 1000);

    private MmRig r;
    private SplitMix64 rnd;
    private final List<Mm> mms = new ArrayList<>();
    private final Map<Mm, Map<Long, Long>> mapped = new IdentityHashMap<>();
    private final Map<Mm, Map<Long, Long>> anonData = new IdentityHashMap<>();
    private final Map<Long, Long> fileData = new HashMap<>();
    private final List<MappedFile> files = new ArrayList<>();

    @ParameterizedTest
    @CsvSource({
        "memdesc8, buddy, true, '0,4,9', 1",
        "linux64, potad, false, '0,2,4,9', 2",
        "peralloc16-radix, buddy+pcp, true, '0,3,9', 3",
        "memdesc16, potad+pcp, true, '0', 4",
    })
    void randomOpsAgreeWithTheModels(final String layout, final String allocator, final boolean batched,
                                     final String orders, final long seed) {
        final int[] o = java.util.Arrays.stream(orders.split(",")).mapToInt(Integer::parseInt).toArray();
        try (MmRig rig = new MmRig(256L << 20, layout, allocator, MmConfig.defaults().withOrders(o)
                .withBatchedRmap(batched))) {
            r = rig;
            rnd = new SplitMix64(seed);
            files.add(r.mm.newFile(600, 4));
            files.add(r.mm.newFile(2048, 9));
            newMm();
            for (int op = 0; op < OPS; op++) {
                step();
                if (op % 20 == 19) {
                    check();
                }
            }
            check();
            final MmCounters c = r.mm.counters();
            assertTrue(c.forks > 0 && c.exits > 0 && c.cowCopies > 0 && c.cowReuses > 0 && c.munmaps > 0
                    && c.dontneeds > 0, "the sequence exercised fork, exit, COW, munmap and MADV_DONTNEED");
            r.assertAllReturned();
        }
    }

    private void newMm() {
        final Mm m = r.mm.newMm();
        mms.add(m);
        mapped.put(m, new HashMap<>());
        anonData.put(m, new HashMap<>());
    }

    private void step() {
        final Mm m = mms.get(rnd.nextInt(mms.size()));
        final int dice = rnd.nextInt(100);
        if (dice < 10 || m.vmaCount() == 0) {
            mmap(m);
            return;
        }
        final List<Vma> vmas = new ArrayList<>();
        m.vmas().forEach(vmas::add);
        final Vma vma = vmas.get(rnd.nextInt(vmas.size()));
        final long va = vma.start() + rnd.nextLong(vma.pages()) * K4;
        if (dice < 45) {
            final long value = rnd.nextLong();
            access(m, va, () -> r.mm.store(m, va, value));
            if (vma.anon()) {
                anonData.get(m).put(va, value);
            } else {
                fileData.put(fileKey(vma, va), value);
            }
        } else if (dice < 70) {
            final long[] got = new long[1];
            access(m, va, () -> got[0] = r.mm.load(m, va));
            final Long want = vma.anon() ? anonData.get(m).get(va) : fileData.get(fileKey(vma, va));
            assertEquals(want == null ? 0 : want, got[0], "load at 0x" + Long.toHexString(va) + " in " + m);
        } else if (dice < 75) {
            if (mms.size() < 4) {
                fork(m);
            }
        } else if (dice < 83) {
            final long[] range = subRange(vma);
            r.mm.munmap(m, range[0], range[1] - range[0]);
            zapped(m, range[0], range[1], true);
        } else if (dice < 93) {
            final long[] range = subRange(vma);
            if (r.mm.madviseDontneed(m, range[0], range[1] - range[0])) {
                zapped(m, range[0], range[1], false);
            }
        } else if (dice < 96) {
            r.mm.mlock(m, vma.start(), vma.end() - vma.start(), !vma.locked());
        } else if (mms.size() > 1) {
            r.mm.exit(m);
            mms.remove(m);
            mapped.remove(m);
            anonData.remove(m);
            assertEqualsScan();
        }
    }

    private static long fileKey(final Vma vma, final long va) {
        return (vma.file().id() << 32) | vma.pageIndex(va);
    }

    /**
     * A store or load that may fault: only va may change, newly mapped entries come from one
     * folio. A fault touches only its own mm's page tables, so only that mm is rescanned here;
     * the full checks rescan all.
     */
    private void access(final Mm m, final long va, final Runnable op) {
        op.run();
        final Map<Long, Long> after = scan(List.of(m)).get(m);
        final long folio = r.allocator.memmap().allocatee(after.get(va));
        final Map<Long, Long> before = mapped.get(m);
        for (final Map.Entry<Long, Long> e : before.entrySet()) {
            if (e.getKey() != va) {
                assertEquals(e.getValue(), after.get(e.getKey()), "a fault elsewhere changed 0x"
                        + Long.toHexString(e.getKey()) + " of " + m);
            }
        }
        for (final Map.Entry<Long, Long> e : after.entrySet()) {
            if (!before.containsKey(e.getKey())) {
                assertEquals(folio, r.allocator.memmap().allocatee(e.getValue()),
                        "newly mapped 0x" + Long.toHexString(e.getKey()) + " is not the faulted folio");
            }
        }
        mapped.put(m, after);
    }

    private void fork(final Mm parent) {
        final Mm child = r.mm.fork(parent);
        assertNotNull(child);
        mms.add(child);
        final Map<Long, Long> inherited = new HashMap<>();
        for (final Map.Entry<Long, Long> e : mapped.get(parent).entrySet()) {
            if (parent.find(e.getKey()).anon()) {
                inherited.put(e.getKey(), e.getValue());
            }
        }
        mapped.put(child, inherited);
        anonData.put(child, new HashMap<>(anonData.get(parent)));
        assertEqualsScan();
    }

    /** munmap / MADV_DONTNEED of [s, e): those entries go; a file PMD the range cuts goes whole. */
    private void zapped(final Mm m, final long s, final long e, final boolean unmapped) {
        final Map<Long, Long> model = mapped.get(m);
        model.keySet().removeIf(va -> va >= s && va < e);
        anonData.get(m).keySet().removeIf(va -> va >= s && va < e);
        final Map<Long, Long> after = scan(List.of(m)).get(m);
        for (final Map.Entry<Long, Long> en : model.entrySet()) {
            final Long now = after.get(en.getKey());
            if (now == null) {
                final long folio = r.allocator.memmap().allocatee(en.getValue());
                assertTrue(r.mm.descs().order(folio) == Pte.PMD_ORDER
                                && (r.mm.descs().getLong(folio, FolioDesc.MAPPING) & FolioDesc.PAGE_MAPPING_ANON) == 0,
                        "zap of [0x" + Long.toHexString(s) + ", 0x" + Long.toHexString(e) + ") lost 0x"
                                + Long.toHexString(en.getKey()));
            } else {
                assertEquals(en.getValue(), now);
            }
        }
        for (final Long va : after.keySet()) {
            assertTrue(model.containsKey(va), "zap mapped 0x" + Long.toHexString(va));
        }
        mapped.put(m, after);
        if (unmapped) {
            for (long va = s; va < e; va += K4) {
                assertEquals(null, m.find(va), "munmap left a VMA at 0x" + Long.toHexString(va));
            }
        }
    }

    private long[] subRange(final Vma vma) {
        final long pages = vma.pages();
        final long a = rnd.nextLong(pages);
        final long b = a + 1 + rnd.nextLong(Math.min(pages - a, rnd.nextBoolean() ? 8 : 600));
        return new long[] {vma.start() + a * K4, vma.start() + b * K4};
    }

    private void mmap(final Mm m) {
        long total = 0;
        for (final Vma v : m.vmas()) {
            total += v.pages();
        }
        if (total > 4096) {
            return;
        }
        final long pages = 1 + rnd.nextLong(rnd.nextBoolean() ? 40 : 1100);
        final long align = switch (rnd.nextInt(3)) {
            case 0 -> M2;
            case 1 -> 64 * K4;
            default -> K4;
        };
        final long addr = (rnd.nextLong(WINDOW - pages * K4 - M2) & -align) + align;
        if (addr + pages * K4 > WINDOW || m.intersects(addr, addr + pages * K4)) {
            return;
        }
        final int flags = Vma.VM_READ | Vma.VM_WRITE;
        if (rnd.nextInt(4) == 0) {
            final MappedFile f = files.get(rnd.nextInt(files.size()));
            if (pages > f.pages()) {
                return;
            }
            long pgoff = rnd.nextLong(f.pages() - pages + 1);
            if (rnd.nextBoolean()) {
                pgoff = Math.min(f.pages() - pages, (addr >>> 12) & 511) & -16;   // sometimes PMD-congruent
            }
            r.mm.mmapFile(m, addr, pages * K4, flags, f, pgoff);
        } else {
            r.mm.mmapAnon(m, addr, pages * K4, flags);
        }
    }

    // ---- full checks ----

    private void assertEqualsScan() {
        final Map<Mm, Map<Long, Long>> scan = scan();
        for (final Mm m : mms) {
            assertEquals(mapped.get(m), scan.get(m), "page tables of " + m);
        }
    }

    private int tablesSeen;
    private int hugeAnonPmds;
    private final Map<Long, Integer> pmdsByFolio = new HashMap<>();

    /** Every leaf entry of every mm, read straight from the page tables: va -> pfn (huge PMDs as 512 pages). */
    private Map<Mm, Map<Long, Long>> scan() {
        return scan(mms);
    }

    private Map<Mm, Map<Long, Long>> scan(final List<Mm> which) {
        tablesSeen = 0;
        hugeAnonPmds = 0;
        pmdsByFolio.clear();
        final PageTables pt = r.mm.pageTables();
        final Map<Mm, Map<Long, Long>> out = new IdentityHashMap<>();
        for (final Mm m : which) {
            final Map<Long, Long> leaves = new HashMap<>();
            tablesSeen++;
            for (int gi = 0; gi < 256; gi++) {
                final long g = pt.get(m.pgdPfn(), gi);
                if (g == 0) {
                    continue;
                }
                tablesSeen++;
                for (int ui = 0; ui < 512; ui++) {
                    final long u = pt.get(Pte.pfn(g), ui);
                    if (u == 0) {
                        continue;
                    }
                    tablesSeen++;
                    for (int mi = 0; mi < 512; mi++) {
                        final long pmd = pt.get(Pte.pfn(u), mi);
                        final long base = ((long) gi << 39) | ((long) ui << 30) | ((long) mi << 21);
                        if (pmd == 0) {
                            continue;
                        }
                        if (Pte.huge(pmd)) {
                            final Vma vma = m.find(base);
                            assertNotNull(vma, "huge PMD outside any VMA");
                            if (vma.anon()) {
                                hugeAnonPmds++;
                            }
                            pmdsByFolio.merge(r.allocator.memmap().allocatee(Pte.pfn(pmd)), 1, Integer::sum);
                            for (int i = 0; i < 512; i++) {
                                leaves.put(base + i * K4, Pte.pfn(pmd) + i);
                            }
                            continue;
                        }
                        tablesSeen++;
                        for (int pi = 0; pi < 512; pi++) {
                            final long e = pt.get(Pte.pfn(pmd), pi);
                            if (e != 0) {
                                leaves.put(base + pi * K4, Pte.pfn(e));
                            }
                        }
                    }
                }
            }
            out.put(m, leaves);
        }
        return out;
    }

    /**
     * The schemes' answers that their published definitions make precise: page-mapcount,
     * no-page-mapcount and mapped-pages count every mapping; vma-pt-tuples counts (VMA, page
     * table) tuples; page-mapcount knows each page's count; every scheme knows "mapped at all".
     */
    private void assertSchemesAgree(final long folio, final int order) {
        final long head = r.mm.descs().pfn(folio);
        r.exact.measure(folio, order);
        final long total = r.exact.totalMapcount();
        final int tuples = r.exact.tuples();
        final long page0 = r.exact.pageMapcount(0);
        for (final var s : r.schemes) {
            assertEquals(total > 0, s.mapped(folio, head, order), s.name() + ": mapped");
            switch (s.name()) {
                case "page-mapcount" -> {
                    assertEquals(total, s.mapcount(folio, head, order), "page-mapcount: folio_mapcount");
                    assertEquals(page0, s.pageMapcount(folio, head, order, 0), "page-mapcount: page 0");
                }
                case "no-page-mapcount", "mapped-pages" ->
                        assertEquals(total, s.mapcount(folio, head, order), s.name() + ": folio_mapcount");
                case "vma-pt-tuples" -> assertEquals(tuples, s.mapcount(folio, head, order), "vma-pt-tuples: tuples");
                default -> { }
            }
        }
    }

    private void check() {
        final Map<Mm, Map<Long, Long>> scan = scan();
        final Memdescs descs = r.mm.descs();
        for (final Mm m : mms) {
            assertEquals(mapped.get(m), scan.get(m), "page tables of " + m + " against the model");
        }
        assertEquals(tablesSeen + hugeAnonPmds, r.mm.pageTables().live(), "page-table pages: reachable + deposited");
        final Map<Long, Set<Long>> byFolio = new HashMap<>();
        for (final Mm m : mms) {
            for (final Map.Entry<Long, Long> e : scan.get(m).entrySet()) {
                final long va = e.getKey();
                final Vma vma = m.find(va);
                assertNotNull(vma, "entry 0x" + Long.toHexString(va) + " of " + m + " outside every VMA");
                final long folio = r.allocator.memmap().allocatee(e.getValue());
                final long page = e.getValue() - descs.pfn(folio);
                assertEquals(vma.pageIndex(va), descs.getLong(folio, FolioDesc.INDEX) + page,
                        "0x" + Long.toHexString(va) + " maps the wrong page of its object");
                final long mapping = descs.getLong(folio, FolioDesc.MAPPING);
                if (vma.anon()) {
                    assertTrue((mapping & FolioDesc.PAGE_MAPPING_ANON) != 0);
                } else {
                    assertEquals(vma.file().address(), mapping);
                }
                byFolio.computeIfAbsent(folio, k -> new HashSet<>()).add(((long) m.id() << 48) | va);
            }
        }
        long cachedUnmapped = 0;
        for (final MappedFile f : files) {
            for (final long folio : f.pageCache.values()) {
                if (!byFolio.containsKey(folio)) {
                    cachedUnmapped++;
                    assertEquals(1, r.mm.refcount(folio), "unmapped page-cache folio");
                }
            }
        }
        assertEquals(byFolio.size() + cachedUnmapped, r.mm.liveFolios(), "live folios: mapped + cached");
        for (final Map.Entry<Long, Set<Long>> e : byFolio.entrySet()) {
            final long folio = e.getKey();
            final int order = descs.order(folio);
            final Set<Long> found = new HashSet<>();
            r.mm.rmap().walk(folio, new RmapVisitor() {
                @Override
                public void pte(final Vma vma, final long va, final long ptPfn, final int page) {
                    assertTrue(found.add(((long) vma.mm().id() << 48) | va), "PTE reported twice");
                }

                @Override
                public void pmd(final Vma vma, final long va, final long pmdTablePfn) {
                    for (int i = 0; i < 512; i++) {
                        assertTrue(found.add(((long) vma.mm().id() << 48) | (va + i * K4)), "PMD reported twice");
                    }
                }
            });
            assertEquals(e.getValue(), found, "rmap walk of a folio of order " + order);
            assertSchemesAgree(folio, order);
            final int pmds = pmdsByFolio.getOrDefault(folio, 0);
            final boolean file = (descs.getLong(folio, FolioDesc.MAPPING) & FolioDesc.PAGE_MAPPING_ANON) == 0;
            assertEquals(e.getValue().size() - 511L * pmds + (file ? 1 : 0), r.mm.refcount(folio),
                    "one reference per PTE and per PMD (+1 page cache)");
        }
        r.events.assertMatchesExact(descs);
    }
}

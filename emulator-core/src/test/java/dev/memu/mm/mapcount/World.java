package dev.memu.mm.mapcount;

import dev.memu.access.Access;
import dev.memu.access.PlainAccess;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.Machine;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A test stand-in for the mm layer: a list of the PTE and PMD entries that map each folio, which
 * reports every event to the schemes under test (adds before the entries exist, removes after they
 * are gone, as Linux orders rmap calls around set_ptes / clearing) and answers the probe, the rmap
 * walk and the exact queries from that list. Nothing here is timed or costed.
 */
final class World implements MappingProbe, RmapWalker, AutoCloseable {

    record Folio(long folio, long headPfn, int order) {
        int pages() {
            return 1 << order;
        }
    }

    private record Pte(int mm, long vma, long pt, int page) {
    }

    private record Pmd(int mm, long vma) {
    }

    final Machine machine;
    final Memmap memmap;
    final MemdescHeap heap;
    final Memdescs descs;
    final List<MapcountScheme> schemes = new ArrayList<>();
    final Exact exact = new Exact();
    private final Map<Long, List<Pte>> ptes = new HashMap<>();
    private final Map<Long, List<Pmd>> pmds = new HashMap<>();
    private long nextPfn = 0;
    int walks;

    World(final String layout, final Access access) {
        this.machine = Machine.create(16L << 20);
        final Layout l = Layouts.byName(layout);
        this.memmap = l.bind(machine, access);
        this.heap = MemdescHeap.forDescriptors(machine, access);
        this.descs = Memdescs.withMapcountSlots(heap);
    }

    World(final String layout) {
        this(layout, PlainAccess.INSTANCE);
    }

    SchemeContext context() {
        return new SchemeContext(memmap, heap, this, this);
    }

    /** Adds the scheme built from this world's context. */
    <T extends MapcountScheme> T add(final Function<SchemeContext, T> factory) {
        final T scheme = factory.apply(context());
        schemes.add(scheme);
        return scheme;
    }

    Folio folio(final int order) {
        final long size = 1L << order;
        final long head = (nextPfn + size - 1) & -size;
        nextPfn = head + size;
        final long folio = descs.newFolio(MemdescType.ANON_FOLIO, order, 0x1000, head);
        descs.setPfn(folio, head);
        final Folio f = new Folio(folio, head, order);
        for (final MapcountScheme s : schemes) {
            s.folioCreated(f.folio, f.headPfn, f.order);
        }
        return f;
    }

    void free(final Folio f) {
        if (exact.mapped(f.folio, f.headPfn, f.order)) {
            throw new IllegalStateException("test bug: freeing a mapped folio");
        }
        for (final MapcountScheme s : schemes) {
            s.folioFreed(f.folio, f.headPfn, f.order);
        }
    }

    void map(final Folio f, final int page, final int nr, final int mm, final long vma, final long pt, final boolean exclusive) {
        for (final MapcountScheme s : schemes) {
            s.addPtes(f.folio, f.headPfn, f.order, page, nr, mm, vma, pt, exclusive);
        }
        final List<Pte> list = ptes.computeIfAbsent(f.folio, k -> new ArrayList<>());
        for (int i = page; i < page + nr; i++) {
            list.add(new Pte(mm, vma, pt, i));
        }
    }

    void unmap(final Folio f, final int page, final int nr, final int mm, final long vma, final long pt) {
        final List<Pte> list = ptes.getOrDefault(f.folio, new ArrayList<>());
        for (int i = page; i < page + nr; i++) {
            if (!list.remove(new Pte(mm, vma, pt, i))) {
                throw new IllegalStateException("test bug: page " + i + " is not mapped by vma " + vma + " in pt " + pt);
            }
        }
        for (final MapcountScheme s : schemes) {
            s.removePtes(f.folio, f.headPfn, f.order, page, nr, mm, vma, pt);
        }
    }

    void mapPmd(final Folio f, final int mm, final long vma, final boolean exclusive) {
        for (final MapcountScheme s : schemes) {
            s.addPmd(f.folio, f.headPfn, f.order, mm, vma, exclusive);
        }
        pmds.computeIfAbsent(f.folio, k -> new ArrayList<>()).add(new Pmd(mm, vma));
    }

    void unmapPmd(final Folio f, final int mm, final long vma) {
        if (!pmds.getOrDefault(f.folio, new ArrayList<>()).remove(new Pmd(mm, vma))) {
            throw new IllegalStateException("test bug: no PMD of vma " + vma);
        }
        for (final MapcountScheme s : schemes) {
            s.removePmd(f.folio, f.headPfn, f.order, mm, vma);
        }
    }

    /** __split_huge_pmd as Linux reports it: the PTEs of the new table first, then the PMD goes. */
    void splitPmd(final Folio f, final int mm, final long vma, final long newPt, final boolean exclusive) {
        map(f, 0, f.pages(), mm, vma, newPt, exclusive);
        unmapPmd(f, mm, vma);
    }

    /** fork of one PTE range: the parent's pages lose PageAnonExclusive, the child maps them shared. */
    void fork(final Folio f, final int page, final int nr, final int childMm, final long childVma, final long childPt) {
        for (final MapcountScheme s : schemes) {
            s.markShared(f.folio, f.headPfn, f.order, page, nr);
        }
        map(f, page, nr, childMm, childVma, childPt, false);
    }

    // ---- the model's own answers (for property checks) ----

    boolean mapsPage(final Folio f, final long vma, final int page) {
        for (final Pte p : ptes.getOrDefault(f.folio, List.of())) {
            if (p.vma == vma && p.page == page) {
                return true;
            }
        }
        return false;
    }

    long ptOf(final Folio f, final long vma, final int page) {
        for (final Pte p : ptes.getOrDefault(f.folio, List.of())) {
            if (p.vma == vma && p.page == page) {
                return p.pt;
            }
        }
        return -1;
    }

    boolean hasPmd(final Folio f, final long vma) {
        return pmds.getOrDefault(f.folio, List.of()).stream().anyMatch(p -> p.vma == vma);
    }

    boolean hasPtes(final Folio f, final long vma) {
        return ptes.getOrDefault(f.folio, List.of()).stream().anyMatch(p -> p.vma == vma);
    }

    /** Distinct (vma, page table) tuples, a PMD entry being a tuple of its own. */
    long tuples(final Folio f) {
        final Set<List<Long>> set = new HashSet<>();
        ptes.getOrDefault(f.folio, List.of()).forEach(p -> set.add(List.of(p.vma, p.pt)));
        return set.size() + pmds.getOrDefault(f.folio, List.of()).size();
    }

    /** Distinct VMAs that map the folio. */
    long vmas(final Folio f) {
        final Set<Long> set = new HashSet<>();
        ptes.getOrDefault(f.folio, List.of()).forEach(p -> set.add(p.vma));
        pmds.getOrDefault(f.folio, List.of()).forEach(p -> set.add(p.vma));
        return set.size();
    }

    /** Distinct mms that map the folio. */
    long mms(final Folio f) {
        final Set<Integer> set = new HashSet<>();
        ptes.getOrDefault(f.folio, List.of()).forEach(p -> set.add(p.mm));
        pmds.getOrDefault(f.folio, List.of()).forEach(p -> set.add(p.mm));
        return set.size();
    }

    // ---- the mm layer's side ----

    @Override
    public boolean tableMapsOtherPages(final long folio, final long headPfn, final int order, final long vmaId,
                                       final long ptPfn, final int page, final int nr) {
        for (final Pte p : ptes.getOrDefault(folio, List.of())) {
            if (p.vma == vmaId && p.pt == ptPfn && (p.page < page || p.page >= page + nr)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean vmaMapsOtherwise(final long folio, final long headPfn, final int order, final long vmaId,
                                    final long ptPfn, final int page, final int nr) {
        for (final Pte p : ptes.getOrDefault(folio, List.of())) {
            if (p.vma == vmaId && (ptPfn == PMD_ENTRY || p.pt != ptPfn || p.page < page || p.page >= page + nr)) {
                return true;
            }
        }
        if (ptPfn != PMD_ENTRY) {
            for (final Pmd p : pmds.getOrDefault(folio, List.of())) {
                if (p.vma == vmaId) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void walk(final long folio, final long headPfn, final int order, final RmapWalk into) {
        walks++;
        final Map<Long, long[]> byVma = new LinkedHashMap<>();   // vma -> {mm, entries}
        for (final Pte p : ptes.getOrDefault(folio, List.of())) {
            byVma.computeIfAbsent(p.vma, k -> new long[] {p.mm, 0})[1]++;
        }
        for (final Pmd p : pmds.getOrDefault(folio, List.of())) {
            byVma.computeIfAbsent(p.vma, k -> new long[] {p.mm, 0})[1]++;
        }
        byVma.forEach((vma, e) -> into.vma(vma, (int) e[0], e[1]));
    }

    /** The exact answers from the entry list: the reference the scorer compares against. */
    final class Exact extends StatelessScheme {

        @Override
        public String name() {
            return "exact";
        }

        @Override
        public long mapcount(final long folio, final long headPfn, final int order) {
            return ptes.getOrDefault(folio, List.of()).size() + pmds.getOrDefault(folio, List.of()).size();
        }

        @Override
        public long pageMapcount(final long folio, final long headPfn, final int order, final int page) {
            return ptes.getOrDefault(folio, List.of()).stream().filter(p -> p.page == page).count()
                    + pmds.getOrDefault(folio, List.of()).size();
        }

        @Override
        public boolean mappedShared(final long folio, final long headPfn, final int order) {
            final Set<Integer> mms = new HashSet<>();
            ptes.getOrDefault(folio, List.of()).forEach(p -> mms.add(p.mm));
            pmds.getOrDefault(folio, List.of()).forEach(p -> mms.add(p.mm));
            return mms.size() > 1;
        }

        @Override
        public boolean partiallyMapped(final long folio, final long headPfn, final int order) {
            if (order == 0 || !pmds.getOrDefault(folio, List.of()).isEmpty()) {
                return false;
            }
            final Set<Integer> mapped = new HashSet<>();
            ptes.getOrDefault(folio, List.of()).forEach(p -> mapped.add(p.page));
            return !mapped.isEmpty() && mapped.size() < (1 << order);
        }

        @Override
        public boolean mapped(final long folio, final long headPfn, final int order) {
            return mapcount(folio, headPfn, order) > 0;
        }
    }

    @Override
    public void close() {
        machine.close();
    }
}

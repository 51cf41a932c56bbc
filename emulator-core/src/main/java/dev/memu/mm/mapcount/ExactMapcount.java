package dev.memu.mm.mapcount;

import dev.memu.mm.Rmap;
import dev.memu.mm.RmapVisitor;
import dev.memu.mm.Vma;

import java.util.Arrays;

/**
 * {@code exact}: the ground truth of every mapcount question, from walking the page tables of
 * every VMA that may map the folio ({@link Rmap}). It keeps no state and ignores every event; a
 * kernel could not afford it (each answer costs an rmap walk), which is why the other schemes
 * exist. Its answers are what their accuracy is scored against.
 *
 * <p>Definitions (Linux's where Linux has one):
 * <ul>
 *   <li>{@link #mapcount}: folio_mapcount with precise counts: each PTE mapping a page of the
 *       folio counts 1, each PMD mapping the whole folio counts 1;</li>
 *   <li>{@link #pageMapcount}: page_mapcount: PTEs mapping that page plus PMDs mapping the folio;</li>
 *   <li>{@link #mappedShared}: mapped by more than one mm (exclusive = exactly one mm);</li>
 *   <li>{@link #partiallyMapped}: mapped, and some page of it mapped by nothing;</li>
 *   <li>{@link #tuples}: distinct (VMA id, page table) pairs mapping any page: a PTE mapping
 *       counts its PTE table, a PMD mapping its PMD table (Wilcox's 2023 definition).</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per mm layer. {@link #measure} fills the per-folio results the
 * getters return; each query measures afresh.
 */
public final class ExactMapcount extends StatelessScheme {

    public static final String NAME = "exact";

    private final Rmap rmap;
    private final Walk walk;

    public ExactMapcount(final Rmap rmap, final int maxOrder) {
        this.rmap = rmap;
        this.walk = new Walk(1 << maxOrder);
    }

    @Override
    public String name() {
        return NAME;
    }

    // ---- queries ----

    /** Walks the folio's mappings once; the getters below then describe it. */
    public void measure(final long folio, final int order) {
        walk.reset(1 << order);
        rmap.walk(folio, walk);
    }

    @Override
    public long mapcount(final long folio, final long headPfn, final int order) {
        measure(folio, order);
        return totalMapcount();
    }

    @Override
    public long pageMapcount(final long folio, final long headPfn, final int order, final int page) {
        measure(folio, order);
        return pageMapcount(page);
    }

    @Override
    public boolean mappedShared(final long folio, final long headPfn, final int order) {
        measure(folio, order);
        return mmCount() > 1;
    }

    @Override
    public boolean partiallyMapped(final long folio, final long headPfn, final int order) {
        measure(folio, order);
        return partiallyMapped();
    }

    @Override
    public boolean mapped(final long folio, final long headPfn, final int order) {
        measure(folio, order);
        return totalMapcount() > 0;
    }

    // ---- results of the last measure ----

    /** PTE mappings plus PMD mappings. */
    public long totalMapcount() {
        return walk.ptes + walk.pmds;
    }

    public long pteMappings() {
        return walk.ptes;
    }

    public long pmdMappings() {
        return walk.pmds;
    }

    public long pageMapcount(final int page) {
        return walk.perPage[page] + walk.pmds;
    }

    /** Pages of the folio mapped at least once (by a PTE or a PMD). */
    public int pagesMapped() {
        if (walk.pmds > 0) {
            return walk.nr;
        }
        int n = 0;
        for (int i = 0; i < walk.nr; i++) {
            if (walk.perPage[i] > 0) {
                n++;
            }
        }
        return n;
    }

    public boolean partiallyMapped() {
        final int mapped = pagesMapped();
        return mapped > 0 && mapped < walk.nr;
    }

    /** Distinct mm ids mapping the folio. */
    public int mmCount() {
        return walk.mms;
    }

    /** The {@code i}-th distinct mm id found (0 <= i < mmCount), in walk order. */
    public int mmId(final int i) {
        return walk.mmIds[i];
    }

    public boolean exclusive() {
        return walk.mms == 1;
    }

    /** Distinct (VMA id, page table) tuples mapping any page of the folio. */
    public int tuples() {
        return walk.tuples;
    }

    /** Collects one folio's mappings; arrays grow on demand and are reused across walks. */
    private static final class Walk implements RmapVisitor {

        final int[] perPage;
        int nr;
        long ptes;
        long pmds;
        int[] mmIds = new int[8];
        int mms;
        long[] tupleVma = new long[8];
        long[] tuplePt = new long[8];
        int tuples;

        Walk(final int maxPages) {
            this.perPage = new int[maxPages];
        }

        void reset(final int pages) {
            nr = pages;
            Arrays.fill(perPage, 0, pages, 0);
            ptes = 0;
            pmds = 0;
            mms = 0;
            tuples = 0;
        }

        @Override
        public void pte(final Vma vma, final long va, final long ptPfn, final int page) {
            perPage[page]++;
            ptes++;
            seen(vma, ptPfn);
        }

        @Override
        public void pmd(final Vma vma, final long va, final long pmdTablePfn) {
            pmds++;
            seen(vma, pmdTablePfn);
        }

        private void seen(final Vma vma, final long table) {
            final int id = vma.mm().id();
            boolean found = false;
            for (int i = 0; i < mms; i++) {
                if (mmIds[i] == id) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                if (mms == mmIds.length) {
                    mmIds = Arrays.copyOf(mmIds, mms * 2);
                }
                mmIds[mms++] = id;
            }
            for (int i = 0; i < tuples; i++) {
                if (tupleVma[i] == vma.id() && tuplePt[i] == table) {
                    return;
                }
            }
            if (tuples == tupleVma.length) {
                tupleVma = Arrays.copyOf(tupleVma, tuples * 2);
                tuplePt = Arrays.copyOf(tuplePt, tuples * 2);
            }
            tupleVma[tuples] = vma.id();
            tuplePt[tuples++] = table;
        }
    }
}

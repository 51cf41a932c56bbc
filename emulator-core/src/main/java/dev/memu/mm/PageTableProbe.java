package dev.memu.mm;

import dev.memu.mm.mapcount.MappingProbe;
import dev.memu.mm.mapcount.RmapWalk;
import dev.memu.mm.mapcount.RmapWalker;

import java.util.Arrays;

/**
 * The mm layer's answers to what the per-VMA and per-tuple schemes ask ({@link MappingProbe}) and
 * the rmap walk they fall back on ({@link RmapWalker}), both by walking the real page tables
 * through {@link Rmap}: every entry read goes through the access layer and counts in the lines
 * of the event or query that asked.
 *
 * <p>Event order seen by a probe: the mm layer writes new PTEs before it reports addPtes and
 * clears them before removePtes; a PMD split reports the new table's PTEs while the huge PMD is
 * still in place and removes the PMD after linking the table. The probe questions exclude the
 * event's own entries, so these orders give the answers Linux's (add before set_ptes, remove
 * after clearing; pmdp_invalidate first on a split) would.
 *
 * <p>Not thread-safe; one per mm layer. Allocates nothing per call once its arrays have grown.
 */
public final class PageTableProbe implements MappingProbe, RmapWalker {

    private final Rmap rmap;
    private final Probe probe = new Probe();
    private final Tally tally = new Tally();

    public PageTableProbe(final MmLayer layer) {
        this.rmap = layer.rmap();
    }

    @Override
    public boolean tableMapsOtherPages(final long folio, final long headPfn, final int order, final long vmaId,
                                       final long ptPfn, final int page, final int nr) {
        probe.set(false, ptPfn, page, nr);
        rmap.walk(folio, vmaId, probe);
        return probe.found;
    }

    @Override
    public boolean vmaMapsOtherwise(final long folio, final long headPfn, final int order, final long vmaId,
                                    final long ptPfn, final int page, final int nr) {
        probe.set(true, ptPfn, page, nr);
        rmap.walk(folio, vmaId, probe);
        return probe.found;
    }

    @Override
    public void walk(final long folio, final long headPfn, final int order, final RmapWalk into) {
        tally.n = 0;
        rmap.walk(folio, tally);
        for (int i = 0; i < tally.n; i++) {
            into.vma(tally.vmaIds[i], tally.mmIds[i], tally.entries[i]);
        }
    }

    /** One probe question: is there an entry of the folio other than the event's? */
    private static final class Probe implements RmapVisitor {
        boolean anyTable;
        long ptPfn;
        int page;
        int nr;
        boolean found;

        void set(final boolean anyTable, final long ptPfn, final int page, final int nr) {
            this.anyTable = anyTable;
            this.ptPfn = ptPfn;
            this.page = page;
            this.nr = nr;
            this.found = false;
        }

        @Override
        public void pte(final Vma vma, final long va, final long pt, final int p) {
            if (anyTable && ptPfn == PMD_ENTRY) {
                found = true;
            } else if (pt != ptPfn) {
                found |= anyTable;
            } else if (p < page || p >= page + nr) {
                found = true;
            }
        }

        @Override
        public void pmd(final Vma vma, final long va, final long pmdTablePfn) {
            found |= anyTable && ptPfn != PMD_ENTRY;
        }
    }

    /** Entries per VMA id, in the order the walk met the VMAs. */
    private static final class Tally implements RmapVisitor {
        long[] vmaIds = new long[8];
        int[] mmIds = new int[8];
        long[] entries = new long[8];
        int n;

        private void count(final Vma vma) {
            for (int i = n - 1; i >= 0; i--) {
                if (vmaIds[i] == vma.id()) {
                    entries[i]++;
                    return;
                }
            }
            if (n == vmaIds.length) {
                vmaIds = Arrays.copyOf(vmaIds, n * 2);
                mmIds = Arrays.copyOf(mmIds, n * 2);
                entries = Arrays.copyOf(entries, n * 2);
            }
            vmaIds[n] = vma.id();
            mmIds[n] = vma.mm().id();
            entries[n++] = 1;
        }

        @Override
        public void pte(final Vma vma, final long va, final long pt, final int page) {
            count(vma);
        }

        @Override
        public void pmd(final Vma vma, final long va, final long pmdTablePfn) {
            count(vma);
        }
    }
}

package dev.memu.mm;

import dev.memu.mm.mapcount.MapcountScheme;

/**
 * fork's copy of one VMA's page tables, after mm/memory.c: {@code copy_page_range} walks the
 * parent's range PMD by PMD, hands huge PMDs to {@link HugePmd#copyHugePmd} and copies PTE tables
 * in {@code folio_pte_batch} runs ({@code copy_pte_range}, {@code folio_try_dup_anon_rmap_ptes}),
 * write-protecting both sides. Part of {@link MmLayer}, which owns the one instance.
 */
final class ForkCopy extends MmPart {

    ForkCopy(final MmLayer layer) {
        super(layer);
    }

    /** copy_page_range of {@code vma} into the child's {@code dvma}; false when a page table could not be allocated. */
    boolean copyPageRange(final Mm src, final Vma vma, final Mm dst, final Vma dvma) {
        long va = vma.start;
        while (va < vma.end) {
            final long spanEnd = Math.min((va & -Pte.PMD_SIZE) + Pte.PMD_SIZE, vma.end);
            final long spmdt = layer.pmdTable(src, va);
            if (spmdt < 0) {
                va = Math.max(spanEnd, MmLayer.skip(va, spmdt));
                continue;
            }
            final int pi = Pte.pmdIndex(va);
            final long pmd = pt.get(spmdt, pi);
            if (pmd != 0) {
                final long dpmdt = layer.pmdTableAlloc(dst, va);
                if (dpmdt < 0) {
                    return false;
                }
                if (Pte.huge(pmd)) {
                    if (!layer.huge.copyHugePmd(spmdt, dpmdt, pi, pmd, dst, dvma)) {
                        return false;
                    }
                } else if (!copyPteRange(Pte.pfn(pmd), dpmdt, pi, va, spanEnd, dst, dvma)) {
                    return false;
                }
            }
            va = spanEnd;
        }
        return true;
    }

    /** copy_pte_range over [va, end) of one page table, in folio_pte_batch runs (or page by page). */
    boolean copyPteRange(final long sptet, final long dpmdt, final int pi, final long va, final long end,
                                 final Mm dst, final Vma dvma) {
        final long existing = pt.get(dpmdt, pi);                            // another VMA in this 2 MiB span
        final long dptet;
        if (Pte.present(existing)) {
            dptet = Pte.pfn(existing);
        } else {
            dptet = pt.alloc(PageTables.PTE_LEVEL, dst.id());
            if (dptet < 0) {
                return false;
            }
            pt.set(dpmdt, pi, Pte.make(dptet, Pte.TABLE));
        }
        final int lo = Pte.pteIndex(va);
        final int hi = lo + (int) ((end - va) >>> Pte.PTE_SHIFT);
        int i = lo;
        while (i < hi) {
            final long e = pt.get(sptet, i);
            if (e == 0) {
                i++;
                continue;
            }
            if (Pte.swap(e)) {                                               // copy_nonpresent_pte
                pt.set(dptet, i, e & ~Pte.SWP_EXCLUSIVE);
                pt.set(sptet, i, e & ~Pte.SWP_EXCLUSIVE);
                i++;
                continue;
            }
            final long pfn = Pte.pfn(e);
            final long folio = memmap.allocatee(pfn);
            final long head = descs.pfn(folio);
            final int order = descs.order(folio);
            final int n = layer.batch(sptet, i, hi, pfn, head + (1L << order));
            boolean exclusive = false;
            for (int k = 0; k < n; k++) {
                final long se = pt.get(sptet, i + k);
                exclusive |= (se & Pte.ANON_EXCLUSIVE) != 0;
                final long shared = se & ~(Pte.RW | Pte.ANON_EXCLUSIVE);
                if (shared != se) {
                    pt.set(sptet, i + k, shared);                            // ptep_set_wrprotect
                }
                pt.set(dptet, i + k, shared & ~Pte.ACCESSED);                 // pte_mkold
            }
            final int page = (int) (pfn - head);
            if (exclusive) {
                for (final MapcountScheme s : layer.schemes) {
                    s.markShared(folio, head, order, page, n);
                }
            }
            folios.refAdd(folio, n);
            for (final MapcountScheme s : layer.schemes) {
                s.addPtes(folio, head, order, page, n, dst.id(), dvma.id(), dptet, false);
            }
            i += n;
        }
        return true;
    }
}

package dev.memu.mm;

import dev.memu.mm.mapcount.MapcountScheme;

/**
 * Unmapping a range of one VMA and freeing the page tables left empty, after mm/memory.c ({@code
 * unmap_page_range}, {@code zap_pte_range} in runs of one folio, a huge PMD zapped whole or split
 * when the range covers it in part) and mm/mmap.c ({@code free_pgtables}). munmap, MADV_DONTNEED
 * and exit go through it. Part of {@link MmLayer}, which owns the one instance.
 */
final class Zap extends MmPart {

    Zap(final MmLayer layer) {
        super(layer);
    }

    /** unmap_page_range of [start, end) inside one VMA. */
    void zapRange(final Mm mm, final Vma vma, final long start, final long end) {
        long va = start;
        while (va < end) {
            final long spanEnd = Math.min((va & -Pte.PMD_SIZE) + Pte.PMD_SIZE, end);
            final long pmdt = layer.pmdTable(mm, va);
            if (pmdt < 0) {
                va = Math.max(spanEnd, Math.min(end, MmLayer.skip(va, pmdt)));
                continue;
            }
            final int pi = Pte.pmdIndex(va);
            long pmd = pt.get(pmdt, pi);
            if (Pte.huge(pmd)) {
                if (spanEnd - va == Pte.PMD_SIZE) {
                    layer.huge.zapHugePmd(mm, vma, pmdt, pi, pmd);
                    va = spanEnd;
                    continue;
                }
                layer.huge.splitHugePmd(mm, vma, pmdt, pi);                   // __split_huge_pmd, partial range
                pmd = pt.get(pmdt, pi);
            }
            if (Pte.present(pmd)) {
                zapPteRange(mm, vma, Pte.pfn(pmd), va, spanEnd);
            }
            va = spanEnd;
        }
    }

    /** zap_pte_range / zap_present_ptes over [va, end) of one page table. */
    void zapPteRange(final Mm mm, final Vma vma, final long ptet, final long va, final long end) {
        final int lo = Pte.pteIndex(va);
        final int hi = lo + (int) ((end - va) >>> Pte.PTE_SHIFT);
        int i = lo;
        while (i < hi) {
            final long e = pt.get(ptet, i);
            if (e == 0) {
                i++;
                continue;
            }
            if (Pte.swap(e)) {                                               // free_swap_and_cache: no swap yet
                pt.set(ptet, i, 0);
                i++;
                continue;
            }
            final long pfn = Pte.pfn(e);
            final long folio = memmap.allocatee(pfn);
            final long head = descs.pfn(folio);
            final int order = descs.order(folio);
            final int n = layer.batch(ptet, i, hi, pfn, head + (1L << order));
            for (int k = 0; k < n; k++) {
                pt.set(ptet, i + k, 0);
            }
            for (final MapcountScheme s : layer.schemes) {
                s.removePtes(folio, head, order, (int) (pfn - head), n, mm.id(), vma.id(), ptet);
            }
            counters.zapBatches++;
            folios.folioPut(folio, n);
            i += n;
        }
    }

    /**
     * free_pgtables over [start, end): frees each table whose span no VMA of the mm intersects
     * any more (what free_pgd_range's floor and ceiling achieve). Zap has emptied them.
     */
    void freePgtables(final Mm mm, final long start, final long end) {
        for (int gi = Pte.pgdIndex(start); gi <= Pte.pgdIndex(end - 1); gi++) {
            final long g = pt.get(mm.pgd, gi);
            if (g == 0) {
                continue;
            }
            final long gBase = (long) gi << Pte.PGD_SHIFT;
            final long pudt = Pte.pfn(g);
            final long gs = Math.max(start, gBase);
            final long ge = Math.min(end, gBase + (1L << Pte.PGD_SHIFT));
            for (int ui = Pte.pudIndex(gs); ui <= Pte.pudIndex(ge - 1); ui++) {
                final long u = pt.get(pudt, ui);
                if (u == 0) {
                    continue;
                }
                final long uBase = gBase + ((long) ui << Pte.PUD_SHIFT);
                final long pmdt = Pte.pfn(u);
                final long us = Math.max(gs, uBase);
                final long ue = Math.min(ge, uBase + (1L << Pte.PUD_SHIFT));
                for (int mi = Pte.pmdIndex(us); mi <= Pte.pmdIndex(ue - 1); mi++) {
                    final long m = pt.get(pmdt, mi);
                    final long mBase = uBase + ((long) mi << Pte.PMD_SHIFT);
                    if (m == 0 || mm.intersects(mBase, mBase + Pte.PMD_SIZE)) {
                        continue;
                    }
                    if (Pte.huge(m)) {
                        throw new IllegalStateException("huge PMD left at 0x" + Long.toHexString(mBase) + " in " + mm);
                    }
                    pt.set(pmdt, mi, 0);
                    pt.free(Pte.pfn(m));
                }
                if (!mm.intersects(uBase, uBase + (1L << Pte.PUD_SHIFT))) {
                    pt.set(pudt, ui, 0);
                    pt.free(pmdt);
                }
            }
            if (!mm.intersects(gBase, gBase + (1L << Pte.PGD_SHIFT))) {
                pt.set(mm.pgd, gi, 0);
                pt.free(pudt);
            }
        }
    }
}

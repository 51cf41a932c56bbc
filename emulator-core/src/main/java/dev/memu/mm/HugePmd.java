package dev.memu.mm;

import dev.memu.memdesc.FolioDesc;
import dev.memu.memdesc.MemdescType;
import dev.memu.mm.mapcount.MapcountScheme;

/**
 * PMD-sized mappings of the mm layer, after mm/huge_memory.c: the anonymous THP fault ({@code
 * do_huge_pmd_anonymous_page}), a PMD-sized page-cache folio mapped whole ({@code do_set_pmd}),
 * fork's copy ({@code copy_huge_pmd}), zap ({@code zap_huge_pmd}) and the split into 512 PTEs
 * ({@code __split_huge_pmd_locked}). Part of {@link MmLayer}, which owns the one instance.
 */
final class HugePmd extends MmPart {

    HugePmd(final MmLayer layer) {
        super(layer);
    }

    /** do_huge_pmd_anonymous_page; null means VM_FAULT_FALLBACK (map with PTEs). */
    Fault hugeAnonFault(final Mm mm, final Vma vma, final long va, final long pmdt, final int pi) {
        final long haddr = va & -Pte.PMD_SIZE;
        final AnonVma av = folios.anonVmaPrepare(vma);
        final long folio = folios.allocFolio(MemdescType.ANON_FOLIO, Pte.PMD_ORDER,
                av.address() | FolioDesc.PAGE_MAPPING_ANON, vma.pageIndex(haddr), true);
        if (folio == 0) {
            counters.thpFallbacks++;
            return null;
        }
        final long deposit = pt.alloc(PageTables.PTE_LEVEL, mm.id());
        if (deposit < 0) {
            folios.freeFolio(folio);
            return Fault.OOM;
        }
        av.folios++;
        final long head = descs.pfn(folio);
        pt.deposit(pmdt, deposit);
        pt.set(pmdt, pi, Pte.make(head, Pte.PRESENT | Pte.USER | Pte.ACCESSED | Pte.PSE | Pte.ANON_EXCLUSIVE
                | (vma.writable() ? Pte.RW | Pte.DIRTY : 0)));
        folios.setRefcount(folio, 1);
        for (final MapcountScheme s : layer.schemes) {
            s.addPmd(folio, head, Pte.PMD_ORDER, mm.id(), vma.id(), true);
        }
        counters.anonFolios[Pte.PMD_ORDER]++;
        return Fault.OK;
    }

    /** do_set_pmd for a PMD-sized page-cache folio; null when the fault goes on with PTEs. */
    Fault filePmdFault(final Mm mm, final Vma vma, final long va, final boolean write, final long pmdt,
                               final int pi) {
        final long index = vma.pageIndex(va);
        if (index >= vma.file.pages()) {
            return Fault.SIGBUS;
        }
        final long folio = layer.pageCacheGet(vma.file, index);
        if (folio == 0) {
            return Fault.OOM;
        }
        if (descs.order(folio) != Pte.PMD_ORDER) {
            return null;
        }
        final long start = vma.address(descs.getLong(folio, FolioDesc.INDEX));
        if ((start & (Pte.PMD_SIZE - 1)) != 0 || start < vma.start || start + Pte.PMD_SIZE > vma.end) {
            return null;
        }
        final long head = descs.pfn(folio);
        pt.set(pmdt, pi, Pte.make(head, Pte.PRESENT | Pte.USER | Pte.ACCESSED | Pte.PSE
                | (write ? Pte.RW | Pte.DIRTY : 0)));
        folios.refAdd(folio, 1);
        for (final MapcountScheme s : layer.schemes) {
            s.addPmd(folio, head, Pte.PMD_ORDER, mm.id(), vma.id(), false);
        }
        return Fault.OK;
    }

    /**
     * __split_huge_pmd_locked: an anon PMD mapping becomes 512 PTEs in the deposited table,
     * keeping write, dirty, accessed and exclusive; a file PMD is just zapped (it refaults with PTEs).
     */
    void splitHugePmd(final Mm mm, final Vma vma, final long pmdt, final int pi) {
        final long pmd = pt.get(pmdt, pi);
        final long head = Pte.pfn(pmd);
        final long folio = memmap.allocatee(head);
        counters.pmdSplits++;
        if (!vma.anon()) {
            pt.set(pmdt, pi, 0);
            for (final MapcountScheme s : layer.schemes) {
                s.removePmd(folio, head, Pte.PMD_ORDER, mm.id(), vma.id());
            }
            folios.folioPut(folio, 1);
            return;
        }
        final long ptet = pt.withdraw(pmdt);
        final long flags = pmd & (Pte.PRESENT | Pte.RW | Pte.USER | Pte.ACCESSED | Pte.DIRTY | Pte.ANON_EXCLUSIVE);
        for (int i = 0; i < Pte.ENTRIES; i++) {
            pt.set(ptet, i, Pte.make(head + i, flags));
        }
        folios.refAdd(folio, Pte.ENTRIES - 1);
        final boolean exclusive = (pmd & Pte.ANON_EXCLUSIVE) != 0;
        for (final MapcountScheme s : layer.schemes) {
            s.addPtes(folio, head, Pte.PMD_ORDER, 0, Pte.ENTRIES, mm.id(), vma.id(), ptet, exclusive);
        }
        pt.set(pmdt, pi, Pte.make(ptet, Pte.TABLE));
        for (final MapcountScheme s : layer.schemes) {
            s.removePmd(folio, head, Pte.PMD_ORDER, mm.id(), vma.id());
        }
    }

    /** copy_huge_pmd: both PMDs write-protected, the child's old, the folio shared (folio_try_dup_anon_rmap_pmd). */
    boolean copyHugePmd(final long spmdt, final long dpmdt, final int pi, final long pmd, final Mm dst,
                                final Vma dvma) {
        final long deposit = pt.alloc(PageTables.PTE_LEVEL, dst.id());
        if (deposit < 0) {
            return false;
        }
        final long head = Pte.pfn(pmd);
        final long folio = memmap.allocatee(head);
        if ((pmd & Pte.ANON_EXCLUSIVE) != 0) {
            for (final MapcountScheme s : layer.schemes) {
                s.markShared(folio, head, Pte.PMD_ORDER, 0, Pte.ENTRIES);
            }
        }
        final long shared = pmd & ~(Pte.RW | Pte.ANON_EXCLUSIVE);
        pt.set(spmdt, pi, shared);
        pt.deposit(dpmdt, deposit);
        pt.set(dpmdt, pi, shared & ~Pte.ACCESSED);
        folios.refAdd(folio, 1);
        for (final MapcountScheme s : layer.schemes) {
            s.addPmd(folio, head, Pte.PMD_ORDER, dst.id(), dvma.id(), false);
        }
        return true;
    }

    /** zap_huge_pmd: clear, free the deposited table (anon), folio_remove_rmap_pmd, drop the reference. */
    void zapHugePmd(final Mm mm, final Vma vma, final long pmdt, final int pi, final long pmd) {
        final long head = Pte.pfn(pmd);
        final long folio = memmap.allocatee(head);
        pt.set(pmdt, pi, 0);
        if (vma.anon()) {
            pt.free(pt.withdraw(pmdt));
        }
        for (final MapcountScheme s : layer.schemes) {
            s.removePmd(folio, head, Pte.PMD_ORDER, mm.id(), vma.id());
        }
        counters.zapBatches++;
        folios.folioPut(folio, 1);
    }
}

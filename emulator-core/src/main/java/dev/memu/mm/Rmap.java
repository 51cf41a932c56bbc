package dev.memu.mm;

import dev.memu.memdesc.FolioDesc;
import dev.memu.memdesc.Memdescs;

import java.util.List;

/**
 * The reverse map walk (rmap_walk_anon / rmap_walk_file with page_vma_mapped_walk, mm/rmap.c and
 * mm/page_vma_mapped.c): from a folio to every PTE and PMD that maps one of its pages.
 *
 * <p>Anon: the folio's {@code mapping} names its anon_vma; every VMA chained to it whose page
 * range meets the folio's [index, index + nr) (anon_vma_interval_tree_foreach) is walked at the
 * folio's address in it (vma_address). File: the same over the file's i_mmap. In each VMA the
 * page tables are walked PGD -> PUD -> PMD -> PTE; a PTE counts when it is present and its pfn
 * lies in the folio, a PMD when it is huge and maps the folio's head.
 *
 * <p>Cost: the folio's descriptor words (region MEMDESC) and every page-table entry read (region
 * PAGE_DATA) go through the access layer, so a counting layer sees the walk's lines; the anon_vma
 * and VMA lists are Java objects and are not counted (see {@link Vma}).
 */
public final class Rmap {

    private final MmLayer mm;
    private final Memdescs descs;
    private final PageTables pt;

    Rmap(final MmLayer mm) {
        this.mm = mm;
        this.descs = mm.descs();
        this.pt = mm.pageTables();
    }

    /** Walks every mapping of {@code folio} (a live anon or file folio), reporting each to {@code visitor}. */
    public void walk(final long folio, final RmapVisitor visitor) {
        walk(folio, 0, visitor);
    }

    /**
     * As {@link #walk(long, RmapVisitor)}, restricted to the VMAs with id {@code vmaId} (0: all);
     * pieces of a split VMA share its id, so several may be walked.
     */
    public void walk(final long folio, final long vmaId, final RmapVisitor visitor) {
        final long head = descs.pfn(folio);
        final int order = descs.order(folio);
        final long nr = 1L << order;
        final long mapping = descs.getLong(folio, FolioDesc.MAPPING);
        final long index = descs.getLong(folio, FolioDesc.INDEX);
        final List<Vma> vmas;
        if ((mapping & FolioDesc.PAGE_MAPPING_ANON) != 0) {
            final AnonVma av = mm.anonVmaAt(mapping & ~FolioDesc.PAGE_MAPPING_ANON);
            if (av == null) {
                throw new IllegalStateException("folio at pfn " + head + " names no live anon_vma");
            }
            vmas = av.vmas;
        } else {
            final MappedFile file = mm.fileAt(mapping);
            if (file == null) {
                throw new IllegalStateException("folio at pfn " + head + " names no live file");
            }
            vmas = file.mappings;
        }
        for (int v = 0; v < vmas.size(); v++) {
            final Vma vma = vmas.get(v);
            if (vmaId != 0 && vma.id() != vmaId) {
                continue;
            }
            final long lo = Math.max(index, vma.pgoff);
            final long hi = Math.min(index + nr, vma.pgoff + vma.pages());
            if (lo < hi) {
                walkVma(vma, vma.address(lo), vma.address(hi), head, nr, visitor);
            }
        }
    }

    private void walkVma(final Vma vma, final long start, final long end, final long head, final long nr,
                         final RmapVisitor visitor) {
        long va = start;
        while (va < end) {
            final long spanEnd = Math.min((va & -Pte.PMD_SIZE) + Pte.PMD_SIZE, end);
            final long pmdt = mm.pmdTable(vma.mm(), va);
            if (pmdt < 0) {
                va = Math.max(spanEnd, MmLayer.skip(va, pmdt));
                continue;
            }
            final long pmd = pt.get(pmdt, Pte.pmdIndex(va));
            if (Pte.huge(pmd)) {
                if (Pte.pfn(pmd) == head) {
                    visitor.pmd(vma, va & -Pte.PMD_SIZE, pmdt);
                }
            } else if (Pte.present(pmd)) {
                final long ptet = Pte.pfn(pmd);
                for (long a = va; a < spanEnd; a += 1L << Pte.PTE_SHIFT) {
                    final long e = pt.get(ptet, Pte.pteIndex(a));
                    if (Pte.present(e)) {
                        final long pfn = Pte.pfn(e);
                        if (pfn >= head && pfn < head + nr) {
                            visitor.pte(vma, a, ptet, (int) (pfn - head));
                        }
                    }
                }
            }
            va = spanEnd;
        }
    }
}

package dev.memu.mm;

/** What an {@link Rmap} walk reports: each PTE and each PMD that maps a page of the folio. */
public interface RmapVisitor {

    /** The PTE at {@code va} in page table {@code ptPfn} of {@code vma} maps page {@code page} of the folio. */
    void pte(Vma vma, long va, long ptPfn, int page);

    /** The PMD at {@code va} in PMD table {@code pmdTablePfn} of {@code vma} maps the whole folio. */
    void pmd(Vma vma, long va, long pmdTablePfn);
}

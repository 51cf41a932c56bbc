package dev.memu.mm.mapcount;

/**
 * The rmap walk (anon_vma interval tree for anon folios, i_mmap for file folios, then
 * page_vma_mapped_walk in each VMA) that a scheme falls back on when its own counters cannot
 * answer, as {@link TrollMapcount} does in state Many. The mm layer implements it and counts its
 * cost (lines, VMAs visited) as part of the query that asked; tests use a fake.
 */
public interface RmapWalker {

    /**
     * Walks every VMA that may map the folio and reports each VMA that maps at least one page of
     * it to {@code into} (after {@link RmapWalk#reset}), with its number of PTE and PMD entries.
     */
    void walk(long folio, long headPfn, int order, RmapWalk into);
}

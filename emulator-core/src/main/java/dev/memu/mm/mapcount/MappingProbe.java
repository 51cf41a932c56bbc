package dev.memu.mm.mapcount;

/**
 * What the page tables say about one mapping event, asked by the schemes that count mappings
 * per (vma, page table) tuple or per VMA instead of per page ({@link VmaPtTuplesMapcount},
 * {@link TrollMapcount}). The mm layer implements it by reading the PTEs of the folio's span in
 * that page table (or VMA), and counts those reads in the lines of the event: that is the cost a
 * kernel would pay for these schemes (Wilcox's {@code folio_has_ptes(folio, vma)}, linux-mm,
 * 2023-01).
 *
 * <p>Both questions exclude the entries of the event itself, so the answer does not depend on
 * whether the mm layer reports the event before or after it writes the entries (Linux calls
 * folio_add_*_rmap_ptes before set_ptes, and folio_remove_rmap_ptes after clearing them).
 */
public interface MappingProbe {

    /** Stands for "the event is the VMA's PMD entry for this folio" in {@link #vmaMapsOtherwise}. */
    long PMD_ENTRY = -1;

    /**
     * Whether page table {@code ptPfn} of VMA {@code vmaId} holds a present PTE that maps a page
     * of the folio outside {@code [page, page + nr)}.
     */
    boolean tableMapsOtherPages(long folio, long headPfn, int order, long vmaId, long ptPfn, int page, int nr);

    /**
     * Whether VMA {@code vmaId} maps the folio through any entry other than the event's: other
     * PTEs (in any of its page tables) than {@code [page, page + nr)} of {@code ptPfn}, or a PMD
     * entry. With {@code ptPfn == PMD_ENTRY} the event is the PMD entry; any PTE of the folio in
     * the VMA counts then.
     */
    boolean vmaMapsOtherwise(long folio, long headPfn, int order, long vmaId, long ptPfn, int page, int nr);
}

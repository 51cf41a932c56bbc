package dev.memu.mm.mapcount;

import dev.memu.layout.Layout;

/**
 * How a folio records how it is mapped: one class per scheme under debate (see ANCHORS.md,
 * "Mapcount of large folios"). The mm layer reports every rmap event to the scheme, batched per
 * PTE range as Linux's folio_add_anon_rmap_ptes / folio_remove_rmap_ptes are; consumers (madvise,
 * mlock, deferred split, reclaim, compaction) ask the queries and act on the answers, which are
 * scored against {@code exact}.
 *
 * <p>A folio is named by three primitives so that no object is allocated per event:
 * {@code folio} = the folio's tagged allocatee (memdesc pointer, see dev.memu.memdesc.Allocatee),
 * {@code headPfn} its first pfn, {@code order} its order. Pages inside the folio are indexed
 * 0 .. 2^order - 1. An mm is named by a small int id (>= 1; 0 means none), a VMA by a long id,
 * a page table by the pfn of its ptdesc page.
 *
 * <p>State lives where it would in a kernel: per-page fields in the memmap (through the
 * memmap's Access, region MEMMAP), folio fields in the folio memdesc (region MEMDESC), so that
 * the counting access layer sees their cost.
 */
public interface MapcountScheme {

    /** Name as given on the command line: page-mapcount, no-page-mapcount, vma-pt-tuples, troll, mapped-pages, exact. */
    String name();

    /** Whether this scheme can keep its state on {@code layout} (page-mapcount needs per-page room). */
    boolean supports(Layout layout);

    /** Bytes of folio-level state the scheme keeps per folio (in the folio memdesc). */
    int folioBytes();

    /** Bytes of per-page state the scheme keeps in each memmap entry. */
    int pageBytes();

    /** A folio was allocated: initialise its state (unmapped). */
    void folioCreated(long folio, long headPfn, int order);

    /** A folio is about to be freed: its state must say unmapped; release anything held. */
    void folioFreed(long folio, long headPfn, int order);

    /**
     * PTEs of one page table ({@code ptPfn}) in mm {@code mmId}, VMA {@code vmaId}, now map pages
     * {@code [page, page + nr)} of the folio (folio_add_{anon,file}_rmap_ptes; on fork
     * folio_try_dup_anon_rmap_ptes with {@code exclusive == false}).
     */
    void addPtes(long folio, long headPfn, int order, int page, int nr, int mmId, long vmaId, long ptPfn, boolean exclusive);

    /** The reverse of {@link #addPtes}: folio_remove_rmap_ptes. */
    void removePtes(long folio, long headPfn, int order, int page, int nr, int mmId, long vmaId, long ptPfn);

    /** One PMD maps the whole (order-9) folio: folio_add_anon_rmap_pmd / folio_add_file_rmap_pmd. */
    void addPmd(long folio, long headPfn, int order, int mmId, long vmaId, boolean exclusive);

    /** folio_remove_rmap_pmd. */
    void removePmd(long folio, long headPfn, int order, int mmId, long vmaId);

    /** fork made the parent's anon pages of this folio shared: PageAnonExclusive cleared on [page, page+nr). */
    void markShared(long folio, long headPfn, int order, int page, int nr);

    // ---- queries (what consumers ask) ----

    /** folio_mapcount: the scheme's answer for the number of mappings (its own definition; see javadoc of each scheme). */
    long mapcount(long folio, long headPfn, int order);

    /** Mapcount of one page (page_mapcount), or -1 when the scheme does not know it. */
    long pageMapcount(long folio, long headPfn, int order, int page);

    /** Is the folio (maybe) mapped by more than one mm: folio_likely_mapped_shared / folio_maybe_mapped_shared. */
    boolean mappedShared(long folio, long headPfn, int order);

    /** Is the folio partially mapped (some pages of it not mapped at all): folio_test_partially_mapped's question. */
    boolean partiallyMapped(long folio, long headPfn, int order);

    /** Is the folio mapped at all (folio_mapped). */
    boolean mapped(long folio, long headPfn, int order);
}

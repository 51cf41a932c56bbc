package dev.memu.mm;

/**
 * An rmap event the fixed {@link dev.memu.mm.mapcount.MapcountScheme} contract lacks: a write
 * fault found an anon page that is no longer shared (wp_can_reuse_anon_folio: an order-0 folio
 * whose only reference is this mapping), reused it in place, moved the folio to the writer's
 * anon_vma (folio_move_anon_rmap) and set PageAnonExclusive on the page again. A scheme that keeps
 * its own PageAnonExclusive copy implements this interface too; the mm layer calls it on every
 * attached scheme that does.
 */
public interface AnonExclusiveListener {

    /** Pages {@code [page, page + nr)} of the folio are PageAnonExclusive again (SetPageAnonExclusive). */
    void markExclusive(long folio, long headPfn, int order, int page, int nr);
}

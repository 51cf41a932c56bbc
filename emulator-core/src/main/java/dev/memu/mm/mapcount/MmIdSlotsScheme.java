package dev.memu.mm.mapcount;

import dev.memu.layout.Layout;
import dev.memu.memdesc.MemdescHeap;

/**
 * What the two CONFIG_MM_ID schemes ({@link NoPageMapcount}, {@link MappedPagesMapcount}) do the
 * same way: folio-only state (so every layout), PTE (un)mapping through the {@link MmIdSlots}
 * batch calls, {@code folio_mapcount} from {@code _large_mapcount} and
 * {@code folio_maybe_mapped_shared} from the shared bit. They differ in what a PMD mapping adds
 * ({@code _entire_mapcount} or pages to {@code _total_mapped_pages}) and in the per-page answers,
 * which stay in the subclasses.
 *
 * <p>PageAnonExclusive is not modelled by either, so {@link #markShared} only checks its range.
 */
abstract sealed class MmIdSlotsScheme implements MapcountScheme permits NoPageMapcount, MappedPagesMapcount {

    final FolioFields f;
    final MmIdSlots slots;
    private final long largeMapcount;

    MmIdSlotsScheme(final MemdescHeap heap, final long largeMapcount, final long mmIdMapcount, final long mmIds,
                    final long totalMappedPages) {
        this.f = new FolioFields(heap);
        this.slots = new MmIdSlots(f, largeMapcount, mmIdMapcount, mmIds, totalMappedPages);
        this.largeMapcount = largeMapcount;
    }

    @Override
    public final boolean supports(final Layout layout) {
        return true;
    }

    @Override
    public final int pageBytes() {
        return 0;
    }

    @Override
    public final void addPtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                              final int mmId, final long vmaId, final long ptPfn, final boolean exclusive) {
        EventChecks.pages(order, page, nr);
        slots.addPtes(folio, order, nr, mmId);
    }

    @Override
    public final void removePtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                                 final int mmId, final long vmaId, final long ptPfn) {
        EventChecks.pages(order, page, nr);
        slots.removePtes(folio, order, nr, mmId);
    }

    @Override
    public final void markShared(final long folio, final long headPfn, final int order, final int page,
                                 final int nr) {
        EventChecks.pages(order, page, nr);
    }

    /** folio_mapcount: {@code _large_mapcount + 1} (order 0: this scheme's stand-in for _mapcount). */
    @Override
    public final long mapcount(final long folio, final long headPfn, final int order) {
        return f.getInt(folio, largeMapcount) + 1L;
    }

    /** folio_maybe_mapped_shared (6.15). */
    @Override
    public final boolean mappedShared(final long folio, final long headPfn, final int order) {
        if (order == 0) {
            return mapcount(folio, headPfn, order) > 1;
        }
        return slots.maybeMappedShared(folio);
    }

    @Override
    public final boolean mapped(final long folio, final long headPfn, final int order) {
        return mapcount(folio, headPfn, order) >= 1;
    }
}

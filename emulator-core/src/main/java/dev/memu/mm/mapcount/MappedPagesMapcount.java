package dev.memu.mm.mapcount;

import dev.memu.memdesc.MemdescHeap;

import static dev.memu.memdesc.FolioDesc.MP_LARGE_MAPCOUNT;
import static dev.memu.memdesc.FolioDesc.MP_MM_IDS;
import static dev.memu.memdesc.FolioDesc.MP_MM_ID_MAPCOUNT;
import static dev.memu.memdesc.FolioDesc.MP_TOTAL_MAPPED_PAGES;

/**
 * {@code mapped-pages}: Hildenbrand's RFC "mm/rmap: support arbitrary folio mappings" (13 patches,
 * 2026-04-12, for the LSF/MM/BPF topic "Towards removing CONFIG_PAGE_MAPCOUNT"), as of patch 13/13:
 * no per-page mapcounts and no entire mapcount; a folio keeps {@code _large_mapcount} (mappings:
 * one per PTE, one per PMD), {@code _total_mapped_pages} (pages mapped, summed over all mappings:
 * a PMD adds 512) and the two mm-id slots with the "maybe mapped shared" bit of CONFIG_MM_ID
 * ({@link MmIdSlots}), all updated under the large-mapcount bit lock
 * (folio_add_return_large_mapcount with {@code nr_mappings, nr_pages}).
 *
 * <h2>State (folio memdesc only: runs on every layout)</h2>
 * <pre>
 * _large_mapcount        FolioDesc.MP_LARGE_MAPCOUNT       (order 0: the folio's _mapcount)
 * _mm_id_mapcount[2]     FolioDesc.MP_MM_ID_MAPCOUNT
 * _mm_ids                FolioDesc.MP_MM_IDS
 * _total_mapped_pages    FolioDesc.MP_TOTAL_MAPPED_PAGES
 * </pre>
 *
 * <h2>Answers</h2>
 * {@link #mapcount} exact. {@link #pageMapcount}: folio_average_page_mapcount of the RFC,
 * (total mapped pages + half a folio) &gt;&gt; order, at least 1 when mapped: the value Pss and
 * /proc/kpagecount use. {@link #mappedShared}: folio_maybe_mapped_shared, which also gives Uss
 * and PM_MMAP_EXCLUSIVE in the RFC. {@link #partiallyMapped}: __folio_certainly_partially_mapped,
 * {@code 0 < total mapped pages < nr_pages}: like no-page-mapcount, it misses partial mappings
 * that several mms together cover more than once.
 *
 * <h2>Departures</h2>
 * As in {@link NoPageMapcount}: PageAnonExclusive not modelled; order-0 folios use this scheme's
 * own slot. The RFC also tracks PMD statistics from the two counters; memu does not need them.
 */
public final class MappedPagesMapcount extends MmIdSlotsScheme {

    public MappedPagesMapcount(final MemdescHeap heap) {
        super(heap, MP_LARGE_MAPCOUNT, MP_MM_ID_MAPCOUNT, MP_MM_IDS, MP_TOTAL_MAPPED_PAGES);
    }

    @Override
    public String name() {
        return "mapped-pages";
    }

    @Override
    public int folioBytes() {
        return 28;   // _large_mapcount, _mm_id_mapcount[2], _mm_ids, _total_mapped_pages
    }

    @Override
    public void folioCreated(final long folio, final long headPfn, final int order) {
        slots.created(folio, order);
    }

    @Override
    public void folioFreed(final long folio, final long headPfn, final int order) {
        if (!slots.unmapped(folio, order)) {
            throw EventChecks.stillMapped(name(), headPfn, "mapcount " + mapcount(folio, headPfn, order));
        }
    }

    @Override
    public void addPmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId,
                       final boolean exclusive) {
        EventChecks.pmd(order);
        EventChecks.mm(mmId);
        slots.addReturn(folio, 1, 1 << order, mmId);
    }

    @Override
    public void removePmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId) {
        EventChecks.pmd(order);
        EventChecks.mm(mmId);
        slots.subReturn(folio, 1, 1 << order, mmId);
    }

    /** folio_total_mapped_pages: for an order-0 folio, its mapcount. */
    public long totalMappedPages(final long folio, final long headPfn, final int order) {
        return order == 0 ? mapcount(folio, headPfn, order) : slots.totalMappedPages(folio);
    }

    /** folio_average_page_mapcount of the RFC (fs/proc/internal.h): the same for every page. */
    @Override
    public long pageMapcount(final long folio, final long headPfn, final int order, final int page) {
        EventChecks.pages(order, page, 1);
        final long total = totalMappedPages(folio, headPfn, order);
        if (total == 0 || order == 0) {
            return total;
        }
        return Math.max((total + (1L << (order - 1))) >> order, 1);
    }

    @Override
    public boolean partiallyMapped(final long folio, final long headPfn, final int order) {
        if (order == 0) {
            return false;
        }
        final long total = slots.totalMappedPages(folio);
        return total > 0 && total < (1L << order);
    }
}

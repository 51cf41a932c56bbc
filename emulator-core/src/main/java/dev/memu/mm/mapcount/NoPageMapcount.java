package dev.memu.mm.mapcount;

import dev.memu.memdesc.MemdescHeap;

import static dev.memu.memdesc.FolioDesc.NPM_ENTIRE_MAPCOUNT;
import static dev.memu.memdesc.FolioDesc.NPM_LARGE_MAPCOUNT;
import static dev.memu.memdesc.FolioDesc.NPM_MM_IDS;
import static dev.memu.memdesc.FolioDesc.NPM_MM_ID_MAPCOUNT;

/**
 * {@code no-page-mapcount}: CONFIG_NO_PAGE_MAPCOUNT with CONFIG_MM_ID as in Linux 6.15
 * (Hildenbrand, "mm: MM owner tracking for large folios (!hugetlb) + CONFIG_NO_PAGE_MAPCOUNT",
 * v3 2025-03-03, merged for 6.15): large folios keep no per-page mapcounts, only
 * {@code _large_mapcount} (all mappings: each PTE and each PMD counts one), {@code _entire_mapcount}
 * (PMD mappings) and two slots of (mm id, per-mm mapcount) with a "maybe mapped shared" bit
 * ({@link MmIdSlots}). Updates follow mm/rmap.c {@code __folio_add_rmap} / {@code __folio_remove_rmap}
 * (6.15, the IS_ENABLED(CONFIG_NO_PAGE_MAPCOUNT) branches); queries follow include/linux/mm.h
 * {@code folio_mapcount}, {@code folio_maybe_mapped_shared}, fs/proc/internal.h
 * {@code folio_average_page_mapcount} and mm/rmap.c {@code __folio_certainly_partially_mapped}.
 *
 * <h2>State (folio memdesc only: runs on every layout)</h2>
 * <pre>
 * _large_mapcount        FolioDesc.NPM_LARGE_MAPCOUNT  (order 0: the folio's _mapcount)
 * _entire_mapcount       FolioDesc.NPM_ENTIRE_MAPCOUNT
 * _mm_id_mapcount[2]     FolioDesc.NPM_MM_ID_MAPCOUNT
 * _mm_ids                FolioDesc.NPM_MM_IDS          (mm ids, lock bit, shared bit; see MmIdSlots)
 * </pre>
 *
 * <h2>What it answers, and where it is wrong (as published)</h2>
 * {@link #mapcount} is exact. {@link #mappedShared} is exact while at most two mms map the folio at
 * a time; once a third mm mapped it while both slots were taken, it can say "shared" after the
 * folio went back to one mm (false positive, never a false negative). {@link #partiallyMapped} is
 * "average per-page mapcount below 1": exact for a folio mapped by one mm, but it misses partial
 * mappings when several mms are involved, e.g. after fork parent and child each unmap up to half
 * of a THP (mapcount >= nr_pages, average >= 1). {@link #pageMapcount} returns the folio's average
 * per-page mapcount for every page of a large folio, as /proc/kpagecount and smaps do with this
 * config (folio_average_page_mapcount), never -1.
 *
 * <h2>Departures</h2>
 * PageAnonExclusive stays per page in Linux with this config; memu does not model it here (it
 * answers none of the queries), so {@link #markShared} and the {@code exclusive} flag of the add
 * events are ignored. Order-0 folios keep their mapcount in this scheme's own slot instead of
 * folio->_mapcount, so that several schemes can follow the same folios.
 */
public final class NoPageMapcount extends MmIdSlotsScheme {

    public NoPageMapcount(final MemdescHeap heap) {
        super(heap, NPM_LARGE_MAPCOUNT, NPM_MM_ID_MAPCOUNT, NPM_MM_IDS, -1);
    }

    @Override
    public String name() {
        return "no-page-mapcount";
    }

    @Override
    public int folioBytes() {
        return 24;   // _large_mapcount, _entire_mapcount, _mm_id_mapcount[2], _mm_ids
    }

    @Override
    public void folioCreated(final long folio, final long headPfn, final int order) {
        slots.created(folio, order);
        if (order > 0) {
            f.setInt(folio, NPM_ENTIRE_MAPCOUNT, -1);
        }
    }

    @Override
    public void folioFreed(final long folio, final long headPfn, final int order) {
        if (!slots.unmapped(folio, order) || order > 0 && f.getInt(folio, NPM_ENTIRE_MAPCOUNT) != -1) {
            throw EventChecks.stillMapped(name(), headPfn, "mapcount " + mapcount(folio, headPfn, order));
        }
    }

    @Override
    public void addPmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId,
                       final boolean exclusive) {
        EventChecks.pmd(order);
        EventChecks.mm(mmId);
        f.getAndAddInt(folio, NPM_ENTIRE_MAPCOUNT, 1);
        slots.addReturn(folio, 1, 1 << order, mmId);
    }

    @Override
    public void removePmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId) {
        EventChecks.pmd(order);
        EventChecks.mm(mmId);
        slots.subReturn(folio, 1, 1 << order, mmId);
        f.getAndAddInt(folio, NPM_ENTIRE_MAPCOUNT, -1);
    }

    /** folio_average_page_mapcount (6.15): the same value for every page of a large folio. */
    @Override
    public long pageMapcount(final long folio, final long headPfn, final int order, final int page) {
        EventChecks.pages(order, page, 1);
        long mapcount = mapcount(folio, headPfn, order);
        if (order == 0) {
            return mapcount;
        }
        if (mapcount <= 0) {
            return 0;
        }
        final long entire = f.getInt(folio, NPM_ENTIRE_MAPCOUNT) + 1L;
        if (mapcount <= entire) {
            return entire;
        }
        mapcount -= entire;
        // Round to the closest integer, but return at least 1.
        final long avg = (mapcount + (1L << order) / 2) >> order;
        return Math.max(avg + entire, 1);
    }

    /** __folio_certainly_partially_mapped (6.15): average per-page mapcount below 1, no PMD mapping. */
    @Override
    public boolean partiallyMapped(final long folio, final long headPfn, final int order) {
        if (order == 0) {
            return false;
        }
        final long mapcount = mapcount(folio, headPfn, order);
        return mapcount > 0 && f.getInt(folio, NPM_ENTIRE_MAPCOUNT) + 1 == 0 && mapcount < (1L << order);
    }

    /** The mm id tracked in slot {@code idx} (0 or 1), 0 when free: for tests and diagnostics. */
    public int trackedMm(final long folio, final int idx) {
        return slots.slotMmId(folio, idx);
    }

    /** Mappings counted for the mm in slot {@code idx}. */
    public int trackedMapcount(final long folio, final int idx) {
        return slots.slotMapcount(folio, idx);
    }
}

package dev.memu.mm.mapcount;

import dev.memu.layout.Layout;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.MemdescHeap;

import static dev.memu.memdesc.FolioDesc.PM_ENTIRE_MAPCOUNT;
import static dev.memu.memdesc.FolioDesc.PM_LARGE_MAPCOUNT;
import static dev.memu.memdesc.FolioDesc.PM_NR_PAGES_MAPPED;

/**
 * {@code page-mapcount}: CONFIG_PAGE_MAPCOUNT as in Linux 6.12 (the same in 6.10-6.14): a
 * {@code _mapcount} in every page, and for large folios {@code _large_mapcount} (the sum of all
 * mappings, added in 6.10 by "mm: track mapcount of large folios in single value"),
 * {@code _entire_mapcount} (PMD mappings) and {@code _nr_pages_mapped} (pages mapped by at least
 * one PTE, plus ENTIRELY_MAPPED while a PMD maps the folio); PageAnonExclusive per page.
 * The rmap updates follow mm/rmap.c {@code __folio_add_rmap} / {@code __folio_remove_rmap}
 * (6.12) and {@code __folio_add_anon_rmap} for PageAnonExclusive; the queries follow
 * include/linux/mm.h {@code folio_mapcount}, {@code page_mapcount} and
 * {@code folio_likely_mapped_shared} (6.10-6.14).
 *
 * <h2>State</h2>
 * <pre>
 * memmap, every page:  _mapcount (int, mappings - 1)  linux64 +48 (union with page_type), memdesc32 +16
 *                      PG_anon_exclusive (1 bit)      linux64 flags bit 11 (PG_owner_2), memdesc32 flags bit 18
 * folio memdesc:       _large_mapcount   FolioDesc.PM_LARGE_MAPCOUNT   (large folios only)
 *                      _entire_mapcount  FolioDesc.PM_ENTIRE_MAPCOUNT
 *                      _nr_pages_mapped  FolioDesc.PM_NR_PAGES_MAPPED
 * </pre>
 * An order-0 folio has only its page's {@code _mapcount} (Linux's folio->_mapcount is page[0]'s).
 * Linux keeps the three folio counters in page[1] of the folio; memu keeps them in the folio
 * memdesc, where the memdesc plan would move them.
 *
 * <h2>What it answers, and where it is wrong</h2>
 * {@link #mapcount} and {@link #partiallyMapped} are exact. {@link #mappedShared} is
 * folio_likely_mapped_shared: "mapped shared" when a page is mapped more than once in total or the
 * folio is PMD-mapped besides other mappings; otherwise a guess from the first page's
 * {@code _mapcount}, which is wrong when another mm maps only other pages of the folio (false
 * negative) or when one mm maps page 0 twice through two VMAs (false positive; not reachable for
 * anon memory). Linux 6.9 had only the guess ({@code page_mapcount(first page) > 1}, from "mm:
 * convert folio_estimated_sharers() to folio_likely_mapped_shared()", Hildenbrand, Feb 2024);
 * {@link SharedHeuristic} selects it; the default (and the registry's) is the 6.10-6.14 version.
 *
 * <p>The per-page words belong to the memmap, so one memmap carries one page-mapcount instance
 * (the other schemes have their own slots and can run beside it).
 *
 * <h2>Departures</h2>
 * Linux's memmap starts with every {@code _mapcount} at -1 (init_single_page) and resets it on
 * free; memu's memmap starts zeroed, so {@link #folioCreated} writes -1 into every page and clears
 * PageAnonExclusive (2^order lines, charged to folio creation, not to the rmap events). The new-
 * folio path (folio_add_new_anon_rmap, which sets the counters with atomic_set) is reported as a
 * plain {@link #addPtes}, so it costs atomic adds where Linux has plain stores.
 */
public final class PageMapcount implements MapcountScheme {

    /** Which folio_likely_mapped_shared answers {@link #mappedShared}. */
    public enum SharedHeuristic {
        /** 6.9: {@code page_mapcount(folio_page(folio, 0)) > 1}, the first page alone. */
        V6_9_FIRST_PAGE,
        /** 6.10-6.14: exclusive at one mapping, shared if PMD-mapped besides or some page is mapped twice, else the first page's guess. */
        V6_10_TO_6_14
    }

    /** mm/internal.h ENTIRELY_MAPPED: added to _nr_pages_mapped while the folio is PMD-mapped. */
    static final int ENTIRELY_MAPPED = 0x800000;
    static final int FOLIO_PAGES_MAPPED = ENTIRELY_MAPPED - 1;

    private final Memmap memmap;
    private final FolioFields f;
    private final SharedHeuristic heuristic;

    public PageMapcount(final Memmap memmap, final MemdescHeap heap) {
        this(memmap, heap, SharedHeuristic.V6_10_TO_6_14);
    }

    public PageMapcount(final Memmap memmap, final MemdescHeap heap, final SharedHeuristic heuristic) {
        if (!memmap.hasPageMapcount()) {
            throw new IllegalArgumentException("page-mapcount needs a per-page _mapcount; layout "
                    + memmap.layout().name() + " has none");
        }
        this.memmap = memmap;
        this.f = new FolioFields(heap);
        this.heuristic = heuristic;
    }

    @Override
    public String name() {
        return "page-mapcount";
    }

    @Override
    public boolean supports(final Layout layout) {
        return layout.hasPageMapcount();
    }

    @Override
    public int folioBytes() {
        return 12;
    }

    @Override
    public int pageBytes() {
        return 4;
    }

    @Override
    public void folioCreated(final long folio, final long headPfn, final int order) {
        final long pages = 1L << order;
        for (long i = 0; i < pages; i++) {
            memmap.setPageMapcount(headPfn + i, -1);
            memmap.setPageAnonExclusive(headPfn + i, false);
        }
        if (order > 0) {
            // prep_compound_head
            f.setInt(folio, PM_LARGE_MAPCOUNT, -1);
            f.setInt(folio, PM_ENTIRE_MAPCOUNT, -1);
            f.setInt(folio, PM_NR_PAGES_MAPPED, 0);
        }
    }

    @Override
    public void folioFreed(final long folio, final long headPfn, final int order) {
        if (order == 0) {
            if (memmap.pageMapcount(headPfn) != -1) {
                throw EventChecks.stillMapped(name(), headPfn, "_mapcount " + memmap.pageMapcount(headPfn));
            }
            return;
        }
        // free_tail_page_prepare's checks
        if (f.getInt(folio, PM_LARGE_MAPCOUNT) != -1 || f.getInt(folio, PM_ENTIRE_MAPCOUNT) != -1
                || f.getInt(folio, PM_NR_PAGES_MAPPED) != 0) {
            throw EventChecks.stillMapped(name(), headPfn, "large_mapcount " + f.getInt(folio, PM_LARGE_MAPCOUNT));
        }
    }

    @Override
    public void addPtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                        final int mmId, final long vmaId, final long ptPfn, final boolean exclusive) {
        EventChecks.pages(order, page, nr);
        final long first = headPfn + page;
        if (order == 0) {
            memmap.addPageMapcount(first, 1);
        } else {
            int newlyMapped = 0;
            for (int i = 0; i < nr; i++) {
                if (memmap.addPageMapcount(first + i, 1) == -1) {   // atomic_inc_and_test
                    newlyMapped++;
                }
            }
            if (newlyMapped > 0) {
                f.getAndAddInt(folio, PM_NR_PAGES_MAPPED, newlyMapped);
            }
            f.getAndAddInt(folio, PM_LARGE_MAPCOUNT, nr);             // folio_add_large_mapcount
        }
        if (exclusive) {
            // __folio_add_anon_rmap with RMAP_EXCLUSIVE: every PTE-mapped page
            for (int i = 0; i < nr; i++) {
                memmap.setPageAnonExclusive(first + i, true);
            }
        }
    }

    @Override
    public void removePtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                           final int mmId, final long vmaId, final long ptPfn) {
        EventChecks.pages(order, page, nr);
        final long first = headPfn + page;
        if (order == 0) {
            memmap.addPageMapcount(first, -1);
            return;
        }
        int newlyUnmapped = 0;
        for (int i = 0; i < nr; i++) {
            if (memmap.addPageMapcount(first + i, -1) == 0) {      // atomic_add_negative(-1)
                newlyUnmapped++;
            }
        }
        if (newlyUnmapped > 0) {
            f.getAndAddInt(folio, PM_NR_PAGES_MAPPED, -newlyUnmapped);
        }
        f.getAndAddInt(folio, PM_LARGE_MAPCOUNT, -nr);
    }

    @Override
    public void addPmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId,
                       final boolean exclusive) {
        EventChecks.pmd(order);
        if (f.getAndAddInt(folio, PM_ENTIRE_MAPCOUNT, 1) == -1) {
            f.getAndAddInt(folio, PM_NR_PAGES_MAPPED, ENTIRELY_MAPPED);
        }
        f.getAndAddInt(folio, PM_LARGE_MAPCOUNT, 1);
        if (exclusive) {
            // A PMD mapping marks the head page only.
            memmap.setPageAnonExclusive(headPfn, true);
        }
    }

    @Override
    public void removePmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId) {
        EventChecks.pmd(order);
        if (f.getAndAddInt(folio, PM_ENTIRE_MAPCOUNT, -1) == 0) {
            f.getAndAddInt(folio, PM_NR_PAGES_MAPPED, -ENTIRELY_MAPPED);
        }
        f.getAndAddInt(folio, PM_LARGE_MAPCOUNT, -1);
    }

    @Override
    public void markShared(final long folio, final long headPfn, final int order, final int page, final int nr) {
        EventChecks.pages(order, page, nr);
        for (int i = 0; i < nr; i++) {
            if (memmap.pageAnonExclusive(headPfn + page + i)) {
                memmap.setPageAnonExclusive(headPfn + page + i, false);
            }
        }
    }

    @Override
    public long mapcount(final long folio, final long headPfn, final int order) {
        if (order == 0) {
            return memmap.pageMapcount(headPfn) + 1L;
        }
        return f.getInt(folio, PM_LARGE_MAPCOUNT) + 1L;
    }

    /** page_mapcount (6.12): the page's own mappings plus the folio's PMD mappings. */
    @Override
    public long pageMapcount(final long folio, final long headPfn, final int order, final int page) {
        EventChecks.pages(order, page, 1);
        final long own = memmap.pageMapcount(headPfn + page) + 1L;
        return order == 0 ? own : own + f.getInt(folio, PM_ENTIRE_MAPCOUNT) + 1L;
    }

    /** folio_likely_mapped_shared, of the revision chosen at construction. */
    @Override
    public boolean mappedShared(final long folio, final long headPfn, final int order) {
        if (heuristic == SharedHeuristic.V6_9_FIRST_PAGE) {
            return pageMapcount(folio, headPfn, order, 0) > 1;
        }
        final long mapcount = mapcount(folio, headPfn, order);
        if (order == 0) {
            return mapcount > 1;
        }
        // A single mapping implies "mapped exclusively".
        if (mapcount <= 1) {
            return false;
        }
        // If any page is mapped more than once we treat it "mapped shared".
        if (f.getInt(folio, PM_ENTIRE_MAPCOUNT) + 1 > 0 || mapcount > (1L << order)) {
            return true;
        }
        // Let's guess based on the first subpage.
        return memmap.pageMapcount(headPfn) > 0;
    }

    /** Exact: no PMD mapping and some, but not all, pages mapped by PTE (_nr_pages_mapped). */
    @Override
    public boolean partiallyMapped(final long folio, final long headPfn, final int order) {
        if (order == 0) {
            return false;
        }
        final int mapped = f.getInt(folio, PM_NR_PAGES_MAPPED);
        if (mapped >= ENTIRELY_MAPPED) {
            return false;
        }
        final int ptePages = mapped & FOLIO_PAGES_MAPPED;
        return ptePages > 0 && ptePages < (1L << order);
    }

    @Override
    public boolean mapped(final long folio, final long headPfn, final int order) {
        return mapcount(folio, headPfn, order) >= 1;
    }

    /** PageAnonExclusive of one page of the folio. */
    public boolean pageAnonExclusive(final long headPfn, final int order, final int page) {
        EventChecks.pages(order, page, 1);
        return memmap.pageAnonExclusive(headPfn + page);
    }

    /** _nr_pages_mapped & FOLIO_PAGES_MAPPED: pages mapped by at least one PTE (large folios). */
    public int ptePagesMapped(final long folio) {
        return f.getInt(folio, PM_NR_PAGES_MAPPED) & FOLIO_PAGES_MAPPED;
    }
}

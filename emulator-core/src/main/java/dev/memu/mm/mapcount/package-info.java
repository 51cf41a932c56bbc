/**
 * Mapcount schemes: how a folio records how it is mapped, one class per scheme under debate
 * (ANCHORS.md, "Mapcount of large folios"), all behind the {@link dev.memu.mm.mapcount.MapcountScheme}
 * contract the mm layer drives with batched rmap events, and scored against the exact answers of a
 * page-table walk ({@link dev.memu.mm.mapcount.ScoredScheme}, {@link dev.memu.mm.mapcount.Accuracy}).
 *
 * <pre>
 * scheme            follows                                             folio B  page B  layouts       wrong by design
 * page-mapcount     Linux 6.12 CONFIG_PAGE_MAPCOUNT (6.10-6.14)            12      4     linux64,      mappedShared (first-page guess)
 *                   __folio_add_rmap, folio_likely_mapped_shared                          memdesc32
 * no-page-mapcount  Linux 6.15 CONFIG_NO_PAGE_MAPCOUNT + CONFIG_MM_ID      24      0     all           partiallyMapped with several mms;
 *                   folio_add_return_large_mapcount, mm-id slots                                        shared after a third mm
 * vma-pt-tuples     Wilcox, linux-mm 2023-01-24                              8      0     all           mapcount = tuples; partial flag
 * troll             Wilcox, linux-mm 2022 ("Zero, One, Two, Many")           8      0     all           mapcount = VMAs; Many walks the rmap
 * mapped-pages      Hildenbrand RFC 2026-04-12, patch 13/13                 28      0     all           as no-page-mapcount, + total pages
 * exact             the page tables (built by the mm layer)                  0      0     all           never
 * </pre>
 *
 * State lives where a kernel would keep it: per-page fields in the memmap (through the memmap's
 * Access, region MEMMAP; only linux64 and memdesc32 have a {@code _mapcount} word), folio fields in
 * the folio memdesc ({@link dev.memu.memdesc.FolioDesc}, region MEMDESC), so the counting access
 * layer charges each event its lines. Where the kernel uses an atomic, so does the scheme
 * (getAndAdd for atomic_add / atomic_inc_and_test, getAndBitwiseOr for the mm-id bit spinlock,
 * compareAndSet for troll's state word).
 *
 * <p>vma-pt-tuples and troll need two answers only the page tables have: whether a page table or
 * VMA still maps other pages of the folio ({@link dev.memu.mm.mapcount.MappingProbe}) and, for
 * troll's Many, a full rmap walk ({@link dev.memu.mm.mapcount.RmapWalker}); the mm layer provides
 * both and counts their cost as part of the event or query that asked.
 */
package dev.memu.mm.mapcount;

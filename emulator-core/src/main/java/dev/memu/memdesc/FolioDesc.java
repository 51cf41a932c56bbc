package dev.memu.memdesc;

/**
 * {@code struct folio} as its own descriptor, for file (page cache) and anonymous memory.
 *
 * <pre>
 * off size field        meaning
 *   0   8  flags        misc word, see {@link MemdescHeader} (PG_dirty, PG_uptodate, PG_lru...)
 *   8   8  pfn          first pfn of the folio
 *  16   8  lru.next     LRU list (reclaim); 0 when off-list
 *  24   8  lru.prev
 *  32   8  mapping      file: address_space; anon: anon_vma | PAGE_MAPPING_ANON (bit 0)
 *  40   8  index        file: page offset in the file; anon: linear page index
 *  48   8  private      buffer heads / swap entry
 *  56   8  memcg_data   memory cgroup
 *  64   4  _mapcount    page-table mappings - 1
 *  68   4  _refcount    references
 *  72   4  _pincount    pin_user_pages pins
 *  76   1  order        folio_order()
 *  77   3  (pad)
 *  80   8  nr_pages     folio_nr_pages() = 1 &lt;&lt; order
 *
 * mapcount schemes (dev.memu.mm.mapcount), one slot each so that several can follow the same
 * folio side by side; each scheme's class documents its fields and cites the kernel's:
 *  88   4  pm._large_mapcount      page-mapcount: all mappings - 1 (Linux 6.10+ folio->_large_mapcount)
 *  92   4  pm._entire_mapcount     page-mapcount: PMD mappings - 1
 *  96   4  pm._nr_pages_mapped     page-mapcount: pages mapped by PTE, + ENTIRELY_MAPPED while PMD-mapped
 * 100   4  npm._large_mapcount     no-page-mapcount: mappings - 1 (order 0: the folio's _mapcount)
 * 104   4  npm._entire_mapcount    no-page-mapcount: PMD mappings - 1
 * 108   4  npm._mm_id_mapcount[0]  no-page-mapcount: mappings by the mm in slot 0, - 1
 * 112   4  npm._mm_id_mapcount[1]  no-page-mapcount: mappings by the mm in slot 1, - 1
 * 116   4  (pad)
 * 120   8  npm._mm_ids             no-page-mapcount: mm_id[0] bits 0..30, lock bit 31, mm_id[1] bits 32..62,
 *                                  "maybe mapped shared" bit 63 (FOLIO_MM_IDS_*_BITNUM, 64-bit)
 * 128   4  mp._large_mapcount      mapped-pages: mappings - 1 (a PMD is one mapping)
 * 132   4  mp._mm_id_mapcount[0]
 * 136   4  mp._mm_id_mapcount[1]
 * 140   4  vpt._mapcount           vma-pt-tuples: (vma, page table) tuples mapping the folio - 1
 * 144   8  mp._mm_ids              mapped-pages: as npm._mm_ids
 * 152   8  mp._total_mapped_pages  mapped-pages: pages mapped summed over all mappings
 * 160   8  troll.state             troll: bits 0..1 Zero/One/Two/Many, bit 2 partially mapped,
 *                                  bits 4..33 mm id of mapping 1, bits 34..63 mm id of mapping 2
 * 168   4  vpt.flags               vma-pt-tuples: bit 0 "partially mapped" (sticky until unmapped)
 * size 172, heap class 192 with the slots ({@link #BYTES_WITH_MAPCOUNT_SLOTS}); 88 / 96 without ({@link #BYTES})
 *
 * Class-192 objects start 64-byte aligned, so bytes 64..127 and 128..191 are one cacheline each:
 * page-mapcount and no-page-mapcount live in the first, mapped-pages, vma-pt-tuples and troll in
 * the second; each scheme's folio state is one line.
 * </pre>
 *
 * A kernel would keep one scheme's fields (12 to 28 bytes, each scheme's {@code folioBytes()});
 * memu keeps all of them so that every scheme can run on the same folios at once. Only the mm
 * layer's runs ({@code memu rmap}) allocate folios that large ({@link #BYTES_WITH_MAPCOUNT_SLOTS},
 * {@link Memdescs#withMapcountSlots}); every other run allocates {@link #BYTES}, struct folio
 * without the slots, so that its bytes per page are not charged for schemes it does not run.
 * The per-scheme figure is what {@code folioBytes()} reports.
 */
public final class FolioDesc {

    public static final long FLAGS = MemdescHeader.MISC;
    public static final long PFN = MemdescHeader.PFN;
    public static final long LRU_NEXT = 16;
    public static final long LRU_PREV = 24;
    public static final long MAPPING = 32;
    public static final long INDEX = 40;
    public static final long PRIVATE = 48;
    public static final long MEMCG_DATA = 56;
    public static final long MAPCOUNT = 64;
    public static final long REFCOUNT = 68;
    public static final long PINCOUNT = 72;
    public static final long ORDER = 76;
    public static final long NR_PAGES = 80;
    public static final long PM_LARGE_MAPCOUNT = 88;
    public static final long PM_ENTIRE_MAPCOUNT = 92;
    public static final long PM_NR_PAGES_MAPPED = 96;
    public static final long NPM_LARGE_MAPCOUNT = 100;
    public static final long NPM_ENTIRE_MAPCOUNT = 104;
    public static final long NPM_MM_ID_MAPCOUNT = 108;   // [0] at +0, [1] at +4
    public static final long NPM_MM_IDS = 120;
    public static final long MP_LARGE_MAPCOUNT = 128;
    public static final long MP_MM_ID_MAPCOUNT = 132;    // [0] at +0, [1] at +4
    public static final long VPT_MAPCOUNT = 140;
    public static final long MP_MM_IDS = 144;
    public static final long MP_TOTAL_MAPPED_PAGES = 152;
    public static final long TROLL_STATE = 160;
    public static final long VPT_FLAGS = 168;
    /** struct folio without the mapcount slots: what kernel-mix and the failure/migration runs allocate. */
    public static final int BYTES = 88;
    /** With every scheme's slot (offsets 88..171): what the mm layer allocates. */
    public static final int BYTES_WITH_MAPCOUNT_SLOTS = 172;

    /** Linux's PAGE_MAPPING_ANON: bit 0 of mapping says "anon_vma, not address_space". */
    public static final long PAGE_MAPPING_ANON = 1;

    private FolioDesc() {
    }
}

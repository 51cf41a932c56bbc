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
 * size 88, heap class 96
 * </pre>
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
    public static final int BYTES = 88;

    /** Linux's PAGE_MAPPING_ANON: bit 0 of mapping says "anon_vma, not address_space". */
    public static final long PAGE_MAPPING_ANON = 1;

    private FolioDesc() {
    }
}

package dev.memu.layout;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.machine.Machine;

import java.util.List;

/**
 * Today's 64-byte {@code struct page} (x86-64, CONFIG_MEMCG, as of Linux 6.12).
 *
 * <pre>
 * off  bits    field              use in memu
 *   0  0..7    flags (PG_*)       PG_head = bit 6; on page[1] of a compound: folio order (_flags_1 & 0xff)
 *   0  11      flags: PG_anon_exclusive  = PG_owner_2 (6.12 page-flags.h); set per page by the page-mapcount scheme
 *   0  8..50   flags (PG_*)       other page flags, LAST_CPUPID, KASAN tag (not modelled)
 *   0  51..53  flags: zone        zone (ZONE_NORMAL = 2): ZONES_PGSHIFT = NODES_PGSHIFT - ZONES_WIDTH
 *   0  54..63  flags: node        NUMA node (0): NODES_PGSHIFT = 64 - NODES_WIDTH
 *   8  0..63   lru.next           free: next free block's pfn << 1 (buddy_list); tail: compound_head = head entry offset | 1
 *  16  0..63   lru.prev           free: previous free block's pfn << 1
 *  24  0..63   mapping            allocatee (tagged pointer; Linux tags mapping's low bits too: PAGE_MAPPING_ANON)
 *  32  0..63   index              page offset in its mapping (not modelled)
 *  40  0..63   private            free: buddy order (set_buddy_order)
 *  48  0..31   _mapcount/page_type free: PGTY_buddy (0xf0) in the top byte; otherwise -1; mapped: mappings - 1
 *                                 (the page-mapcount scheme's per-page count, {@link Memmap#pageMapcount})
 *  52  0..31   _refcount          1 for an allocated head, 0 otherwise
 *  56  0..63   memcg_data         0
 * </pre>
 *
 * The node and zone fields follow {@code include/linux/page-flags-layout.h}: from the top, SECTION
 * (width 0 with SPARSEMEM_VMEMMAP), NODE ({@code CONFIG_NODES_SHIFT} = 10 on x86-64 distribution
 * kernels), ZONE ({@code ZONES_SHIFT} = 3 for {@code MAX_NR_ZONES} = 5: DMA, DMA32, NORMAL,
 * MOVABLE, DEVICE), so node bits sit above zone bits as {@code page_to_nid} and {@code page_zonenum}
 * ({@code include/linux/mm.h}) read them.
 *
 * Free lists are threaded through {@code lru} in the descriptor, as Linux threads buddy_list,
 * so a buddy merge reads and writes the struct pages of the buddy and of its list neighbours.
 * Allocating a compound page writes every tail's {@code compound_head}: 2^order lines, the cost
 * memdescs remove.
 */
public final class Linux64Layout extends Layout {

    static final int ENTRY_BYTES = 64;
    static final long FLAGS = 0;
    static final long LRU_NEXT = 8;        // union with compound_head
    static final long LRU_PREV = 16;
    static final long MAPPING = 24;
    static final long PRIVATE = 40;
    static final long PAGE_TYPE = 48;
    static final long REFCOUNT = 52;

    static final long PG_HEAD = 1L << 6;
    static final long PG_ANON_EXCLUSIVE = 1L << 11;
    static final long FOLIO_ORDER_MASK = 0xff;
    static final int ZONES_PGSHIFT = 51;
    static final int ZONES_WIDTH = 3;
    static final int NODES_PGSHIFT = 54;
    static final int NODES_WIDTH = 10;
    static final long ZONE_NORMAL_BITS = 2L << ZONES_PGSHIFT;
    static final int PGTY_BUDDY = 0xf0;
    static final int NO_PAGE_TYPE = -1;
    static final long TAIL_BIT = 1;

    @Override
    public String name() {
        return "linux64";
    }

    @Override
    public String summary() {
        return "today's struct page: flags, lru, mapping, index, private, mapcount/refcount, memcg_data";
    }

    @Override
    public int bytesPerPage() {
        return ENTRY_BYTES;
    }

    @Override
    public int maxFreeOrder() {
        return 63;
    }

    @Override
    public List<LayoutField> fields() {
        return List.of(
                // One field for bits 0..51 so that every bit of the 64 bytes is in exactly one
                // field; PG_head and page[1]'s folio order are interpretations inside it.
                LayoutField.bits("flags", 0, 0, ZONES_PGSHIFT,
                        "PG_* flags; PG_head = bit 6; PG_anon_exclusive = bit 11; on page[1] (_flags_1): folio order in bits 0..7"),
                LayoutField.bits("flags.zone", 0, ZONES_PGSHIFT, ZONES_WIDTH, "zone (ZONES_PGSHIFT, below the node)"),
                LayoutField.bits("flags.node", 0, NODES_PGSHIFT, NODES_WIDTH, "NUMA node (NODES_PGSHIFT, the top bits)"),
                LayoutField.word("lru.next|compound_head", 8, "free: next free pfn << 1; tail: head | 1"),
                LayoutField.word("lru.prev", 16, "free: previous free pfn << 1"),
                LayoutField.word("mapping", 24, "allocatee tagged pointer"),
                LayoutField.word("index", 32, "offset in mapping"),
                LayoutField.word("private", 40, "free: buddy order"),
                LayoutField.bits("page_type|_mapcount", 48, 0, 32, "free: PGTY_buddy 0xf0 in top byte; mapped: mappings - 1"),
                LayoutField.bits("_refcount", 52, 0, 32, "references; 1 for an allocated head"),
                LayoutField.word("memcg_data", 56, "memory cgroup"));
    }

    @Override
    public boolean hasPageMapcount() {
        return true;
    }

    @Override
    public Memmap bind(final Machine machine, final Access access) {
        return new Map(this, machine, access);
    }

    static final class Map extends PerPageMemmap {

        Map(final Layout layout, final Machine machine, final Access access) {
            super(layout, machine, access);
        }

        private static long at(final long pfn) {
            return pfn * ENTRY_BYTES;
        }

        @Override
        public Region linkRegion() {
            return Region.MEMMAP;
        }

        @Override
        public void setFree(final long pfn, final int order) {
            access.setLong(Region.MEMMAP, memmap, at(pfn) + PRIVATE, order);
            access.setInt(Region.MEMMAP, memmap, at(pfn) + PAGE_TYPE, PGTY_BUDDY << 24);
        }

        @Override
        public void clearFree(final long pfn) {
            access.setInt(Region.MEMMAP, memmap, at(pfn) + PAGE_TYPE, NO_PAGE_TYPE);
            access.setLong(Region.MEMMAP, memmap, at(pfn) + PRIVATE, 0);
        }

        @Override
        public int freeOrder(final long pfn) {
            final int pageType = access.getInt(Region.MEMMAP, memmap, at(pfn) + PAGE_TYPE);
            if ((pageType >>> 24) != PGTY_BUDDY) {
                return -1;
            }
            return (int) access.getLong(Region.MEMMAP, memmap, at(pfn) + PRIVATE);
        }

        // Links are stored shifted left by one so that bit 0 stays clear, as it is in a kernel
        // list pointer: bit 0 of this word set means "tail page" (compound_head). NIL (-1)
        // survives the arithmetic shift back.
        @Override
        public long nextFree(final long pfn) {
            return access.getLong(Region.MEMMAP, memmap, at(pfn) + LRU_NEXT) >> 1;
        }

        @Override
        public void setNextFree(final long pfn, final long next) {
            access.setLong(Region.MEMMAP, memmap, at(pfn) + LRU_NEXT, next << 1);
        }

        @Override
        public long prevFree(final long pfn) {
            return access.getLong(Region.MEMMAP, memmap, at(pfn) + LRU_PREV) >> 1;
        }

        @Override
        public void setPrevFree(final long pfn, final long prev) {
            access.setLong(Region.MEMMAP, memmap, at(pfn) + LRU_PREV, prev << 1);
        }

        @Override
        public void setAllocated(final long pfn, final int order, final long allocatee) {
            final long head = at(pfn);
            // prep_new_page: the head holds the owner and the reference.
            access.setLong(Region.MEMMAP, memmap, head + MAPPING, allocatee);
            access.setInt(Region.MEMMAP, memmap, head + REFCOUNT, 1);
            if (order == 0) {
                access.setLong(Region.MEMMAP, memmap, head + FLAGS, ZONE_NORMAL_BITS);
                return;
            }
            // prep_compound_page: PG_head on the head, order in page[1], compound_head in every tail.
            access.setLong(Region.MEMMAP, memmap, head + FLAGS, ZONE_NORMAL_BITS | PG_HEAD);
            final long tailValue = head | TAIL_BIT;
            final long pages = 1L << order;
            for (long i = 1; i < pages; i++) {
                access.setLong(Region.MEMMAP, memmap, at(pfn + i) + LRU_NEXT, tailValue);
            }
            access.setLong(Region.MEMMAP, memmap, at(pfn + 1) + FLAGS, ZONE_NORMAL_BITS | order);
        }

        @Override
        public void clearAllocated(final long pfn, final int order) {
            final long head = at(pfn);
            access.setLong(Region.MEMMAP, memmap, head + MAPPING, 0);
            access.setInt(Region.MEMMAP, memmap, head + REFCOUNT, 0);
            access.setLong(Region.MEMMAP, memmap, head + FLAGS, ZONE_NORMAL_BITS);
            if (order == 0) {
                return;
            }
            // free_tail_page_prepare: every tail's compound_head is cleared.
            final long pages = 1L << order;
            for (long i = 1; i < pages; i++) {
                access.setLong(Region.MEMMAP, memmap, at(pfn + i) + LRU_NEXT, 0);
            }
            access.setLong(Region.MEMMAP, memmap, at(pfn + 1) + FLAGS, ZONE_NORMAL_BITS);
        }

        @Override
        public int allocatedOrder(final long pfn) {
            final long entry = at(pfn);
            if ((access.getLong(Region.MEMMAP, memmap, entry + LRU_NEXT) & TAIL_BIT) != 0
                    || access.getInt(Region.MEMMAP, memmap, entry + REFCOUNT) == 0) {
                return -1;
            }
            if ((access.getLong(Region.MEMMAP, memmap, entry + FLAGS) & PG_HEAD) == 0) {
                return 0;
            }
            return (int) (access.getLong(Region.MEMMAP, memmap, at(pfn + 1) + FLAGS) & FOLIO_ORDER_MASK);
        }

        @Override
        public long allocatee(final long pfn) {
            final long entry = at(pfn);
            final long compoundHead = access.getLong(Region.MEMMAP, memmap, entry + LRU_NEXT);
            if ((compoundHead & TAIL_BIT) != 0) {
                return access.getLong(Region.MEMMAP, memmap, (compoundHead & ~TAIL_BIT) + MAPPING);
            }
            if (access.getInt(Region.MEMMAP, memmap, entry + REFCOUNT) == 0) {
                return 0;
            }
            return access.getLong(Region.MEMMAP, memmap, entry + MAPPING);
        }

        @Override
        public int pageMapcount(final long pfn) {
            return access.getInt(Region.MEMMAP, memmap, at(pfn) + PAGE_TYPE);
        }

        @Override
        public void setPageMapcount(final long pfn, final int value) {
            access.setInt(Region.MEMMAP, memmap, at(pfn) + PAGE_TYPE, value);
        }

        @Override
        public int addPageMapcount(final long pfn, final int delta) {
            return access.getAndAddInt(Region.MEMMAP, memmap, at(pfn) + PAGE_TYPE, delta);
        }

        @Override
        public boolean pageAnonExclusive(final long pfn) {
            return flagSet(at(pfn) + FLAGS, PG_ANON_EXCLUSIVE);
        }

        @Override
        public void setPageAnonExclusive(final long pfn, final boolean exclusive) {
            assignFlag(at(pfn) + FLAGS, PG_ANON_EXCLUSIVE, exclusive);
        }
    }
}

package dev.memu.host;

import dev.memu.memdesc.MemdescType;

/**
 * What one host page is, decided from its kpageflags (first rule that matches, in this order), and
 * what the memdesc plan would give the allocation it belongs to.
 *
 * <table>
 *   <caption>classification and descriptor sizes</caption>
 *   <tr><th>class</th><th>kpageflags rule</th><th>memdesc tag</th><th>descriptor bytes</th></tr>
 *   <tr><td>hole</td><td>NOPAGE</td><td>offline</td><td>0</td></tr>
 *   <tr><td>hwpoison</td><td>HWPOISON</td><td>hwpoison</td><td>0</td></tr>
 *   <tr><td>offline</td><td>OFFLINE</td><td>offline</td><td>0</td></tr>
 *   <tr><td>free</td><td>BUDDY</td><td>free</td><td>0 (struct buddy lives in the page)</td></tr>
 *   <tr><td>slab</td><td>SLAB</td><td>slab</td><td>64 (struct slab)</td></tr>
 *   <tr><td>pagetable</td><td>PGTABLE</td><td>pagetable</td><td>64 (struct ptdesc)</td></tr>
 *   <tr><td>hugetlb</td><td>HUGE</td><td>file</td><td>112 (large folio)</td></tr>
 *   <tr><td>ksm</td><td>KSM</td><td>ksm</td><td>80 (as a folio)</td></tr>
 *   <tr><td>anon</td><td>ANON</td><td>anon</td><td>80 (folio), 112 when large</td></tr>
 *   <tr><td>zero</td><td>ZERO_PAGE</td><td>offline</td><td>0 (misc: zero page)</td></tr>
 *   <tr><td>file</td><td>LRU, MMAP, SWAPBACKED or UPTODATE</td><td>file</td><td>80 (folio), 112 when large</td></tr>
 *   <tr><td>reserved</td><td>bit 32 (PG_reserved)</td><td>offline</td><td>0 (misc: reserved)</td></tr>
 *   <tr><td>blank</td><td>no flag, mapcount 0</td><td>vmalloc</td><td>0 (see below)</td></tr>
 *   <tr><td>kernel</td><td>anything else</td><td>vmalloc</td><td>0 (misc)</td></tr>
 * </table>
 *
 * Sizes, pinned to kernelnewbies MatthewWilcox/Memdescs/Path ("shrink struct page to 32 bytes")
 * and MatthewWilcox/Memdescs: its {@code struct folio} is flags, lru (2 words), mapping, index,
 * private, _refcount, _mapcount, pincount, order (+3 bytes), pfn, memcg = 80 bytes; a large folio
 * adds _entire_mapcount, _nr_pages_mapped and the deferred-split list head = 104, rounded to
 * 112 because memdescs come from 16-byte-aligned slabs. {@code struct slab} and {@code struct
 * ptdesc} overlay today's 64-byte struct page and are taken at 64 (Wilcox's slab arithmetic uses
 * 64 per slab). Misc memory (reserved, zero page, vmalloc, bare kernel pages) carries its type in
 * the memdesc word and needs no descriptor.
 *
 * <p>"blank" pages have no flag at all and no mapping: bare kernel allocations (vmalloc, kernel
 * stacks, page frags), pages on the per-CPU lists (free, but not in the buddy), and memory the
 * kernel has not handed to the buddy yet (deferred struct-page init). kpageflags cannot tell them
 * apart; the report shows them apart and cross-checks them against MemFree.
 */
public enum PageClass {
    HOLE("hole", MemdescType.OFFLINE, 0, 0),
    HWPOISON("hwpoison", MemdescType.HWPOISON, 0, 0),
    OFFLINE("offline", MemdescType.OFFLINE, 0, 0),
    FREE("free", MemdescType.FREE, 0, 0),
    SLAB("slab", MemdescType.SLAB, 64, 64),
    PAGE_TABLE("pagetable", MemdescType.PAGE_TABLE, 64, 64),
    HUGETLB("hugetlb", MemdescType.FILE_FOLIO, 112, 112),
    KSM("ksm", MemdescType.KSM, 80, 112),
    ANON("anon", MemdescType.ANON_FOLIO, 80, 112),
    ZERO("zero", MemdescType.OFFLINE, 0, 0),
    FILE("file", MemdescType.FILE_FOLIO, 80, 112),
    RESERVED("reserved", MemdescType.OFFLINE, 0, 0),
    BLANK("blank", MemdescType.VMALLOC, 0, 0),
    KERNEL("kernel", MemdescType.VMALLOC, 0, 0);

    private static final PageClass[] VALUES = values();

    private final String key;
    private final MemdescType type;
    private final int descriptorBytes;
    private final int largeDescriptorBytes;

    PageClass(final String key, final MemdescType type, final int descriptorBytes, final int largeDescriptorBytes) {
        this.key = key;
        this.type = type;
        this.descriptorBytes = descriptorBytes;
        this.largeDescriptorBytes = largeDescriptorBytes;
    }

    public String key() {
        return key;
    }

    /** The memdesc type tag an allocation of this class gets when booted into the emulator. */
    public MemdescType memdescType() {
        return type;
    }

    /** Bytes of the separately allocated descriptor for one allocation of {@code order}. */
    public int descriptorBytes(final int order) {
        return order == 0 ? descriptorBytes : largeDescriptorBytes;
    }

    public static PageClass of(final int ordinal) {
        return VALUES[ordinal];
    }

    public static int count() {
        return VALUES.length;
    }

    /** Classifies one page by its kpageflags word and kpagecount value. */
    public static PageClass classify(final long f, final long mapcount) {
        if (KpageFlags.has(f, KpageFlags.NOPAGE)) {
            return HOLE;
        }
        if (KpageFlags.has(f, KpageFlags.HWPOISON)) {
            return HWPOISON;
        }
        if (KpageFlags.has(f, KpageFlags.OFFLINE)) {
            return OFFLINE;
        }
        if (KpageFlags.has(f, KpageFlags.BUDDY)) {
            return FREE;
        }
        if (KpageFlags.has(f, KpageFlags.SLAB)) {
            return SLAB;
        }
        if (KpageFlags.has(f, KpageFlags.PGTABLE)) {
            return PAGE_TABLE;
        }
        if (KpageFlags.has(f, KpageFlags.HUGE)) {
            return HUGETLB;
        }
        if (KpageFlags.has(f, KpageFlags.KSM)) {
            return KSM;
        }
        if (KpageFlags.has(f, KpageFlags.ANON)) {
            return ANON;
        }
        if (KpageFlags.has(f, KpageFlags.ZERO_PAGE)) {
            return ZERO;
        }
        if ((f & (KpageFlags.bit(KpageFlags.LRU) | KpageFlags.bit(KpageFlags.MMAP)
                | KpageFlags.bit(KpageFlags.SWAPBACKED) | KpageFlags.bit(KpageFlags.UPTODATE))) != 0) {
            return FILE;
        }
        if (KpageFlags.has(f, KpageFlags.RESERVED)) {
            return RESERVED;
        }
        if (f == 0 && mapcount == 0) {
            return BLANK;
        }
        return KERNEL;
    }
}

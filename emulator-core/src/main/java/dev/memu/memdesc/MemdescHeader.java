package dev.memu.memdesc;

/**
 * The two words every memu descriptor starts with, so that a bare pfn can be turned into "which
 * allocation, which type, which order" by reading one 16-byte aligned pair (one cacheline).
 *
 * <pre>
 * off size field  bits    meaning
 *   0   8  misc   0..3    type tag (the descriptor knows its own type; equals the allocatee tag)
 *                 4..10   subtype (Misc types: their subtype, see MemdescType; else 0)
 *                 11      user-mappable
 *                 12..17  order of the allocation (vmalloc: 0, its pages are order-0 each)
 *                 18      PG_locked
 *                 19      PG_uptodate
 *                 20      PG_dirty
 *                 21      PG_lru
 *                 22      PG_hwpoison   (a page of this allocation failed)
 *                 23      PG_reserved
 *                 24      PG_writeback
 *                 25      PG_isolated   (taken by migration/compaction)
 *                 52..61  node
 *                 62..63  zone
 *   8   8  pfn            first pfn of the allocation (vmalloc: of its first page); -1 before placement
 * </pre>
 *
 * The misc word follows the Memdescs wiki's "misc" word (subtype bits 4..10, user-mappable bit 11,
 * order bits 12..17, node/zone in the high bits); the PG_* bits sit in the free room between.
 */
public final class MemdescHeader {

    public static final long MISC = 0;
    public static final long PFN = 8;
    public static final int BYTES = 16;

    public static final long TYPE_MASK = MemdescType.TAG_MASK;
    public static final long USER_MAPPABLE = 1L << 11;
    public static final int ORDER_SHIFT = 12;
    public static final long ORDER_MASK = 0x3f;
    public static final long PG_LOCKED = 1L << 18;
    public static final long PG_UPTODATE = 1L << 19;
    public static final long PG_DIRTY = 1L << 20;
    public static final long PG_LRU = 1L << 21;
    public static final long PG_HWPOISON = 1L << 22;
    public static final long PG_RESERVED = 1L << 23;
    public static final long PG_WRITEBACK = 1L << 24;
    public static final long PG_ISOLATED = 1L << 25;
    public static final long ZONE_NORMAL = 2L << 62;

    /** No pfn recorded yet. */
    public static final long NO_PFN = -1L;

    private MemdescHeader() {
    }

    public static long misc(final MemdescType type, final int order) {
        return type.tag() | ((long) type.miscSubtype() << MemdescType.MISC_SUBTYPE_SHIFT)
                | ((long) order << ORDER_SHIFT) | ZONE_NORMAL;
    }

    public static int order(final long misc) {
        return (int) ((misc >>> ORDER_SHIFT) & ORDER_MASK);
    }

    public static int typeTag(final long misc) {
        return (int) (misc & TYPE_MASK);
    }
}

package dev.memu.memdesc;

/**
 * {@code struct slab}: the slab allocator's descriptor of one slab (a block of 2^order pages cut
 * into objects of one size).
 *
 * <pre>
 * off size field           meaning
 *   0   8  flags           misc word, see {@link MemdescHeader}
 *   8   8  pfn             first pfn of the slab
 *  16   8  slab_cache      the kmem_cache it belongs to
 *  24   8  slab_list.next  partial/full list
 *  32   8  slab_list.prev
 *  40   8  freelist        first free object (byte offset into the slab; -1 when full)
 *  48   8  counters        bits 0..15 inuse, 16..30 objects, 31 frozen (SLUB's counters word)
 *  56   4  object_size     bytes per object
 *  60   4  _refcount
 * size 64, heap class 64
 * </pre>
 */
public final class SlabDesc {

    public static final long FLAGS = MemdescHeader.MISC;
    public static final long PFN = MemdescHeader.PFN;
    public static final long SLAB_CACHE = 16;
    public static final long SLAB_LIST_NEXT = 24;
    public static final long SLAB_LIST_PREV = 32;
    public static final long FREELIST = 40;
    public static final long COUNTERS = 48;
    public static final long OBJECT_SIZE = 56;
    public static final long REFCOUNT = 60;
    public static final int BYTES = 64;

    public static final long INUSE_MASK = 0xffff;
    public static final int OBJECTS_SHIFT = 16;
    public static final long OBJECTS_MASK = 0x7fff;
    public static final long FROZEN = 1L << 31;

    private SlabDesc() {
    }

    public static long counters(final int inuse, final int objects) {
        return (inuse & INUSE_MASK) | ((objects & OBJECTS_MASK) << OBJECTS_SHIFT);
    }
}

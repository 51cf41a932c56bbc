package dev.memu.memdesc;

/**
 * The tagged pointer an allocation records as its owner (its allocatee).
 *
 * <pre>
 *  bits   width  field
 *  0..3     4    type tag ({@link MemdescType})
 *  4..51   48    descriptor address: bits 4..51 of a 16-byte aligned address in the memdesc heap
 *  52..63  12    zero (layouts may use them for their own state, see Memdesc8Layout)
 * </pre>
 *
 * Descriptors are 16-byte aligned, so the low 4 bits of their address are free for the tag, as in
 * the kernel's plan. A descriptor address of 0 means "no descriptor" (a bare tag such as
 * hwpoison, or a workload that does not build descriptors).
 *
 * <p>Tag 0 is the plan's Misc memdesc ({@link MemdescType}): the word 0 is no owner; a word with
 * only bits 4..11 set is a Misc subtype (vmalloc, offline, held on a per-CPU list), which a bare
 * {@link #of(MemdescType, long) of(type, 0)} of such a type gives; a Misc word with a descriptor
 * address (always at least 4096) is a vmalloc area with its memu descriptor.
 */
public final class Allocatee {

    public static final int POINTER_BITS = 52;
    public static final long POINTER_MASK = ((1L << POINTER_BITS) - 1) & ~MemdescType.TAG_MASK;
    /** No owner: what an entry of a page that is not allocated reads as. */
    public static final long NONE = 0;

    private Allocatee() {
    }

    public static long of(final MemdescType type, final long descriptorAddress) {
        if ((descriptorAddress & ~POINTER_MASK) != 0) {
            throw new IllegalArgumentException("descriptor address 0x" + Long.toHexString(descriptorAddress)
                    + " is not 16-byte aligned below 2^52");
        }
        if (type == MemdescType.NONE && descriptorAddress != 0) {
            throw new IllegalArgumentException("none carries no descriptor (a Misc word with an address is a vmalloc area)");
        }
        if (type.isMisc()) {
            if (descriptorAddress == 0) {
                return (long) type.miscSubtype() << MemdescType.MISC_SUBTYPE_SHIFT;
            }
            if (type != MemdescType.VMALLOC || (descriptorAddress & ~MemdescType.MISC_WORD_BITS) == 0) {
                throw new IllegalArgumentException("a " + type.key() + " allocatee carries no descriptor (Misc memdesc)");
            }
        }
        return descriptorAddress | type.tag();
    }

    public static int tag(final long allocatee) {
        return (int) (allocatee & MemdescType.TAG_MASK);
    }

    public static MemdescType type(final long allocatee) {
        final int tag = tag(allocatee);
        if (tag != 0 || allocatee == NONE) {
            return MemdescType.ofTag(tag);
        }
        if ((allocatee & ~MemdescType.MISC_WORD_BITS) != 0) {
            return MemdescType.VMALLOC;       // a Misc word with a descriptor address: memu's vmalloc area
        }
        return MemdescType.ofMiscSubtype((int) (allocatee >>> MemdescType.MISC_SUBTYPE_SHIFT));
    }

    /** The descriptor address, 0 for a bare tag or a Misc subtype word. */
    public static long descriptor(final long allocatee) {
        if (tag(allocatee) == 0 && (allocatee & ~MemdescType.MISC_WORD_BITS) == 0) {
            return 0;
        }
        return allocatee & POINTER_MASK;
    }

    /** True when the value fits the format (no bits above the pointer field). */
    public static boolean isValid(final long allocatee) {
        return (allocatee & ~(POINTER_MASK | MemdescType.TAG_MASK)) == 0;
    }
}

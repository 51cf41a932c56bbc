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
        return descriptorAddress | type.tag();
    }

    public static int tag(final long allocatee) {
        return (int) (allocatee & MemdescType.TAG_MASK);
    }

    public static MemdescType type(final long allocatee) {
        return MemdescType.ofTag(tag(allocatee));
    }

    public static long descriptor(final long allocatee) {
        return allocatee & POINTER_MASK;
    }

    /** True when the value fits the format (no bits above the pointer field). */
    public static boolean isValid(final long allocatee) {
        return (allocatee & ~(POINTER_MASK | MemdescType.TAG_MASK)) == 0;
    }
}

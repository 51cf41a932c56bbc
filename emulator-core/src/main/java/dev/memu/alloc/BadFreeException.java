package dev.memu.alloc;

/** A free that does not match a live allocation: rejected, with the allocator left unchanged. */
public final class BadFreeException extends RuntimeException {

    /** What was wrong with the free. */
    public enum Kind {
        OUT_OF_RANGE, MISALIGNED, BAD_ORDER, DOUBLE_FREE, WRONG_ORDER, NOT_ALLOCATED
    }

    private final Kind kind;
    private final long pfn;
    private final int order;

    public BadFreeException(final Kind kind, final long pfn, final int order, final String detail) {
        super("bad free of pfn 0x" + Long.toHexString(pfn) + " order " + order + ": " + detail);
        this.kind = kind;
        this.pfn = pfn;
        this.order = order;
    }

    public Kind kind() {
        return kind;
    }

    public long pfn() {
        return pfn;
    }

    public int order() {
        return order;
    }
}

package dev.memu.workload;

/**
 * One operation of a workload, written in place by {@link Workload#next(Op)}: a reusable cursor,
 * so producing an operation allocates nothing.
 *
 * <p>An {@link #ALLOC} asks for a block of {@link #order} owned by {@link #allocatee}; the caller
 * reports the pfn it got with {@link Workload#allocated(long)}. A {@link #FREE} names the
 * {@link #pfn} and {@link #order} that an earlier alloc returned. Operations with
 * {@link #measured} false build state (fill, warm-up) and are neither timed nor counted.
 */
public final class Op {

    public static final int ALLOC = 0;
    public static final int FREE = 1;
    /** Number of op kinds, for arrays indexed by kind. */
    public static final int KINDS = 2;

    public int kind;
    public int order;
    /** FREE: the block's first pfn. */
    public long pfn;
    /** ALLOC: the tagged memdesc pointer that will own the block. */
    public long allocatee;
    /** Whether the op belongs to the measured part of the workload. */
    public boolean measured;

    public static String kindName(final int kind) {
        return switch (kind) {
            case ALLOC -> "alloc";
            case FREE -> "free";
            default -> throw new IllegalArgumentException("no op kind " + kind);
        };
    }

    @Override
    public String toString() {
        return kind == ALLOC
                ? "alloc(order " + order + ", allocatee 0x" + Long.toHexString(allocatee) + (measured ? ")" : ", setup)")
                : "free(pfn 0x" + Long.toHexString(pfn) + ", order " + order + (measured ? ")" : ", setup)");
    }
}

package dev.memu.lookup;

/**
 * A map from pfn to a non-zero 64-bit value, written a naturally aligned range of 2^order pfns at
 * a time: what a per-allocation layout uses instead of a per-page array.
 *
 * <p>Values are opaque here, except that 0 means "nothing". Ranges stored in one lookup never
 * overlap (the caller, a {@link dev.memu.layout.Memmap}, guarantees it). Implementations keep
 * their structures off-heap in region {@link dev.memu.access.Region#LOOKUP} and go through the
 * access layer, so cachelines per lookup are measurable.
 *
 * <p>Not thread-safe by itself: the owning memmap serialises calls.
 */
public interface PfnLookup {

    /** Name used in layout names and output, e.g. {@code radix}. */
    String name();

    /** {@code value} for every pfn of [pfn, pfn + 2^order); the range must be empty. */
    void store(long pfn, int order, long value);

    /** Empties [pfn, pfn + 2^order), which holds one value stored by {@link #store}. */
    void erase(long pfn, int order);

    /**
     * {@code value} for {@code pfn}, as head of a range of 2^order that is otherwise empty; other
     * pfns of the range may read either 0 or {@code value} (the cheaper one for the structure).
     * Used for free-block marks, which only the head must carry.
     */
    void storeHead(long pfn, int order, long value);

    /** Undoes {@link #storeHead} of the same pfn and order. */
    void eraseHead(long pfn, int order);

    /** The value covering {@code pfn}, or 0. */
    long load(long pfn);

    /** Off-heap bytes the structure holds right now (nodes, leaves, directories), slack included. */
    long bytes();
}

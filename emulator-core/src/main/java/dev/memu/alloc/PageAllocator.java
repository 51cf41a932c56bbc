package dev.memu.alloc;

import dev.memu.layout.Memmap;

/**
 * A physical page allocator over one machine's memmap: hands out naturally aligned blocks of
 * 2^order pages and records their allocatee in the memmap.
 *
 * <p>Contract every implementation passes (the conformance suite checks it):
 * <ul>
 *   <li>no page is handed out twice; free + allocated == managed whenever the allocator is quiet;</li>
 *   <li>{@link #alloc} returns {@link #NO_PAGE} only when no naturally aligned free block of the
 *       order exists anywhere, whatever per-CPU state holds it (exact when no other operation is
 *       in flight);</li>
 *   <li>{@link #free} of anything that is not a live allocation of exactly that order, at that
 *       pfn, throws {@link BadFreeException} and changes nothing;</li>
 *   <li>{@link #verify()} walks the whole state and reports every inconsistency it finds.</li>
 * </ul>
 *
 * <p>{@code vcpu} names the emulated CPU making the call (0-based, below {@link
 * AllocatorOptions#vcpus()}): allocators with per-CPU state use it, others ignore it. A thread
 * acts as one vcpu at a time.
 */
public interface PageAllocator {

    /** Returned by {@link #alloc} when no block of the order is free. */
    long NO_PAGE = -1L;

    /** Blocks in one of Linux's batches of folios ({@code PAGEVEC_SIZE}, a {@code struct folio_batch}). */
    int PAGEVEC_SIZE = 31;

    /** Name as given on the command line, e.g. {@code buddy}, {@code potad+pcp}. */
    String name();

    Memmap memmap();

    /** Largest order {@link #alloc} accepts. */
    int maxOrder();

    /** Pages this allocator manages. */
    long managedPages();

    /** Pages free right now (exact when no operation is in flight). */
    long freePages();

    /**
     * Allocates a naturally aligned block of 2^order pages owned by {@code allocatee}.
     *
     * @param allocatee tagged memdesc pointer; its tag must be neither none nor free
     * @return the block's first pfn, or {@link #NO_PAGE} when none is free
     * @throws IllegalArgumentException for an order above {@link #maxOrder()} or a bad allocatee
     */
    long alloc(int order, long allocatee, int vcpu);

    /**
     * Frees the block of 2^order pages at {@code pfn}.
     *
     * @throws BadFreeException when it is not a live allocation of that order; nothing changes
     */
    void free(long pfn, int order, int vcpu);

    /**
     * Frees the blocks of 2^order pages at {@code pfns[from..to)}, as Linux frees a batch of folios
     * ({@code free_unref_folios} in mm/page_alloc.c, fed a {@code struct folio_batch} of up to
     * {@code PAGEVEC_SIZE} = 31 by {@code folios_put_refs}: it runs {@code free_pages_prepare}
     * over the whole batch before its second loop commits them). The result is that of {@link
     * #free} on each in turn: when one is not a live allocation of that order (a pfn given twice
     * included), the ones before it are freed, it throws {@link BadFreeException}, and it and the
     * ones after it are untouched (Linux reports a bad page, leaves it out and frees the rest). The
     * default does exactly that; an allocator overrides it when a batch can overlap what single
     * frees would wait for one after another.
     *
     * @throws IndexOutOfBoundsException when {@code [from, to)} is not a range of {@code pfns}; nothing is freed
     */
    default void freeBatch(final long[] pfns, final int from, final int to, final int order, final int vcpu) {
        java.util.Objects.checkFromToIndex(from, to, pfns.length);
        for (int i = from; i < to; i++) {
            free(pfns[i], order, vcpu);
        }
    }

    /**
     * {@code vcpu} goes offline (Linux {@code page_alloc_cpu_dead}): everything the allocator
     * keeps for it alone (per-CPU lists, region reservations) goes back to the shared pool, so
     * that no page stays reachable only through a vcpu no thread runs as. The caller no longer
     * runs as {@code vcpu}; if it comes back, its per-CPU state rebuilds as at start. Allocators
     * without per-CPU state do nothing.
     *
     * @throws IllegalArgumentException for a vcpu outside 0..vcpus-1 (allocators that check)
     */
    default void vcpuOffline(final int vcpu) {
    }

    /**
     * For a per-CPU cache in front ({@code rmqueue_bulk}): takes a free block of 2^order pages and
     * hands it over unowned, as a page on a Linux pcp list is (no PageBuddy, no owner, nothing
     * written to its tails). The default allocates it for {@code cacheOwner} and clears the record
     * again (every page of the block, twice); an allocator that can do better overrides this.
     *
     * @return the block's first pfn, or {@link #NO_PAGE}
     */
    default long takeForCache(final int order, final long cacheOwner, final int vcpu) {
        final long pfn = alloc(order, cacheOwner, vcpu);
        if (pfn != NO_PAGE) {
            memmap().clearAllocated(pfn, order);
        }
        return pfn;
    }

    /**
     * For a per-CPU cache in front ({@code free_pcppages_bulk}): gives back a block that {@link
     * #takeForCache} handed over and that is unowned again. The default records {@code cacheOwner}
     * on it and frees it through {@link #free}; an allocator that can do better overrides this.
     */
    default void returnFromCache(final long pfn, final int order, final long cacheOwner, final int vcpu) {
        memmap().setAllocated(pfn, order, cacheOwner);
        free(pfn, order, vcpu);
    }

    /**
     * {@link #returnFromCache} of the blocks of 2^order pages at {@code pfns[from..to)}: a per-CPU
     * cache's bulk free ({@code free_pcppages_bulk}) handing a run of one list back at once. The
     * result is that of {@code returnFromCache} on each in turn; the default does exactly that,
     * an allocator overrides it when a batch can overlap what single frees wait for one after
     * another (Linux itself frees them one by one under the zone lock: a departure memu makes
     * only where it measures better, and only in the backend).
     *
     * @throws IndexOutOfBoundsException when {@code [from, to)} is not a range of {@code pfns}; nothing is freed
     */
    default void returnBatchFromCache(final long[] pfns, final int from, final int to, final int order,
                                      final long cacheOwner, final int vcpu) {
        java.util.Objects.checkFromToIndex(from, to, pfns.length);
        for (int i = from; i < to; i++) {
            returnFromCache(pfns[i], order, cacheOwner, vcpu);
        }
    }

    /** Free blocks per order, index = order, like one row of /proc/buddyinfo (quiescent). */
    long[] freeBlocksByOrder();

    /** Walks all state and reports every inconsistency (quiescent). */
    VerifyReport verify();
}

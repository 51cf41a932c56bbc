package dev.memu.failure;

import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Memmap;

import java.util.ArrayDeque;

/**
 * A PCP-like test double: frees of order 0..3 go to a per-order LIFO cache in front of the
 * delegate and are not merged; allocs of those orders take from the cache first. It is what a
 * per-cpu list does to the "free it, then allocate the halves back" trick.
 */
final class CachingAllocator implements PageAllocator {

    private final PageAllocator delegate;
    @SuppressWarnings("unchecked")
    private final ArrayDeque<long[]>[] cache;

    /** Caches frees of orders below {@code cachedOrders}. */
    CachingAllocator(final PageAllocator delegate, final int cachedOrders) {
        this.delegate = delegate;
        this.cache = new ArrayDeque[cachedOrders];
        for (int o = 0; o < cache.length; o++) {
            cache[o] = new ArrayDeque<>();
        }
    }

    @Override
    public String name() {
        return "caching";
    }

    @Override
    public Memmap memmap() {
        return delegate.memmap();
    }

    @Override
    public int maxOrder() {
        return delegate.maxOrder();
    }

    @Override
    public long managedPages() {
        return delegate.managedPages();
    }

    @Override
    public long freePages() {
        long cached = 0;
        for (int o = 0; o < cache.length; o++) {
            cached += (long) cache[o].size() << o;
        }
        return delegate.freePages() + cached;
    }

    @Override
    public long alloc(final int order, final long allocatee, final int vcpu) {
        if (order < cache.length && !cache[order].isEmpty()) {
            final long pfn = cache[order].pop()[0];
            delegate.memmap().setAllocated(pfn, order, allocatee);
            return pfn;
        }
        return delegate.alloc(order, allocatee, vcpu);
    }

    @Override
    public void free(final long pfn, final int order, final int vcpu) {
        if (order < cache.length) {
            // Cached blocks read as unowned, but are not free blocks either (not PageBuddy).
            delegate.memmap().clearAllocated(pfn, order);
            cache[order].push(new long[] {pfn});
            return;
        }
        delegate.free(pfn, order, vcpu);
    }

    @Override
    public long[] freeBlocksByOrder() {
        final long[] b = delegate.freeBlocksByOrder();
        for (int o = 0; o < cache.length; o++) {
            b[o] += cache[o].size();
        }
        return b;
    }

    @Override
    public VerifyReport verify() {
        return delegate.verify();
    }
}

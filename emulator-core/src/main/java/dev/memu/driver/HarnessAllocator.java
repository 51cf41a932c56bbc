package dev.memu.driver;

import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Memmap;

import java.util.List;

/**
 * The allocator that does nothing, for measuring the harness alone: the driver replays the same
 * recorded ops on it with the same loop, the same sampling timer and the same handle table, and
 * what that costs per op is the part of a measured op that is not the allocator's
 * ({@code harnessNsPerOp}). An alloc returns the next number of a counter (a pfn the handle table
 * can hold; never {@link #NO_PAGE}), a free returns. One instance per worker thread: no shared
 * line, so the harness of two threads does not measure false sharing of its own.
 */
final class HarnessAllocator implements PageAllocator {

    private final long pages;
    private long next;

    HarnessAllocator(final long pages) {
        this.pages = pages;
    }

    @Override
    public String name() {
        return "harness";
    }

    @Override
    public Memmap memmap() {
        throw new UnsupportedOperationException("the harness allocator has no memmap");
    }

    @Override
    public int maxOrder() {
        return 63;
    }

    @Override
    public long managedPages() {
        return pages;
    }

    @Override
    public long freePages() {
        return pages;
    }

    @Override
    public long alloc(final int order, final long allocatee, final int vcpu) {
        return next++ & Long.MAX_VALUE;
    }

    @Override
    public void free(final long pfn, final int order, final int vcpu) {
        // nothing: the harness is what remains
    }

    @Override
    public long[] freeBlocksByOrder() {
        return new long[0];
    }

    @Override
    public VerifyReport verify() {
        return new VerifyReport(pages, 0, pages, List.of());
    }
}

package dev.memu.driver;

import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Memmap;

/** An allocator that passes every call on to {@code target}: tests override the calls they watch. */
abstract class ForwardingAllocator implements PageAllocator {
    final PageAllocator target;

    ForwardingAllocator(final PageAllocator target) {
        this.target = target;
    }

    @Override
    public String name() {
        return target.name();
    }

    @Override
    public Memmap memmap() {
        return target.memmap();
    }

    @Override
    public int maxOrder() {
        return target.maxOrder();
    }

    @Override
    public long managedPages() {
        return target.managedPages();
    }

    @Override
    public long freePages() {
        return target.freePages();
    }

    @Override
    public long alloc(final int order, final long allocatee, final int vcpu) {
        return target.alloc(order, allocatee, vcpu);
    }

    @Override
    public void free(final long pfn, final int order, final int vcpu) {
        target.free(pfn, order, vcpu);
    }

    @Override
    public long[] freeBlocksByOrder() {
        return target.freeBlocksByOrder();
    }

    @Override
    public VerifyReport verify() {
        return target.verify();
    }
}

package dev.memu.workload.kernelmix;

import dev.memu.alloc.PageAllocator;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescHeader;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;
import dev.memu.migrate.PageContents;

/**
 * Creates and destroys kernel-like allocations: each is a real typed descriptor in the memdesc
 * heap plus the pages the allocator hands out for it, tagged with that descriptor. An allocation
 * is named by its tagged allocatee; its pfn is read back from the descriptor, so migration and
 * failure handling can move it without telling anyone.
 *
 * <p>With {@code fillContents}, file folios get their backing store's bytes and anon folios a
 * pattern keyed by their descriptor, so moves can be checked byte for byte.
 */
public final class KernelObjects {

    private final PageAllocator allocator;
    private final Memdescs descs;
    private final Machine machine;
    private final boolean fillContents;
    private long nextMapping = 0x10000;

    public KernelObjects(final PageAllocator allocator, final Memdescs descs, final boolean fillContents) {
        this.allocator = allocator;
        this.descs = descs;
        this.machine = allocator.memmap().machine();
        this.fillContents = fillContents;
    }

    public Memdescs descs() {
        return descs;
    }

    public PageAllocator allocator() {
        return allocator;
    }

    /** Places a descriptor already created: allocate its block, record the pfn; 0 when out of memory. */
    private long place(final long allocatee, final int order, final int vcpu) {
        final long pfn = allocator.alloc(order, allocatee, vcpu);
        if (pfn == PageAllocator.NO_PAGE) {
            descs.free(allocatee);
            return 0;
        }
        descs.setPfn(allocatee, pfn);
        return allocatee;
    }

    /** A page-cache folio; clean unless {@code dirty}. Returns its allocatee, or 0 when out of memory. */
    public long fileFolio(final int order, final long index, final boolean dirty, final int vcpu) {
        final long mapping = (nextMapping += 0x40);
        final long a = place(descs.newFolio(MemdescType.FILE_FOLIO, order, mapping, index), order, vcpu);
        if (a != 0) {
            if (dirty) {
                descs.orFlags(a, MemdescHeader.PG_DIRTY);
            }
            if (fillContents) {
                PageContents.fill(machine.ram(), machine.pageShift(), descs.pfn(a), 1L << order, mapping, index);
            }
        }
        return a;
    }

    public long anonFolio(final int order, final int vcpu) {
        final long a = place(descs.newFolio(MemdescType.ANON_FOLIO, order, nextMapping += 0x40, 0), order, vcpu);
        if (a != 0 && fillContents) {
            PageContents.fill(machine.ram(), machine.pageShift(), descs.pfn(a), 1L << order, a, 0);
        }
        return a;
    }

    public long slab(final int order, final int objectSize, final int vcpu) {
        return place(descs.newSlab(order, 0xffff888000000000L + objectSize, objectSize, machine.pageSize()), order, vcpu);
    }

    public long pageTable(final int level, final int vcpu) {
        return place(descs.newPageTable(level, 0xffff888100000000L), 0, vcpu);
    }

    public long netpool(final int order, final int vcpu) {
        return place(descs.newNetpool(order, 0xffff888200000000L), order, vcpu);
    }

    public long zoneDevice(final int order, final int vcpu) {
        return place(descs.newZoneDevice(order, 0xffff888300000000L), order, vcpu);
    }

    /** A vmalloc area of {@code nrPages} separately allocated order-0 pages; 0 when out of memory. */
    public long vmalloc(final int nrPages, final int vcpu) {
        final long a = descs.newVmalloc(nrPages, 0xffffc90000000000L + (nextMapping += 0x1000) * 4096,
                machine.pageSize());
        for (int i = 0; i < nrPages; i++) {
            final long pfn = allocator.alloc(0, a, vcpu);
            if (pfn == PageAllocator.NO_PAGE) {
                for (int j = 0; j < i; j++) {
                    allocator.free(descs.page(a, j), 0, vcpu);
                }
                descs.free(a);
                return 0;
            }
            descs.setPage(a, i, pfn);
        }
        return a;
    }

    /** Pages an allocation holds. */
    public long pages(final long allocatee) {
        if (Allocatee.type(allocatee) == MemdescType.VMALLOC) {
            return descs.nrPages(allocatee);
        }
        return 1L << descs.order(allocatee);
    }

    /** Frees the allocation's pages (at their current pfns) and its descriptor. */
    public void free(final long allocatee, final int vcpu) {
        if (Allocatee.type(allocatee) == MemdescType.VMALLOC) {
            final int n = descs.nrPages(allocatee);
            for (int i = 0; i < n; i++) {
                allocator.free(descs.page(allocatee, i), 0, vcpu);
            }
        } else {
            allocator.free(descs.pfn(allocatee), descs.order(allocatee), vcpu);
        }
        descs.free(allocatee);
    }
}

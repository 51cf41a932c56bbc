package dev.memu.workload;

import dev.memu.access.Access;
import dev.memu.access.CountingAccess;
import dev.memu.alloc.PageAllocator;
import dev.memu.machine.Machine;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.Memdescs;

/**
 * What a workload stream may use of the machine it runs on, beyond the ops it hands the driver:
 * one context per machine and pass (the driver's timed machine and its counting machine each get
 * their own), shared by every stream of that pass. Built once before any op, so a workload that
 * needs real descriptors gets its memdesc heap at set-up and allocates nothing per op to find it.
 *
 * <p>The memdesc heap is created on first use, in the machine's {@link
 * dev.memu.access.Region#MEMDESC} region and bound to the pass's access layer: its carved chunks
 * count in bytes per page, and in the counting pass a failure lookup that reads a descriptor
 * header counts that line. Descriptor work a stream does while producing ops happens outside the
 * driver's {@code beginOp/endOp}, so it is never charged to an allocator call.
 */
public final class WorkloadContext {

    private final Machine machine;
    private final PageAllocator allocator;
    private final Access access;
    private Memdescs memdescs;

    public WorkloadContext(final Machine machine, final PageAllocator allocator, final Access access) {
        this.machine = machine;
        this.allocator = allocator;
        this.access = access;
    }

    public Machine machine() {
        return machine;
    }

    /** The allocator the driver's workers call (possibly a wrapper the stream factory put in front). */
    public PageAllocator allocator() {
        return allocator;
    }

    public Access access() {
        return access;
    }

    /** True in the driver's counting pass. */
    public boolean counting() {
        return access instanceof CountingAccess;
    }

    /** The machine's descriptor heap, created on first call and shared by the pass's streams. */
    public synchronized Memdescs memdescs() {
        if (memdescs == null) {
            memdescs = new Memdescs(MemdescHeap.forDescriptors(machine, access));
        }
        return memdescs;
    }
}

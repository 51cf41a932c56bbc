package dev.memu.failure;

import dev.memu.access.Access;
import dev.memu.access.CountingAccess;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;

/**
 * From a bare pfn to its owning allocation, through whichever layout is in use: the memmap entry
 * (or, for peralloc16, the pfn lookup) gives the tagged allocatee, and the descriptor's header
 * gives the allocation's first pfn and order (one more line). A vmalloc area's page array is
 * scanned for the pfn's index. Bare tags (hwpoison, offline), and pointers that do not lead into
 * the memdesc heap (workloads that make up their allocatees), have no descriptor: their head is
 * found by probing the aligned candidates in the memmap ({@link PageOwner#hasDescriptor()} false).
 *
 * <p>With a {@link CountingAccess} the lookup is one measured operation: {@link PageOwner#lines()}
 * is its distinct cachelines over all regions.
 */
public final class OwnerLookup {

    private final Memmap memmap;
    private final Memdescs descs;
    private final Access access;
    private final CountingAccess counting;
    private final int maxProbeOrder;

    public OwnerLookup(final Memmap memmap, final Memdescs descs, final int maxOrder) {
        this.memmap = memmap;
        this.descs = descs;
        this.access = memmap.access();
        this.counting = access instanceof CountingAccess c ? c : null;
        this.maxProbeOrder = maxOrder;
    }

    /**
     * @throws IllegalArgumentException for a pfn outside the machine
     * @throws IllegalStateException when the memmap and the descriptor disagree (a corrupt state)
     */
    public PageOwner find(final long pfn) {
        if (pfn < 0 || pfn >= memmap.machine().pages()) {
            throw new IllegalArgumentException("pfn 0x" + Long.toHexString(pfn) + " is outside the "
                    + memmap.machine().pages() + " pages of the machine");
        }
        access.beginOp();
        final long start = System.nanoTime();
        final long allocatee = memmap.allocatee(pfn);
        MemdescType type = MemdescType.FREE;
        long head = -1;
        int order = -1;
        int index = -1;
        if (allocatee != Allocatee.NONE) {
            type = Memdescs.type(allocatee);
            if (!descs.hasDescriptor(allocatee)) {
                for (int o = 0; o <= maxProbeOrder && head < 0; o++) {
                    final long candidate = pfn & -(1L << o);
                    if (memmap.allocatedOrder(candidate) == o) {
                        head = candidate;
                        order = o;
                    }
                }
            } else if (type == MemdescType.VMALLOC) {
                index = descs.indexOf(allocatee, pfn);
                head = pfn;
                order = 0;
            } else {
                head = descs.pfn(allocatee);
                order = descs.order(allocatee);
            }
        }
        final long nanos = System.nanoTime() - start;
        access.endOp();
        final int lines = counting == null ? 0 : counting.lastOpLinesTotal();
        if (allocatee != Allocatee.NONE && (head < 0 || pfn < head || pfn >= head + (1L << order)
                || (type == MemdescType.VMALLOC && index < 0))) {
            throw new IllegalStateException("pfn 0x" + Long.toHexString(pfn) + " names allocatee 0x"
                    + Long.toHexString(allocatee) + " (" + type + ") whose descriptor does not cover it (head "
                    + head + ", order " + order + ", vmalloc index " + index + ")");
        }
        return new PageOwner(pfn, type, allocatee, head, order, index,
                allocatee != Allocatee.NONE && descs.hasDescriptor(allocatee), lines, nanos);
    }
}

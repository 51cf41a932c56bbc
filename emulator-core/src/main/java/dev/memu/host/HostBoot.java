package dev.memu.host;

import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

import java.util.Arrays;

/**
 * Boots a fresh allocator into a {@link HostSnapshot}'s state through the allocator's public API
 * only, so it works for any allocator, while touching about one page of emulated RAM per block
 * rather than every page (layouts such as memdesc8 keep free-list links in the free pages, so a
 * page-by-page boot of a 25 GiB host would commit 25 GiB of host memory).
 *
 * <ol>
 *   <li><b>Take everything</b>: allocate at the max order until it fails, then at each lower
 *       order, down to 0. The allocator now holds no free page.</li>
 *   <li><b>Split</b> every held block that is neither all free on the host nor all one host
 *       class: free it and allocate its two halves. It is the only free memory at that moment,
 *       so the two allocations can only return its halves (checked). Repeat on the halves.</li>
 *   <li><b>Settle</b>: blocks of one allocated class keep their allocation, retagged with the
 *       class's memdesc type; blocks the host had free are freed, and the allocator merges them
 *       as it would (a buddy ends with the host's free blocks, merged across zones).</li>
 * </ol>
 *
 * An allocator that kept a freed block somewhere its next allocations cannot reach would not
 * split it; the boot then fails with a message naming the allocator and the block (every
 * allocator registered today, PCP ones included, boots: HostBootTest). Pfns beyond the snapshot
 * count as free. On this repository's 25 GiB test host (6.5 M pfns, ~130 k extents) a
 * {@code memu run --from-host} on memdesc8/buddy peaks at ~0.8 GB RSS, against 25 GB for a
 * page-by-page boot.
 */
final class HostBoot {

    /** Per-pfn marks: free on the host, or the {@link PageClass} ordinal of an allocated page. */
    private static final byte FREE = -1;
    /** A block's verdict when its pages differ. */
    private static final int MIXED = -2;

    private final HostSnapshot snap;
    private final PageAllocator allocator;
    private final byte[] marks;
    private final long pages;

    private long[] heldPfn = new long[1024];
    private byte[] heldOrder = new byte[1024];
    private int held;

    private HostBoot(final HostSnapshot snap, final PageAllocator allocator, final boolean blankIsFree) {
        this.snap = snap;
        this.allocator = allocator;
        this.pages = allocator.managedPages();
        this.marks = new byte[Math.toIntExact(snap.pfns)];
        for (int i = 0; i < snap.extents; i++) {
            final PageClass cls = PageClass.of(snap.extClass[i]);
            final boolean free = cls == PageClass.FREE || (cls == PageClass.BLANK && blankIsFree);
            final int from = Math.toIntExact(snap.extPfn[i]);
            final int to = Math.toIntExact(snap.extPfn[i] + (snap.extCount[i] << snap.extOrder[i]));
            Arrays.fill(marks, from, to, free ? FREE : (byte) cls.ordinal());
        }
    }

    /** @see HostSnapshot#bootAllocator */
    static long boot(final HostSnapshot snap, final PageAllocator allocator, final boolean blankIsFree) {
        if (allocator.managedPages() < snap.pfns) {
            throw new IllegalArgumentException("allocator manages " + allocator.managedPages() + " pages, the snapshot "
                    + snap.pfns);
        }
        return new HostBoot(snap, allocator, blankIsFree).run();
    }

    private long run() {
        takeEverything();
        final long boot = Allocatee.of(MemdescType.VMALLOC, 0);
        final Memmap memmap = allocator.memmap();
        // free blocks wait in a list of their own until every split is done: freed earlier, one
        // could merge with the block being split and hand out pages from outside it
        long[] freePfn = new long[1024];
        byte[] freeOrder = new byte[1024];
        int frees = 0;
        while (held > 0) {
            held--;
            final long pfn = heldPfn[held];
            final int order = heldOrder[held];
            final int verdict = classify(pfn, order);
            if (verdict == FREE) {
                if (frees == freePfn.length) {
                    freePfn = Arrays.copyOf(freePfn, frees * 2);
                    freeOrder = Arrays.copyOf(freeOrder, frees * 2);
                }
                freePfn[frees] = pfn;
                freeOrder[frees++] = (byte) order;
            } else if (verdict != MIXED) {
                // retag: clear first, as layouts with a lookup (peralloc16) insert a fresh range
                memmap.clearAllocated(pfn, order);
                memmap.setAllocated(pfn, order, Allocatee.of(PageClass.of(verdict).memdescType(), 0));
            } else {
                split(pfn, order, boot);
            }
        }
        long freed = 0;
        for (int i = 0; i < frees; i++) {
            allocator.free(freePfn[i], freeOrder[i], 0);
            freed += 1L << freeOrder[i];
        }
        return freed;
    }

    private void takeEverything() {
        final long boot = Allocatee.of(MemdescType.VMALLOC, 0);
        long taken = 0;
        for (int order = allocator.maxOrder(); order >= 0; order--) {
            if ((1L << order) > pages) {
                continue;
            }
            long pfn;
            while ((pfn = allocator.alloc(order, boot, 0)) != PageAllocator.NO_PAGE) {
                hold(pfn, order);
                taken += 1L << order;
            }
        }
        if (taken != pages) {
            throw new IllegalStateException("allocator " + allocator.name() + " handed out " + taken + " of its "
                    + pages + " pages when asked for all of them");
        }
    }

    private void split(final long pfn, final int order, final long boot) {
        allocator.free(pfn, order, 0);
        final long end = pfn + (1L << order);
        final long a = allocator.alloc(order - 1, boot, 0);
        final long b = a == PageAllocator.NO_PAGE ? PageAllocator.NO_PAGE : allocator.alloc(order - 1, boot, 0);
        if (a == PageAllocator.NO_PAGE || b == PageAllocator.NO_PAGE || a < pfn || a >= end || b < pfn || b >= end) {
            throw new IllegalStateException("allocator " + allocator.name() + " did not split the order-" + order
                    + " block at pfn " + pfn + " it was just given back (got " + a + ", " + b
                    + "): it cannot be booted from a host snapshot");
        }
        hold(a, order - 1);
        hold(b, order - 1);
    }

    /** {@link #FREE}, the class ordinal every page of the block shares, or {@link #MIXED}. */
    private int classify(final long pfn, final int order) {
        final long end = pfn + (1L << order);
        if (pfn >= marks.length) {
            return FREE;
        }
        final byte first = marks[(int) pfn];
        final long inSnapshot = Math.min(end, marks.length);
        for (long p = pfn + 1; p < inSnapshot; p++) {
            if (marks[(int) p] != first) {
                return MIXED;
            }
        }
        if (end > marks.length && first != FREE) {
            return MIXED;
        }
        return first;
    }

    private void hold(final long pfn, final int order) {
        if (held == heldPfn.length) {
            heldPfn = Arrays.copyOf(heldPfn, held * 2);
            heldOrder = Arrays.copyOf(heldOrder, held * 2);
        }
        heldPfn[held] = pfn;
        heldOrder[held++] = (byte) order;
    }
}

package dev.memu.failure;

import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Keeps hwpoisoned pages out of circulation in front of any {@link PageAllocator}, using nothing
 * but that interface (so buddy, POTAD and PCP stacks need not know about poison).
 *
 * <h2>How a bad page is taken off</h2>
 * A poisoned pfn is held by a permanent order-0 allocation whose allocatee is the bare {@code
 * hwpoison} tag. To get exactly that page out of a free block, {@link #takeOff} isolates all free
 * memory (allocating it, largest blocks first, under the {@code offline} tag), finds the held
 * block containing the pfn, and splits it down by freeing it and allocating its two halves back:
 * with every other free page held, the allocator has nothing else to hand out, so the halves
 * must come back (checked). Finally the order-0 page is re-allocated with the hwpoison tag and
 * everything else is freed again. Cost: one alloc per free block plus 2 per order split, plus
 * the frees; like Linux's {@code take_page_off_buddy} it is a stop-the-world step: call it while
 * no other vcpu allocates.
 *
 * <p>When the allocator does not hand the halves back (a PCP keeps small freed blocks on per-cpu
 * lists rather than merging them), the whole held block is kept poisoned instead (its good pages
 * are counted in {@link #quarantinedPages()}). As a second line, {@link #alloc} checks every block
 * it hands out and keeps (never returns) one that contains a poisoned pfn.
 *
 * <p>A pfn poisoned while allocated stays with its owner until the owner frees it through this
 * wrapper; the free then takes the page off.
 */
public final class PoisonAwareAllocator implements PageAllocator {

    private static final long ISOLATED = Memdescs.bare(MemdescType.OFFLINE);
    private static final long HWPOISON = Memdescs.bare(MemdescType.HWPOISON);

    private final PageAllocator delegate;
    private final BitSet poisoned = new BitSet();
    private final BitSet takenOff = new BitSet();
    private final List<long[]> quarantine = new ArrayList<>();   // {pfn, order} held whole
    private long quarantinedPages;
    private long leakedCaught;
    // scratch for takeOff: held blocks {pfn, order}
    private long[] heldPfn = new long[1024];
    private int[] heldOrder = new int[1024];
    private int held;

    public PoisonAwareAllocator(final PageAllocator delegate) {
        this.delegate = delegate;
    }

    public PageAllocator delegate() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
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
        return delegate.freePages();
    }

    @Override
    public long alloc(final int order, final long allocatee, final int vcpu) {
        while (true) {
            final long pfn = delegate.alloc(order, allocatee, vcpu);
            if (pfn == NO_PAGE || pfn >= managedPages() || !containsPoison(pfn, order)) {
                return pfn;
            }
            synchronized (this) {                         // should not happen: keep it, try again
                quarantine.add(new long[] {pfn, order});
                quarantinedPages += (1L << order) - 1;
                leakedCaught++;
            }
        }
    }

    @Override
    public void free(final long pfn, final int order, final int vcpu) {
        if (pfn >= 0 && pfn < managedPages() && order >= 0 && order < 63 && containsPoison(pfn, order)) {
            synchronized (this) {
                if (order == 0 && takenOff.get((int) pfn)) {
                    throw new BadFreeException(BadFreeException.Kind.NOT_ALLOCATED, pfn, order,
                            "pfn is hwpoisoned and held by memory failure");
                }
                delegate.free(pfn, order, vcpu);
                for (int p = poisoned.nextSetBit((int) pfn); p >= 0 && p < pfn + (1L << order);
                     p = poisoned.nextSetBit(p + 1)) {
                    takeOff(p, vcpu);
                }
            }
            return;
        }
        delegate.free(pfn, order, vcpu);
    }

    private boolean containsPoison(final long pfn, final int order) {
        if (poisoned.isEmpty()) {
            return false;
        }
        final int next = poisoned.nextSetBit((int) pfn);
        return next >= 0 && next < pfn + (1L << order);
    }

    /** Records {@code pfn} as bad; if it is free now, takes it off at once. */
    public synchronized void poison(final long pfn, final int vcpu) {
        if (pfn < 0 || pfn >= managedPages()) {
            throw new IllegalArgumentException("pfn 0x" + Long.toHexString(pfn) + " is outside the "
                    + managedPages() + " managed pages");
        }
        poisoned.set((int) pfn);
        if (memmap().allocatee(pfn) == Allocatee.NONE) {
            takeOff(pfn, vcpu);
        }
    }

    public synchronized boolean isPoisoned(final long pfn) {
        return poisoned.get((int) pfn);
    }

    /** True once the poisoned pfn is held by the hwpoison allocation (or a quarantined block). */
    public synchronized boolean isTakenOff(final long pfn) {
        return takenOff.get((int) pfn);
    }

    public synchronized int poisonedCount() {
        return poisoned.cardinality();
    }

    /** Good pages kept out of use because a poisoned page could not be split out of their block. */
    public synchronized long quarantinedPages() {
        return quarantinedPages;
    }

    /** Blocks the allocator handed out although they held a poisoned pfn (kept, never returned). */
    public synchronized long leakedCaught() {
        return leakedCaught;
    }

    /** Takes the free page {@code pfn} out of the allocator for good (see the class comment). */
    synchronized boolean takeOff(final long pfn, final int vcpu) {
        if (takenOff.get((int) pfn)) {
            return true;
        }
        held = 0;
        for (int order = delegate.maxOrder(); order >= 0; order--) {
            long b;
            while ((b = delegate.alloc(order, ISOLATED, vcpu)) != NO_PAGE) {
                hold(b, order);
            }
        }
        int found = -1;
        for (int i = 0; i < held; i++) {
            if (pfn >= heldPfn[i] && pfn < heldPfn[i] + (1L << heldOrder[i])) {
                found = i;
                break;
            }
        }
        boolean done = false;
        if (found >= 0) {
            long block = heldPfn[found];
            int order = heldOrder[found];
            heldOrder[found] = -1;                                   // no longer in the release list
            boolean split = true;
            while (order > 0 && split) {
                delegate.free(block, order, vcpu);
                final long a = delegate.alloc(order - 1, ISOLATED, vcpu);
                final long c = a == NO_PAGE ? NO_PAGE : delegate.alloc(order - 1, ISOLATED, vcpu);
                final long half = 1L << (order - 1);
                if (a != NO_PAGE && c != NO_PAGE && Math.min(a, c) == block && Math.max(a, c) == block + half) {
                    final long keep = pfn < block + half ? block : block + half;
                    hold(keep == block ? block + half : block, order - 1);
                    block = keep;
                    order--;
                } else {
                    // The allocator did not split as asked: give back what we got, re-take the block whole.
                    if (a != NO_PAGE) {
                        delegate.free(a, order - 1, vcpu);
                    }
                    if (c != NO_PAGE) {
                        delegate.free(c, order - 1, vcpu);
                    }
                    final long again = delegate.alloc(order, HWPOISON, vcpu);
                    if (again == block) {
                        quarantine.add(new long[] {block, order});
                        quarantinedPages += (1L << order) - 1;
                        takenOff.set((int) pfn);
                        done = true;
                    } else if (again != NO_PAGE) {
                        hold(again, order);
                    }
                    split = false;
                }
            }
            if (split) {
                delegate.free(block, 0, vcpu);
                final long p = delegate.alloc(0, HWPOISON, vcpu);
                if (p == pfn) {
                    takenOff.set((int) pfn);
                    done = true;
                } else if (p != NO_PAGE) {
                    hold(p, 0);
                }
            }
        }
        for (int i = 0; i < held; i++) {
            if (heldOrder[i] >= 0) {
                delegate.free(heldPfn[i], heldOrder[i], vcpu);
            }
        }
        held = 0;
        return done;
    }

    private void hold(final long pfn, final int order) {
        if (held == heldPfn.length) {
            heldPfn = java.util.Arrays.copyOf(heldPfn, held * 2);
            heldOrder = java.util.Arrays.copyOf(heldOrder, held * 2);
        }
        heldPfn[held] = pfn;
        heldOrder[held] = order;
        held++;
    }

    @Override
    public long[] freeBlocksByOrder() {
        return delegate.freeBlocksByOrder();
    }

    @Override
    public synchronized VerifyReport verify() {
        final VerifyReport inner = delegate.verify();
        final List<String> problems = new ArrayList<>(inner.problems());
        for (int p = takenOff.nextSetBit(0); p >= 0; p = takenOff.nextSetBit(p + 1)) {
            final long owner = memmap().allocatee(p);
            if (Allocatee.type(owner) != MemdescType.HWPOISON) {
                problems.add("taken-off hwpoison pfn 0x" + Long.toHexString(p) + " is owned by 0x"
                        + Long.toHexString(owner));
            }
        }
        return new VerifyReport(inner.freePages(), inner.allocatedPages(), inner.managedPages(), problems);
    }
}

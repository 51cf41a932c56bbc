package dev.memu.alloc;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The on-heap truth an allocator is checked against: the set of live blocks (pfn, order,
 * allocatee) and the pages they cover. Deliberately naive (a bit set and a list), so that it is
 * obviously right; it only has to be fast enough for test-sized RAM.
 */
public final class ReferenceModel {

    /** One live allocation as the model remembers it. */
    public record Block(long pfn, int order, long allocatee) {
        public long pages() {
            return 1L << order;
        }
    }

    private final long pages;
    private final BitSet allocated = new BitSet();
    private final List<Block> live = new ArrayList<>();
    private final Map<Long, Integer> indexByPfn = new HashMap<>();
    private long livePages;

    public ReferenceModel(final long pages) {
        if (pages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the reference model is for test-sized RAM, got " + pages + " pages");
        }
        this.pages = pages;
    }

    public long pages() {
        return pages;
    }

    public long livePages() {
        return livePages;
    }

    public long freePages() {
        return pages - livePages;
    }

    public int liveBlocks() {
        return live.size();
    }

    public List<Block> live() {
        return List.copyOf(live);
    }

    public boolean isAllocated(final long pfn) {
        return allocated.get((int) pfn);
    }

    /** True when any page of [pfn, pfn + 2^order) is part of a live block. */
    public boolean overlapsLive(final long pfn, final int order) {
        final int next = allocated.nextSetBit((int) pfn);
        return next >= 0 && next < pfn + (1L << order);
    }

    public void add(final long pfn, final int order, final long allocatee) {
        if (overlapsLive(pfn, order)) {
            throw new IllegalStateException("model: block 0x" + Long.toHexString(pfn) + " overlaps a live block");
        }
        indexByPfn.put(pfn, live.size());
        live.add(new Block(pfn, order, allocatee));
        allocated.set((int) pfn, (int) (pfn + (1L << order)));
        livePages += 1L << order;
    }

    /** Removes and returns the live block at index {@code i} (swap-remove, O(1)). */
    public Block removeAt(final int i) {
        final Block block = live.get(i);
        final Block last = live.remove(live.size() - 1);
        if (i < live.size()) {
            live.set(i, last);
            indexByPfn.put(last.pfn(), i);
        }
        indexByPfn.remove(block.pfn());
        allocated.clear((int) block.pfn(), (int) (block.pfn() + block.pages()));
        livePages -= block.pages();
        return block;
    }

    public Block remove(final long pfn) {
        final Integer i = indexByPfn.get(pfn);
        if (i == null) {
            throw new IllegalStateException("model: no live block at 0x" + Long.toHexString(pfn));
        }
        return removeAt(i);
    }

    public Block randomLive(final Random random) {
        return live.get(random.nextInt(live.size()));
    }

    public int indexOf(final long pfn) {
        return indexByPfn.get(pfn);
    }

    /** True when some naturally aligned range of 2^order pages inside RAM has no live page. */
    public boolean hasFreeAlignedRange(final int order) {
        final long size = 1L << order;
        for (long start = 0; start + size <= pages; start += size) {
            if (!overlapsLive(start, order)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The free blocks a perfectly coalescing buddy allocator must hold: the free pages cut, left to
     * right, into the largest naturally aligned fully free ranges of order at most {@code maxOrder}.
     * (If two free buddies of one order existed the buddy invariant would be broken, so this
     * decomposition is unique.)
     */
    public long[] buddyFreeBlocks(final int maxOrder) {
        final long[] counts = new long[maxOrder + 1];
        long pfn = 0;
        while (pfn < pages) {
            if (isAllocated(pfn)) {
                pfn++;
                continue;
            }
            int order = Math.min(maxOrder, pfn == 0 ? 63 : Long.numberOfTrailingZeros(pfn));
            while (pfn + (1L << order) > pages || overlapsLive(pfn, order)) {
                order--;
            }
            counts[order]++;
            pfn += 1L << order;
        }
        return counts;
    }
}

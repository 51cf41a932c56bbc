package dev.memu.workload;

/**
 * The blocks a workload holds right now, as the allocator returned them: pfn and order in
 * parallel primitive arrays sized once, so that picking, adding and removing a block allocates
 * nothing. Removal swaps the last block into the hole (order of blocks does not matter, and a
 * random slot then means a random block).
 */
public final class LiveBlocks {

    private final long[] pfns;
    private final byte[] orders;
    private int count;
    private long pages;

    public LiveBlocks(final int capacity) {
        this.pfns = new long[capacity];
        this.orders = new byte[capacity];
    }

    public void add(final long pfn, final int order) {
        if (count == pfns.length) {
            throw new IllegalStateException("workload holds " + count + " blocks, its capacity");
        }
        pfns[count] = pfn;
        orders[count] = (byte) order;
        count++;
        pages += 1L << order;
    }

    public long pfn(final int slot) {
        return pfns[slot];
    }

    public int order(final int slot) {
        return orders[slot];
    }

    /** Forgets the block in {@code slot}; the last block moves there. */
    public void remove(final int slot) {
        pages -= 1L << orders[slot];
        count--;
        pfns[slot] = pfns[count];
        orders[slot] = orders[count];
    }

    public int count() {
        return count;
    }

    public long pages() {
        return pages;
    }

    public int capacity() {
        return pfns.length;
    }
}

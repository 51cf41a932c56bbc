package dev.memu.trace;

/**
 * The replay's own on-heap record of which trace pfns are live, one byte per pfn, in chunks of
 * 64 Ki pfns allocated on first write (a trace touches a few regions of a large pfn space).
 *
 * <pre>
 * bit  7    LIVE   page belongs to a block the trace allocated and has not freed
 * bit  6    HEAD   first page of that block (its order is in bits 0..4)
 * bit  5    FREED  the trace freed this page and has not allocated it again
 * bits 0..4 order  of the block (on its head)
 * bit  0    FREED_BY_FREE  on a FREED page: the free was mm_page_free (not free_batched)
 * 0         never named by the trace
 * </pre>
 *
 * Why a separate record at all: {@link dev.memu.layout.Memmap} answers "is this pfn a free-block
 * head / an allocation head", but the trace placement writes the memmap directly (no allocator),
 * and the allocator placement keeps the kernel's pfns nowhere in emulated memory. The duplicate
 * check (free followed by free_batched for one page) needs the FREED bit no layout has.
 */
final class PfnStates {

    static final int LIVE = 0x80;
    static final int HEAD = 0x40;
    static final int FREED = 0x20;
    static final int FREED_BY_FREE = 0x01;
    static final int ORDER_MASK = 0x1f;
    static final int MAX_ORDER = ORDER_MASK;

    private static final int CHUNK_SHIFT = 16;
    private static final int CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;

    private final long pages;
    private final byte[][] chunks;

    PfnStates(final long pages) {
        this.pages = pages;
        this.chunks = new byte[(int) ((pages + CHUNK_MASK) >>> CHUNK_SHIFT)][];
    }

    long pages() {
        return pages;
    }

    int get(final long pfn) {
        final byte[] c = chunks[(int) (pfn >>> CHUNK_SHIFT)];
        return c == null ? 0 : c[(int) (pfn & CHUNK_MASK)] & 0xff;
    }

    void set(final long pfn, final int state) {
        final int ci = (int) (pfn >>> CHUNK_SHIFT);
        byte[] c = chunks[ci];
        if (c == null) {
            if (state == 0) {
                return;
            }
            c = chunks[ci] = new byte[1 << CHUNK_SHIFT];
        }
        c[(int) (pfn & CHUNK_MASK)] = (byte) state;
    }

    /** True when no page of the chunk holding {@code pfn} was ever written (fast path for scans). */
    boolean chunkEmpty(final long pfn) {
        return chunks[(int) (pfn >>> CHUNK_SHIFT)] == null;
    }

    static int chunkPages() {
        return 1 << CHUNK_SHIFT;
    }

    /**
     * Free blocks per order (0..maxOrder) if every page that is not live were free, split the way
     * the buddy allocator would hold them: the largest naturally aligned blocks that fit each run.
     */
    long[] freeBlocksByOrder(final int maxOrder) {
        final long[] counts = new long[maxOrder + 1];
        long runStart = -1;
        for (long pfn = 0; pfn < pages; ) {
            if (chunkEmpty(pfn)) {
                if (runStart < 0) {
                    runStart = pfn;
                }
                pfn = Math.min(pages, (pfn | CHUNK_MASK) + 1);
                continue;
            }
            final boolean live = (get(pfn) & LIVE) != 0;
            if (live) {
                if (runStart >= 0) {
                    decompose(runStart, pfn, maxOrder, counts);
                    runStart = -1;
                }
            } else if (runStart < 0) {
                runStart = pfn;
            }
            pfn++;
        }
        if (runStart >= 0) {
            decompose(runStart, pages, maxOrder, counts);
        }
        return counts;
    }

    /** Splits [start, end) into the largest aligned blocks of at most maxOrder, counting them. */
    static void decompose(final long start, final long end, final int maxOrder, final long[] counts) {
        long p = start;
        while (p < end) {
            int k = maxOrder;
            while (k > 0 && ((p & ((1L << k) - 1)) != 0 || p + (1L << k) > end)) {
                k--;
            }
            counts[k]++;
            p += 1L << k;
        }
    }
}

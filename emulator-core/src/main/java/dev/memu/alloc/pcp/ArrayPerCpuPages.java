package dev.memu.alloc.pcp;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.machine.Machine;

/**
 * PCP lists in compact off-heap arrays of pfns: a hot line for the top of the order-0 list and a
 * ring per list for the rest. The default storage.
 *
 * <h2>Why arrays</h2>
 * Linux threads its PCP lists through {@code page->pcp_list}: popping a page reads its list links
 * and writes its neighbour's, two more lines (two struct pages for linux64; two free pages for
 * memdesc8, whose links live in the free memory) on top of the pcp header and the memmap entry the
 * allocatee goes to. With arrays an order-0 alloc or free costs the vcpu's first line (where the
 * top of the order-0 stack sits next to {@code active}, {@code claim} and {@code count}, which
 * every operation touches anyway) plus the memmap entry: 2 lines. Deeper blocks go to a ring per
 * list, from whose bottom (the coldest block) bulk frees take, as {@code free_pcppages_bulk} takes
 * {@code list_last_entry}. {@link LinkedPerCpuPages} is the Linux scheme, kept for comparison.
 *
 * <p>Measured with {@code CountingAccess} (distinct 64-byte lines per op, 1 GiB, one vcpu, batch
 * 63, high 1286; {@code mvn -pl emulator-core test -Dtest=PcpCachelinesTest -Dmemu.pcp.lines=all}):
 * <pre>
 * order-0, lines per alloc / per free   repeat       bulk         rand
 * memdesc8  buddy                       39   / 39    8.77 / 9.14  8.77 / 10.76
 * memdesc8  buddy+apcp (array)           2   / 2     3.95 / 3.48  3.95 / 6.57
 * memdesc8  buddy+apcp-linked            4   / 4     5.46 / 5.44  5.46 / 8.33
 * linux64   buddy                       31   / 31    7.65 / 9.64  7.65 / 11.60
 * linux64   buddy+apcp (array)           2   / 2     3.77 / 3.80  3.77 / 7.48
 * linux64   buddy+apcp-linked            3   / 3     4.29 / 4.30  4.29 / 7.97
 * </pre>
 * In the repeat shape (the PCP's hot path) the array scheme touches the vcpu's line 0 and the
 * block's memmap entry and nothing else; the linked scheme adds the links (one more struct page
 * for linux64, two free pages for memdesc8: the block's and its neighbour's). Bulk and rand include
 * the refills and bulk frees they trigger, so they carry the backend's amortized cost.
 *
 * <pre>
 * vcpu area (after the common words of PerCpuPages)
 * offset            size  field
 * line 0
 *  20                  4  hot         order-0 pfns in the hot slots, 0..10
 *  24                 40  hot[10]     order-0 pfns (u32); hot[hot - 1] is the top of the order-0 list
 * line 1: ring indices, touched when order 0 spills/fills, and by orders 1..3, 9
 *  64 + 8*list         4  head        ring index of the coldest block (free-running u32)
 *  68 + 8*list         4  tail        ring index one past the newest block
 * 192 + ...               ring[list]  u32 pfns, a power-of-two capacity per list, 64-byte aligned
 * </pre>
 * The hot slots move by halves: an empty hot line is filled with up to 5 pfns from the ring top, a
 * full one spills its 5 bottom pfns to the ring, so alternating alloc and free never bounce
 * between the two. Logical list order, coldest first: ring[head..tail), then hot[0..hot).
 *
 * <p>Pfns are stored as unsigned 32-bit values: 16 TiB of 4 KiB pages.
 */
final class ArrayPerCpuPages extends PerCpuPages {

    static final int HOT_SLOTS = 10;
    static final int HOT_HALF = HOT_SLOTS / 2;
    static final long HOT = 20;
    static final long HOT_SLOT = 24;
    static final long RING_INDEX = 64;
    static final long SLOT_BYTES = 4;

    private final long[] ringOffset;
    private final int[] ringCapacity = new int[NR_LISTS];

    /**
     * @param ringCapacity blocks each list's ring must hold (rounded up to a power of two); a list
     *                     not in use may pass 0
     */
    ArrayPerCpuPages(final Machine machine, final Access access, final int vcpus, final int[] ringCapacity) {
        super(machine, access, vcpus, ringOffsets(ringCapacity)[NR_LISTS]);
        this.ringOffset = ringOffsets(ringCapacity);
        for (int list = 0; list < NR_LISTS; list++) {
            this.ringCapacity[list] = capacity(ringCapacity[list]);
        }
    }

    private static int capacity(final int wanted) {
        return wanted <= 1 ? 1 : Integer.highestOneBit(wanted - 1) << 1;
    }

    /** Offsets of each list's ring; the last element is the bytes of one vcpu's area. */
    private static long[] ringOffsets(final int[] ringCapacity) {
        final long[] offsets = new long[NR_LISTS + 1];
        long offset = HEADER_BYTES;
        for (int list = 0; list < NR_LISTS; list++) {
            offsets[list] = offset;
            offset = align(offset + capacity(ringCapacity[list]) * SLOT_BYTES, 64);
        }
        offsets[NR_LISTS] = offset;
        return offsets;
    }

    @Override
    String scheme() {
        return "array";
    }

    @Override
    int maxBlocks(final int list) {
        return ringCapacity[list] + (list == 0 ? HOT_SLOTS : 0);
    }

    @Override
    boolean isEmpty(final long base, final int list) {
        return blocks(base, list) == 0;
    }

    @Override
    int blocks(final long base, final int list) {
        final int ring = ringTail(base, list) - ringHead(base, list);
        return list == 0 ? ring + hot(base) : ring;
    }

    @Override
    long blockAt(final long base, final int list, final int i) {
        final int ring = ringTail(base, list) - ringHead(base, list);
        if (i < ring) {
            return ringSlot(base, list, ringHead(base, list) + i);
        }
        return hotSlot(base, i - ring);
    }

    @Override
    boolean push(final long base, final int list, final long pfn) {
        if (list == 0) {
            int hot = hot(base);
            if (hot == HOT_SLOTS) {
                if (!spill(base)) {
                    return false;
                }
                hot = HOT_HALF;
            }
            setHotSlot(base, hot, pfn);
            setHot(base, hot + 1);
            return true;
        }
        return ringPush(base, list, pfn);
    }

    @Override
    long pop(final long base, final int list) {
        if (list == 0) {
            int hot = hot(base);
            if (hot == 0) {
                hot = fill(base);
                if (hot == 0) {
                    return EMPTY;
                }
            }
            hot--;
            final long pfn = hotSlot(base, hot);
            setHot(base, hot);
            return pfn;
        }
        final int head = ringHead(base, list);
        final int tail = ringTail(base, list);
        if (head == tail) {
            return EMPTY;
        }
        setRingTail(base, list, tail - 1);
        return ringSlot(base, list, tail - 1);
    }

    @Override
    long takeColdest(final long base, final int list) {
        final int head = ringHead(base, list);
        if (head != ringTail(base, list)) {
            setRingHead(base, list, head + 1);
            return ringSlot(base, list, head);
        }
        if (list != 0) {
            return EMPTY;
        }
        final int hot = hot(base);
        if (hot == 0) {
            return EMPTY;
        }
        final long pfn = hotSlot(base, 0);
        for (int i = 1; i < hot; i++) {
            setHotSlot(base, i - 1, hotSlot(base, i));
        }
        setHot(base, hot - 1);
        return pfn;
    }

    // ---- order-0 hot line ----

    private int hot(final long base) {
        return access.getInt(Region.ALLOCATOR, area, base + HOT);
    }

    private void setHot(final long base, final int n) {
        access.setInt(Region.ALLOCATOR, area, base + HOT, n);
    }

    private long hotSlot(final long base, final int i) {
        return Integer.toUnsignedLong(access.getInt(Region.ALLOCATOR, area, base + HOT_SLOT + SLOT_BYTES * i));
    }

    private void setHotSlot(final long base, final int i, final long pfn) {
        access.setInt(Region.ALLOCATOR, area, base + HOT_SLOT + SLOT_BYTES * i, (int) pfn);
    }

    /** Moves the 5 coldest hot pfns to the ring top; false when the ring has no room. */
    private boolean spill(final long base) {
        final int head = ringHead(base, 0);
        final int tail = ringTail(base, 0);
        if (ringCapacity[0] - (tail - head) < HOT_HALF) {
            return false;
        }
        for (int i = 0; i < HOT_HALF; i++) {
            setRingSlot(base, 0, tail + i, hotSlot(base, i));
        }
        setRingTail(base, 0, tail + HOT_HALF);
        for (int i = HOT_HALF; i < HOT_SLOTS; i++) {
            setHotSlot(base, i - HOT_HALF, hotSlot(base, i));
        }
        setHot(base, HOT_SLOTS - HOT_HALF);
        return true;
    }

    /** Moves up to 5 pfns from the ring top into the empty hot slots; returns how many. */
    private int fill(final long base) {
        final int head = ringHead(base, 0);
        final int tail = ringTail(base, 0);
        final int n = Math.min(HOT_HALF, tail - head);
        for (int i = 0; i < n; i++) {
            setHotSlot(base, i, ringSlot(base, 0, tail - n + i));
        }
        setRingTail(base, 0, tail - n);
        setHot(base, n);
        return n;
    }

    // ---- rings ----

    private boolean ringPush(final long base, final int list, final long pfn) {
        final int tail = ringTail(base, list);
        if (tail - ringHead(base, list) == ringCapacity[list]) {
            return false;
        }
        setRingSlot(base, list, tail, pfn);
        setRingTail(base, list, tail + 1);
        return true;
    }

    private int ringHead(final long base, final int list) {
        return access.getInt(Region.ALLOCATOR, area, base + RING_INDEX + 8L * list);
    }

    private void setRingHead(final long base, final int list, final int index) {
        access.setInt(Region.ALLOCATOR, area, base + RING_INDEX + 8L * list, index);
    }

    private int ringTail(final long base, final int list) {
        return access.getInt(Region.ALLOCATOR, area, base + RING_INDEX + 8L * list + 4);
    }

    private void setRingTail(final long base, final int list, final int index) {
        access.setInt(Region.ALLOCATOR, area, base + RING_INDEX + 8L * list + 4, index);
    }

    private long ringSlotOffset(final long base, final int list, final int index) {
        return base + ringOffset[list] + SLOT_BYTES * (index & (ringCapacity[list] - 1));
    }

    private long ringSlot(final long base, final int list, final int index) {
        return Integer.toUnsignedLong(access.getInt(Region.ALLOCATOR, area, ringSlotOffset(base, list, index)));
    }

    private void setRingSlot(final long base, final int list, final int index, final long pfn) {
        access.setInt(Region.ALLOCATOR, area, ringSlotOffset(base, list, index), (int) pfn);
    }
}

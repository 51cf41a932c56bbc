package dev.memu.alloc.pcp;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.machine.Machine;

import java.lang.foreign.MemorySegment;

/**
 * The per-vcpu page lists themselves (Linux {@code struct per_cpu_pages}): one off-heap area per
 * vcpu holding, for each PCP order, a LIFO list of free blocks. Only storage lives here; who may
 * touch an area when, and when to refill or drain, is {@link PcpAllocator}'s business.
 *
 * <h2>Where the lists live: a hot line and cold rings</h2>
 * Linux threads its PCP lists through {@code page->pcp_list}. memu keeps pfns in compact arrays
 * instead, because what an order-0 alloc or free costs is then one line of this area plus the
 * memmap entry the allocatee goes to. The top of the order-0 stack sits in the vcpu's first line
 * next to the words every operation reads anyway ({@code active}, {@code claim}, {@code count});
 * deeper blocks go to a ring per list, from whose bottom (the coldest block) bulk frees take, as
 * {@code free_pcppages_bulk} takes {@code list_last_entry}.
 *
 * <pre>
 * vcpu area (stride: a multiple of 128 bytes, so two vcpus never share a line or a line pair)
 * offset            size  field
 * line 0: touched by every operation of the owner
 *   0                  8  active      owner: 1 while inside an operation, else 0 (see PcpAllocator)
 *   8                  8  claim       drainers: 0, or the draining vcpu + 1 while it holds the lists
 *  16                  4  count       pcp->count: pages on all lists of this vcpu
 *  20                  4  hot         order-0 pfns in the hot slots, 0..10
 *  24                 40  hot[10]     order-0 pfns (u32); hot[hot - 1] is the top of the order-0 list
 * line 1: ring indices, touched when an order-0 operation spills/fills or for orders 1..3, 9
 *  64 + 8*list         4  head        ring index of the coldest block (free-running u32)
 *  68 + 8*list         4  tail        ring index one past the newest block
 * line 2: statistics, touched only on refills and bulk frees
 * 128                  8  refills     rmqueue_bulk calls (list was empty on alloc)
 * 136                  8  bulkFrees   free_pcppages_bulk calls (count reached high, or a full ring)
 * 144                  8  drains      whole-vcpu drains (drain_pages: pressure, offline, explicit)
 * 192 + ...               ring[list]  u32 pfns, a power-of-two capacity per list, 64-byte aligned
 * </pre>
 * The hot slots move by halves: an empty hot line is filled with up to 5 pfns from the ring top, a
 * full one spills its 5 bottom pfns to the ring, so alternating alloc and free never bounce
 * between the two. Logical list order, coldest first: ring[head..tail), then hot[0..hot).
 *
 * <p>Pfns are stored as unsigned 32-bit values: 16 TiB of 4 KiB pages.
 */
final class PerCpuPages {

    /** PCP lists per vcpu: orders 0..PAGE_ALLOC_COSTLY_ORDER (3), then the THP order. */
    static final int NR_LISTS = 5;
    static final int THP_LIST = 4;
    static final int HOT_SLOTS = 10;
    static final int HOT_HALF = HOT_SLOTS / 2;

    static final long ACTIVE = 0;
    static final long CLAIM = 8;
    static final long COUNT = 16;
    static final long HOT = 20;
    static final long HOT_SLOT = 24;
    static final long RING_INDEX = 64;
    static final long REFILLS = 128;
    static final long BULK_FREES = 136;
    static final long DRAINS = 144;
    static final long HEADER_BYTES = 192;
    static final long VCPU_ALIGN = 128;
    static final long SLOT_BYTES = 4;

    static final long EMPTY = -1;

    private final Access access;
    private final MemorySegment area;
    private final long stride;
    private final long[] ringOffset = new long[NR_LISTS];
    private final int[] ringCapacity = new int[NR_LISTS];

    /**
     * @param ringCapacity blocks each list's ring can hold (rounded up to a power of two); a list
     *                     not in use may pass 0
     */
    PerCpuPages(final Machine machine, final Access access, final int vcpus, final int[] ringCapacity) {
        this.access = access;
        long offset = HEADER_BYTES;
        for (int list = 0; list < NR_LISTS; list++) {
            final int capacity = ringCapacity[list] <= 1 ? 1 : Integer.highestOneBit(ringCapacity[list] - 1) << 1;
            this.ringCapacity[list] = capacity;
            ringOffset[list] = offset;
            offset = align(offset + capacity * SLOT_BYTES, 64);
        }
        this.stride = align(offset, VCPU_ALIGN);
        this.area = machine.allocate(Region.ALLOCATOR, stride * vcpus);
    }

    private static long align(final long value, final long to) {
        return (value + to - 1) & -to;
    }

    MemorySegment area() {
        return area;
    }

    long base(final int vcpu) {
        return vcpu * stride;
    }

    int ringCapacity(final int list) {
        return ringCapacity[list];
    }

    // ---- the protocol words: see PcpAllocator ----

    void setActive(final long base) {
        access.setLongVolatile(Region.ALLOCATOR, area, base + ACTIVE, 1);
    }

    void clearActive(final long base) {
        access.setLongRelease(Region.ALLOCATOR, area, base + ACTIVE, 0);
    }

    long active(final long base) {
        return access.getLongVolatile(Region.ALLOCATOR, area, base + ACTIVE);
    }

    long claim(final long base) {
        return access.getLongVolatile(Region.ALLOCATOR, area, base + CLAIM);
    }

    boolean tryClaim(final long base, final long who) {
        return access.compareAndSetLong(Region.ALLOCATOR, area, base + CLAIM, 0, who);
    }

    void releaseClaim(final long base) {
        access.setLongRelease(Region.ALLOCATOR, area, base + CLAIM, 0);
    }

    // ---- list state: only the holder of the vcpu's lists calls these ----

    int count(final long base) {
        return access.getInt(Region.ALLOCATOR, area, base + COUNT);
    }

    void setCount(final long base, final int pages) {
        access.setInt(Region.ALLOCATOR, area, base + COUNT, pages);
    }

    long stat(final long base, final long field) {
        return access.getLong(Region.ALLOCATOR, area, base + field);
    }

    void addStat(final long base, final long field) {
        access.setLong(Region.ALLOCATOR, area, base + field, access.getLong(Region.ALLOCATOR, area, base + field) + 1);
    }

    /** Blocks on the list. */
    int blocks(final long base, final int list) {
        final int ring = ringTail(base, list) - ringHead(base, list);
        return list == 0 ? ring + hot(base) : ring;
    }

    /** The {@code i}-th block of the list, coldest first (for verification). */
    long blockAt(final long base, final int list, final int i) {
        final int ring = ringTail(base, list) - ringHead(base, list);
        if (i < ring) {
            return ringSlot(base, list, ringHead(base, list) + i);
        }
        return hotSlot(base, i - ring);
    }

    /**
     * Puts {@code pfn} on top of the list.
     *
     * @return false, changing nothing, when the list is full: the caller bulk-frees and retries
     */
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

    /** Takes the block on top of the list (the hottest), or {@link #EMPTY}. */
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

    /** Takes the block at the bottom of the list (the coldest), or {@link #EMPTY}. */
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

package dev.memu.alloc.pcp;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.machine.Machine;

import java.lang.foreign.MemorySegment;

/**
 * The per-vcpu page lists (Linux {@code struct per_cpu_pages}): one off-heap area per vcpu with,
 * for each PCP order, a LIFO list of free blocks. Only storage lives here; who may touch an area
 * when, and when to refill or drain, is {@link PcpAllocator}'s business. Where the list entries
 * themselves live is the subclass's choice ({@link ArrayPerCpuPages}: compact pfn arrays, the
 * default; {@link LinkedPerCpuPages}: threaded through the free blocks, as Linux).
 *
 * <pre>
 * every vcpu area starts with (line 0, the line every operation of the owner touches)
 * offset  size  field
 *   0        8  active      owner: 1 while inside an operation, else 0 (see PcpAllocator)
 *   8        8  claim       drainers: 0, or the draining vcpu + 1 while it holds the lists
 *  16        4  count       pcp->count: pages on all lists of this vcpu
 *  20..63       the subclass's hottest list state
 * line 2: statistics, touched only on refills and bulk frees
 * 128        8  refills     rmqueue_bulk calls (list was empty on alloc)
 * 136        8  bulkFrees   free_pcppages_bulk calls (count reached high, a full list, drains)
 * 144        8  drains      whole-vcpu drains (drain_pages: pressure, offline, explicit)
 * </pre>
 * Areas are 128-byte aligned, so two vcpus never share a line or an adjacent-line prefetch pair.
 */
abstract class PerCpuPages {

    /** PCP lists per vcpu: orders 0..PAGE_ALLOC_COSTLY_ORDER (3), then the THP order. */
    static final int NR_LISTS = 5;
    static final int THP_LIST = 4;

    static final long ACTIVE = PcpGate.ACTIVE;
    static final long CLAIM = PcpGate.CLAIM;
    static final long COUNT = 16;
    static final long REFILLS = 128;
    static final long BULK_FREES = 136;
    static final long DRAINS = 144;
    static final long HEADER_BYTES = 192;
    static final long VCPU_ALIGN = 128;

    static final long EMPTY = -1;

    protected final Access access;
    protected final MemorySegment area;
    private final long stride;
    private final PcpGate gate;

    protected PerCpuPages(final Machine machine, final Access access, final int vcpus, final long bytesPerVcpu) {
        this.access = access;
        this.stride = align(bytesPerVcpu, VCPU_ALIGN);
        this.area = machine.allocate(Region.ALLOCATOR, stride * vcpus);
        this.gate = new PcpGate(access, area);
    }

    static long align(final long value, final long to) {
        return (value + to - 1) & -to;
    }

    MemorySegment area() {
        return area;
    }

    long base(final int vcpu) {
        return vcpu * stride;
    }

    // ---- the protocol words: see PcpGate and PcpAllocator ----

    final void setActive(final long base) {
        gate.setActive(base);
    }

    final void clearActive(final long base) {
        gate.clearActive(base);
    }

    final long active(final long base) {
        return gate.active(base);
    }

    final long claim(final long base) {
        return gate.claim(base);
    }

    final boolean tryClaim(final long base, final long who) {
        return gate.tryClaim(base, who);
    }

    /** Owner, before touching its lists: O1..O3 of the protocol in {@link PcpAllocator}. */
    final void enter(final long base) {
        gate.enter(base);
    }

    /** Owner, after its operation: O5. */
    final void exit(final long base) {
        gate.exit(base);
    }

    /** Drainer, before touching another vcpu's lists: D1..D3. */
    final void lockRemote(final long base, final long who) {
        gate.lockRemote(base, who);
    }

    /** Drainer, done: D5. */
    final void unlockRemote(final long base) {
        gate.unlockRemote(base);
    }

    // ---- state only the holder of the vcpu's lists touches ----

    final int count(final long base) {
        return access.getInt(Region.ALLOCATOR, area, base + COUNT);
    }

    final void setCount(final long base, final int pages) {
        access.setInt(Region.ALLOCATOR, area, base + COUNT, pages);
    }

    final long stat(final long base, final long field) {
        return access.getLong(Region.ALLOCATOR, area, base + field);
    }

    final void addStat(final long base, final long field) {
        access.setLong(Region.ALLOCATOR, area, base + field, access.getLong(Region.ALLOCATOR, area, base + field) + 1);
    }

    /** Zeroes a statistic (tests use one as a plain scratch word). */
    final void clearStatForTest(final long base, final long field) {
        access.setLong(Region.ALLOCATOR, area, base + field, 0);
    }

    /**
     * Puts {@code pfn} on top of the list.
     *
     * @return false, changing nothing, when the list is full: the caller bulk-frees and retries
     */
    abstract boolean push(long base, int list, long pfn);

    /** Takes the block on top of the list (the hottest), or {@link #EMPTY}. */
    abstract long pop(long base, int list);

    /** Takes the block at the bottom of the list (the coldest), or {@link #EMPTY}. */
    abstract long takeColdest(long base, int list);

    abstract boolean isEmpty(long base, int list);

    /** Blocks on the list; may walk it (accessors and verification only). */
    abstract int blocks(long base, int list);

    /** The {@code i}-th block of the list, coldest first; may walk it (verification only). */
    abstract long blockAt(long base, int list, int i);

    /** Most blocks a list can hold; a count above it means the list state is corrupt. */
    abstract int maxBlocks(int list);

    /** Name of the storage scheme for reports: {@code array} or {@code linked}. */
    abstract String scheme();
}

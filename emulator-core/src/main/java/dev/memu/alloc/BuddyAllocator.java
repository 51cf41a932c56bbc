package dev.memu.alloc;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.Allocatee;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The baseline: Linux's binary buddy allocator ({@code mm/page_alloc.c}) over one zone, faithful
 * in the places that decide its cost.
 *
 * <ul>
 *   <li>One free list per order, threaded through the free blocks themselves the way the layout
 *       threads them ({@code page->buddy_list} for linux64, the free memory for memdesc8).</li>
 *   <li>{@code __rmqueue_smallest}: take the first block of the smallest order that has one, and
 *       {@code expand} it, putting the upper half back at each step down.</li>
 *   <li>{@code __free_one_page}: merge with the buddy at {@code pfn ^ (1 << order)} while it is
 *       a free block of the same order, then put the merged block on its list: at the head, or at
 *       the tail when {@code buddy_merge_likely} finds the buddy of the next order free (which
 *       reads that buddy's descriptor: one more memmap line per free, as in Linux).</li>
 *   <li>Free lists are doubly linked with a head and a tail in the zone ({@code list_head}), so
 *       that removing the first or last block writes the zone's line as Linux's circular
 *       {@code list_del} does, and {@code list_add_tail} is possible. Boot-time freeing puts
 *       blocks at the tail ({@code FPI_TO_TAIL}, as {@code __free_pages_core} does) so the
 *       lowest pfns are handed out first.</li>
 *   <li>Every free reads its pageblock's migratetype ({@code get_pfnblock_migratetype}, one
 *       usemap line) and a block larger than a pageblock goes back one pageblock at a time
 *       ({@code split_large_buddy}, Linux 6.10+); merges at order >= {@code pageblock_order} read
 *       the buddy's migratetype too. Everything is MIGRATE_MOVABLE here, so the values never stop
 *       a merge; the reads are kept for what they cost.</li>
 *   <li>A zone lock, a spinning CAS on a word of the zone as {@code spin_lock(&zone->lock)} is,
 *       held only around the free-list work. Checks and memmap updates of the caller's own block
 *       happen outside it, as {@code free_pages_prepare} and {@code post_alloc_hook} do.</li>
 * </ul>
 *
 * Migratetypes, watermarks and the PCP are left out here: the PCP is a separate wrapper, and the
 * others only change which list a block sits on, not what an operation touches.
 *
 * <h2>Zone metadata (off-heap, region {@code allocator})</h2>
 * Laid out as {@code struct zone}'s hot part is on x86-64 (Linux 6.12, MIGRATE_TYPES = 6 with
 * CONFIG_CMA and CONFIG_MEMORY_ISOLATION), so that the counting pass sees the lines Linux
 * touches: {@code struct free_area} is 6 list heads of 16 bytes plus {@code nr_free}, 104 bytes,
 * so each order's list head and its {@code nr_free} sit in their own lines and scanning orders in
 * {@code __rmqueue_smallest} touches one line per order.
 * <pre>
 * offset               size  field
 * 104*order + 16         8   free_area[order].free_list[MIGRATE_MOVABLE].next: first pfn, -1 when empty
 * 104*order + 24         8   free_area[order].free_list[MIGRATE_MOVABLE].prev: last pfn, -1 when empty
 * 104*order + 96         8   free_area[order].nr_free
 * 104*(maxOrder+1)       8   flags (unused)
 * 104*(maxOrder+1) + 8   8   zone lock: 0 = free, 1 = held
 * next 64-byte line      8   NR_FREE_PAGES (Linux: a per-CPU vm_stat diff, never the lock's line)
 * next 64-byte line          usemap: one {@code struct mem_section_usage} per 128 MiB section
 *                            (2^15 pfns), 40 bytes each, back to back as sparse_init allocates them:
 *   +0                   8     subsection_map (unused)
 *   +8                  32     pageblock_flags: 4 bits per pageblock of 2^9 pfns (64 per section),
 *                              migratetype in bits 0..2, MIGRATE_MOVABLE = 1
 * </pre>
 * Zone and usemap share one mapping so that a small emulated RAM is not charged a host page for
 * a few bytes of usemap.
 * The other migratetypes' list heads are left empty: memu allocates everything as movable.
 */
public final class BuddyAllocator implements PageAllocator {

    /** Linux's MAX_PAGE_ORDER: largest order on the free lists by default (4 MiB with 4 KiB pages). */
    public static final int DEFAULT_MAX_ORDER = 10;

    private static final long FREE_AREA_BYTES = 104;
    private static final long AREA_HEAD = 16;
    private static final long AREA_TAIL = 24;
    private static final long AREA_NR_FREE = 96;
    private static final long LINE = 64;

    /** pageblock_order with 4 KiB pages and hugetlb (x86-64): 2 MiB pageblocks. */
    static final int PAGEBLOCK_ORDER = 9;
    /** x86-64 SECTION_SIZE_BITS 27 with 4 KiB pages: 2^15 pfns per memory section. */
    private static final int SECTION_SHIFT = 15;
    private static final long USAGE_BYTES = 40;
    private static final long USAGE_PAGEBLOCK_FLAGS = 8;
    private static final int PAGEBLOCK_BITS = 4;
    private static final long MIGRATETYPE_MASK = 0x7;
    private static final long ALL_MOVABLE = 0x1111_1111_1111_1111L;

    private final Memmap memmap;
    private final Access access;
    private final MemorySegment zone;
    private final long pages;
    private final int maxOrder;
    private final long lockOffset;
    private final long nrFreePagesOffset;
    private final long usemapOffset;

    public BuddyAllocator(final Memmap memmap, final AllocatorOptions options) {
        this.memmap = memmap;
        this.access = memmap.access();
        this.pages = memmap.machine().pages();
        final int requested = options.maxOrder() == AllocatorOptions.DEFAULT ? DEFAULT_MAX_ORDER : options.maxOrder();
        final int fitsRam = 63 - Long.numberOfLeadingZeros(pages);
        if (requested > memmap.layout().maxFreeOrder()) {
            throw new IllegalArgumentException("max order " + requested + " is beyond what layout "
                    + memmap.layout().name() + " can record (" + memmap.layout().maxFreeOrder() + ")");
        }
        this.maxOrder = Math.min(requested, fitsRam);
        this.lockOffset = area(maxOrder + 1) + 8;
        this.nrFreePagesOffset = (lockOffset + 8 + LINE - 1) & -LINE;
        this.usemapOffset = nrFreePagesOffset + LINE;
        final long sections = (pages + (1L << SECTION_SHIFT) - 1) >>> SECTION_SHIFT;
        this.zone = memmap.machine().allocate(Region.ALLOCATOR, usemapOffset + sections * USAGE_BYTES);
        // memmap_init_range: every pageblock starts MIGRATE_MOVABLE.
        for (long section = 0; section < sections; section++) {
            for (long word = 0; word < 4; word++) {
                access.setLong(Region.ALLOCATOR, zone,
                        usemapOffset + section * USAGE_BYTES + USAGE_PAGEBLOCK_FLAGS + word * 8, ALL_MOVABLE);
            }
        }
        for (int order = 0; order <= maxOrder; order++) {
            access.setLong(Region.ALLOCATOR, zone, area(order) + AREA_HEAD, Memmap.NIL);
            access.setLong(Region.ALLOCATOR, zone, area(order) + AREA_TAIL, Memmap.NIL);
        }
        // memblock_free_all(): hand every page over in the largest aligned blocks that fit.
        long pfn = 0;
        while (pfn < pages) {
            int order = pfn == 0 ? maxOrder : Math.min(maxOrder, Long.numberOfTrailingZeros(pfn));
            while (pfn + (1L << order) > pages) {
                order--;
            }
            addToFreeList(pfn, order, true);
            pfn += 1L << order;
        }
        access.setLong(Region.ALLOCATOR, zone, nrFreePagesOffset, pages);
    }

    @Override
    public String name() {
        return "buddy";
    }

    @Override
    public Memmap memmap() {
        return memmap;
    }

    @Override
    public int maxOrder() {
        return maxOrder;
    }

    @Override
    public long managedPages() {
        return pages;
    }

    @Override
    public long freePages() {
        return access.getLongVolatile(Region.ALLOCATOR, zone, nrFreePagesOffset);
    }

    @Override
    public long alloc(final int order, final long allocatee, final int vcpu) {
        LiveBlockCheck.allocation(order, maxOrder, allocatee);
        lock();
        final long pfn;
        try {
            pfn = rmqueueSmallest(order);
        } finally {
            unlock();
        }
        if (pfn != NO_PAGE) {
            memmap.setAllocated(pfn, order, allocatee);
        }
        return pfn;
    }

    @Override
    public void free(final long pfn, final int order, final int vcpu) {
        LiveBlockCheck.free(memmap, pages, maxOrder, pfn, order);
        memmap.clearAllocated(pfn, order);
        lock();
        try {
            // split_large_buddy: a block larger than a pageblock is freed a pageblock at a time,
            // each with its pageblock's migratetype; the halves then merge as buddies do.
            final int step = Math.min(order, PAGEBLOCK_ORDER);
            final long end = pfn + (1L << order);
            for (long block = pfn; block < end; block += 1L << step) {
                pageblockMigratetype(block);
                freeOnePage(block, step);
            }
        } finally {
            unlock();
        }
    }

    // ---- under the zone lock ----

    private long rmqueueSmallest(final int order) {
        for (int current = order; current <= maxOrder; current++) {
            final long pfn = access.getLong(Region.ALLOCATOR, zone, area(current) + AREA_HEAD);
            if (pfn == Memmap.NIL) {
                continue;
            }
            delFromFreeList(pfn, current);
            expand(pfn, order, current);
            addFreePages(-(1L << order));
            return pfn;
        }
        return NO_PAGE;
    }

    /** Splits the block of {@code high} at {@code pfn} down to {@code low}, freeing upper halves. */
    private void expand(final long pfn, final int low, final int high) {
        int order = high;
        while (order > low) {
            order--;
            addToFreeList(pfn + (1L << order), order, false);
        }
    }

    private void freeOnePage(final long freedPfn, final int freedOrder) {
        long pfn = freedPfn;
        int order = freedOrder;
        while (order < maxOrder) {
            final long buddy = pfn ^ (1L << order);
            if (buddy + (1L << order) > pages || memmap.freeOrder(buddy) != order) {
                break;
            }
            if (order >= PAGEBLOCK_ORDER) {
                pageblockMigratetype(buddy);   // all movable: never stops the merge
            }
            delFromFreeList(buddy, order);
            pfn &= buddy;
            order++;
        }
        addToFreeList(pfn, order, buddyMergeLikely(pfn, order));
        addFreePages(1L << freedOrder);
    }

    /**
     * buddy_merge_likely: when the block's buddy of the next order up is free, the block's own
     * buddy is probably about to be freed too, so the block goes to the tail of its list, where it
     * stays free longer and can merge. Costs one read of that buddy's descriptor.
     */
    private boolean buddyMergeLikely(final long pfn, final int order) {
        if (order >= maxOrder - 1) {
            return false;
        }
        final long higher = pfn & ~(1L << order);
        final long higherBuddy = higher ^ (1L << (order + 1));
        return higherBuddy + (1L << (order + 1)) <= pages && memmap.freeOrder(higherBuddy) == order + 1;
    }

    /** __add_to_free_list: at the head (list_add) or, with {@code toTail}, the tail (list_add_tail). */
    private void addToFreeList(final long pfn, final int order, final boolean toTail) {
        final long head = area(order) + AREA_HEAD;
        final long tail = area(order) + AREA_TAIL;
        memmap.setFree(pfn, order);
        if (toTail) {
            final long last = access.getLong(Region.ALLOCATOR, zone, tail);
            memmap.setNextFree(pfn, Memmap.NIL);
            memmap.setPrevFree(pfn, last);
            if (last == Memmap.NIL) {
                access.setLong(Region.ALLOCATOR, zone, head, pfn);
            } else {
                memmap.setNextFree(last, pfn);
            }
            access.setLong(Region.ALLOCATOR, zone, tail, pfn);
        } else {
            final long first = access.getLong(Region.ALLOCATOR, zone, head);
            memmap.setNextFree(pfn, first);
            memmap.setPrevFree(pfn, Memmap.NIL);
            if (first == Memmap.NIL) {
                access.setLong(Region.ALLOCATOR, zone, tail, pfn);
            } else {
                memmap.setPrevFree(first, pfn);
            }
            access.setLong(Region.ALLOCATOR, zone, head, pfn);
        }
        final long nrFree = area(order) + AREA_NR_FREE;
        access.setLong(Region.ALLOCATOR, zone, nrFree, access.getLong(Region.ALLOCATOR, zone, nrFree) + 1);
    }

    private void delFromFreeList(final long pfn, final int order) {
        final long next = memmap.nextFree(pfn);
        final long prev = memmap.prevFree(pfn);
        if (prev == Memmap.NIL) {
            access.setLong(Region.ALLOCATOR, zone, area(order) + AREA_HEAD, next);
        } else {
            memmap.setNextFree(prev, next);
        }
        if (next == Memmap.NIL) {
            access.setLong(Region.ALLOCATOR, zone, area(order) + AREA_TAIL, prev);
        } else {
            memmap.setPrevFree(next, prev);
        }
        memmap.clearFree(pfn);
        final long nrFree = area(order) + AREA_NR_FREE;
        access.setLong(Region.ALLOCATOR, zone, nrFree, access.getLong(Region.ALLOCATOR, zone, nrFree) - 1);
    }

    private void addFreePages(final long delta) {
        access.setLong(Region.ALLOCATOR, zone, nrFreePagesOffset,
                access.getLong(Region.ALLOCATOR, zone, nrFreePagesOffset) + delta);
    }

    /** get_pfnblock_migratetype: reads the usemap word holding {@code pfn}'s pageblock flags. */
    private int pageblockMigratetype(final long pfn) {
        final long section = pfn >>> SECTION_SHIFT;
        final long bit = ((pfn & ((1L << SECTION_SHIFT) - 1)) >>> PAGEBLOCK_ORDER) * PAGEBLOCK_BITS;
        final long word = access.getLong(Region.ALLOCATOR, zone,
                usemapOffset + section * USAGE_BYTES + USAGE_PAGEBLOCK_FLAGS + (bit >>> 6) * 8);
        return (int) ((word >>> (bit & 63)) & MIGRATETYPE_MASK);
    }

    private static long area(final int order) {
        return FREE_AREA_BYTES * order;
    }

    private void lock() {
        while (!access.compareAndSetLong(Region.ALLOCATOR, zone, lockOffset, 0, 1)) {
            while (access.getLongVolatile(Region.ALLOCATOR, zone, lockOffset) != 0) {
                Thread.onSpinWait();
            }
        }
    }

    private void unlock() {
        access.setLongRelease(Region.ALLOCATOR, zone, lockOffset, 0);
    }

    // ---- quiescent views ----

    @Override
    public long[] freeBlocksByOrder() {
        final long[] counts = new long[maxOrder + 1];
        for (int order = 0; order <= maxOrder; order++) {
            counts[order] = access.getLongVolatile(Region.ALLOCATOR, zone, area(order) + AREA_NR_FREE);
        }
        return counts;
    }

    @Override
    public VerifyReport verify() {
        final List<String> problems = new ArrayList<>();
        final BitSet free = new BitSet();
        long freePages = 0;
        for (int order = 0; order <= maxOrder; order++) {
            long pfn = access.getLong(Region.ALLOCATOR, zone, area(order) + AREA_HEAD);
            long prev = Memmap.NIL;
            long length = 0;
            boolean complete = true;
            while (pfn != Memmap.NIL) {
                if (pfn < 0 || pfn + (1L << order) > pages) {
                    VerifyReport.addProblem(problems, "order-" + order + " list holds out-of-range pfn 0x" + Long.toHexString(pfn));
                    complete = false;
                    break;
                }
                if (++length > pages) {
                    VerifyReport.addProblem(problems, "order-" + order + " list does not end (cycle)");
                    complete = false;
                    break;
                }
                if ((pfn & ((1L << order) - 1)) != 0) {
                    VerifyReport.addProblem(problems, "free block 0x" + Long.toHexString(pfn) + " is not aligned to order " + order);
                }
                if (memmap.freeOrder(pfn) != order) {
                    VerifyReport.addProblem(problems, "free block 0x" + Long.toHexString(pfn) + " on the order-" + order
                            + " list is marked with order " + memmap.freeOrder(pfn));
                }
                if (memmap.prevFree(pfn) != prev) {
                    VerifyReport.addProblem(problems, "free block 0x" + Long.toHexString(pfn) + " has a broken prev link");
                }
                final int from = (int) pfn;
                if (free.nextSetBit(from) != -1 && free.nextSetBit(from) < from + (1 << order)) {
                    VerifyReport.addProblem(problems, "free block 0x" + Long.toHexString(pfn) + " order " + order
                            + " overlaps another free block");
                }
                free.set(from, from + (1 << order));
                freePages += 1L << order;
                if (order < maxOrder) {
                    final long buddy = pfn ^ (1L << order);
                    if (buddy + (1L << order) <= pages && memmap.freeOrder(buddy) == order) {
                        VerifyReport.addProblem(problems, "free blocks 0x" + Long.toHexString(pfn) + " and 0x"
                                + Long.toHexString(buddy) + " of order " + order + " were not merged");
                    }
                }
                prev = pfn;
                pfn = memmap.nextFree(pfn);
            }
            final long tail = access.getLong(Region.ALLOCATOR, zone, area(order) + AREA_TAIL);
            if (complete && tail != prev) {
                VerifyReport.addProblem(problems, "order-" + order + " list ends at 0x" + Long.toHexString(prev)
                        + " but its tail says 0x" + Long.toHexString(tail));
            }
            final long nrFree = access.getLong(Region.ALLOCATOR, zone, area(order) + AREA_NR_FREE);
            if (nrFree != length) {
                VerifyReport.addProblem(problems, "free_area[" + order + "].nr_free is " + nrFree + " but its list holds " + length);
            }
        }
        if (freePages() != freePages) {
            VerifyReport.addProblem(problems, "NR_FREE_PAGES is " + freePages() + " but the lists hold " + freePages);
        }
        long allocatedPages = 0;
        long pfn = 0;
        while (pfn < pages) {
            if (free.get((int) pfn)) {
                final int order = memmap.freeOrder(pfn);
                final long end = order >= 0 ? Math.min(pages, pfn + (1L << order)) : pfn + 1;
                if (memmap.allocatee(pfn) != Allocatee.NONE) {
                    VerifyReport.addProblem(problems, "free block 0x" + Long.toHexString(pfn) + " names an allocatee");
                }
                // The pages inside a free block carry no marks of their own: a stray free mark or
                // owner there is state the lists do not account for.
                for (long inner = pfn + 1; inner < end; inner++) {
                    if (memmap.freeOrder(inner) >= 0) {
                        VerifyReport.addProblem(problems, "pfn 0x" + Long.toHexString(inner) + " inside free block 0x"
                                + Long.toHexString(pfn) + " is marked as a free block of its own");
                    } else if (memmap.allocatee(inner) != Allocatee.NONE) {
                        VerifyReport.addProblem(problems, "pfn 0x" + Long.toHexString(inner) + " inside free block 0x"
                                + Long.toHexString(pfn) + " names an allocatee");
                    }
                }
                pfn = end;
                continue;
            }
            final int order = memmap.allocatedOrder(pfn);
            if (order < 0 || pfn + (1L << order) > pages) {
                VerifyReport.addProblem(problems, "pfn 0x" + Long.toHexString(pfn) + " is neither free nor the head of an allocation");
                pfn++;
                continue;
            }
            final long owner = memmap.allocatee(pfn);
            for (long tail = pfn; tail < pfn + (1L << order); tail++) {
                if (free.get((int) tail)) {
                    VerifyReport.addProblem(problems, "pfn 0x" + Long.toHexString(tail) + " is both free and allocated");
                } else if (memmap.freeOrder(tail) >= 0) {
                    VerifyReport.addProblem(problems, "allocated pfn 0x" + Long.toHexString(tail) + " is marked free");
                } else if (memmap.allocatee(tail) != owner) {
                    VerifyReport.addProblem(problems, "pfn 0x" + Long.toHexString(tail) + " names another allocatee than its head");
                }
            }
            allocatedPages += 1L << order;
            pfn += 1L << order;
        }
        if (freePages + allocatedPages != pages) {
            VerifyReport.addProblem(problems, "free " + freePages + " + allocated " + allocatedPages + " != managed " + pages);
        }
        return new VerifyReport(freePages, allocatedPages, pages, problems);
    }

}

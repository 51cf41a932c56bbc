package dev.memu.alloc;

import dev.memu.access.Access;
import dev.memu.access.AccessHelper;
import dev.memu.access.FieldLabeler;
import dev.memu.access.Region;
import dev.memu.alloc.linux.LinuxConfig;
import dev.memu.alloc.linux.MemSectionStruct;
import dev.memu.alloc.linux.StructFields;
import dev.memu.alloc.linux.VmEventStruct;
import dev.memu.alloc.linux.ZoneStruct;
import dev.memu.alloc.linux.ZonestatStruct;
import dev.memu.alloc.pcp.PcpSizing;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.Allocatee;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import static dev.memu.alloc.linux.LinuxConfig.LINE;
import static dev.memu.alloc.linux.LinuxConfig.MIGRATE_MOVABLE;

/**
 * The baseline: Linux's binary buddy allocator ({@code mm/page_alloc.c}) over one zone, touching
 * the lines Linux touches for the same operation. The operation inventory (which function reads or
 * writes which field, and in which line) is in {@link dev.memu.alloc.linux}; the struct offsets
 * are in {@link ZoneStruct}, {@link ZonestatStruct}, {@link VmEventStruct} and
 * {@link MemSectionStruct}, for the kernel and configuration {@link LinuxConfig} names.
 *
 * <h2>What an operation does (Linux 6.12 names)</h2>
 * <ul>
 *   <li>Allocation is the path of an order without a PCP list: {@code get_page_from_freelist}
 *       (its {@code ZONE_BELOW_HIGH} test in {@code zone->flags}) -> {@code zone_watermark_fast}
 *       (the {@code WMARK_HIGH} mark, or {@code WMARK_LOW} below it, plus {@code watermark_boost},
 *       {@code nr_free_highatomic}, {@code lowmem_reserve[ZONE_MOVABLE]}, {@code vm_stat[NR_FREE_PAGES]};
 *       above order 0 {@code __zone_watermark_ok} also reads {@code free_area[o].nr_free} and the
 *       free list heads up to the first order with a block) -> {@code rmqueue} -> {@code rmqueue_buddy}
 *       (zone lock; {@code __rmqueue}'s CMA balance reads {@code vm_stat[NR_FREE_CMA_PAGES]} and
 *       {@code vm_stat[NR_FREE_PAGES]}; {@code __rmqueue_smallest}, {@code page_del_and_expand},
 *       {@code account_freepages} -> {@code __mod_zone_page_state}) -> {@code __count_zid_vm_events(PGALLOC)}
 *       and {@code zone_statistics} (per-CPU counters) -> {@code rmqueue}'s test of
 *       {@code ZONE_BOOSTED_WATERMARK} in {@code zone->flags} -> {@code prep_new_page}.</li>
 *   <li>A free is {@code __free_pages_ok}: {@code free_pages_prepare} (the memmap), then
 *       {@code free_one_page} (zone lock, {@code split_large_buddy}: a block larger than a pageblock
 *       goes back one pageblock at a time, each after {@code get_pfnblock_migratetype} through the
 *       mem_section), {@code __free_one_page} ({@code account_freepages} first, then merging with
 *       the buddy at {@code pfn ^ (1 << order)} while it is free with the same order, reading the
 *       buddy's migratetype at orders >= {@code pageblock_order}; then {@code buddy_merge_likely}
 *       picks head or tail), and {@code __count_vm_events(PGFREE)}.</li>
 *   <li>Free lists are threaded through the free blocks as the layout threads them
 *       ({@code page->buddy_list} for linux64, the free memory for memdesc8), doubly linked with
 *       the head's {@code next}/{@code prev} in the zone, as Linux's circular {@code list_head}.
 *       Boot-time freeing puts blocks at the tail ({@code FPI_TO_TAIL}, as {@code __free_pages_core}
 *       does) so the lowest pfns are handed out first.</li>
 *   <li>{@code NR_FREE_PAGES} is kept as Linux keeps it: a per-CPU {@code vm_stat_diff} folded
 *       into {@code zone->vm_stat} past {@code stat_threshold} ({@code calculate_normal_threshold});
 *       {@link #freePages()} adds the diffs as {@code zone_page_state_snapshot} does.</li>
 * </ul>
 * Watermarks do change what an operation touches (the check is on every allocation), but not what
 * it does here: below the low mark Linux enters the slow path (kswapd, a retry at the min mark,
 * reclaim), which memu does not model; it allocates as that retry would, so that an allocation
 * fails only when nothing is free. Everything is MIGRATE_MOVABLE (the other types' lists stay
 * empty, no CMA or isolated pageblocks, no fallback stealing), so migratetype reads never change
 * a decision; they are kept for their lines. Left out: the zonelist walk and {@code
 * alloc_flags_nofragment} (pgdat lines), {@code page_zone}'s {@code node_data[]} read, cpusets,
 * {@code numa_node_id()}, page reporting and shuffling (static keys, off), debug checks.
 *
 * <h2>Allocator metadata (one mapping, region {@code allocator})</h2>
 * <pre>
 * offset                    size                 what
 * 0                         1728                 struct zone (ZoneStruct)
 * 1728                      8, own line          struct mem_section **mem_section (the root pointer)
 * 1792                      8 per root, lines    mem_section[root]: pointers to the section pages
 * next line                 4096 per root        struct mem_section[SECTIONS_PER_ROOT] (16 bytes each)
 * next line                 56 per section       struct mem_section_usage, back to back
 * next line + 256*vcpu      64                   the vcpu's struct per_cpu_zonestat (zone->per_cpu_zonestats)
 *               + 64        192                  the vcpu's vm_event_states (first 3 lines)
 * </pre>
 * The vcpu's area is 256 bytes, so two vcpus never share a line.
 */
public final class BuddyAllocator implements PageAllocator, FieldLabeler {

    /** Linux's MAX_PAGE_ORDER: largest order on the free lists by default (4 MiB with 4 KiB pages). */
    public static final int DEFAULT_MAX_ORDER = 10;

    static final int PAGEBLOCK_ORDER = LinuxConfig.PAGEBLOCK_ORDER;
    private static final long PAGE = 4096;
    private static final long MEM_SECTION_PTR = ZoneStruct.SIZE;
    private static final long ROOTS = MEM_SECTION_PTR + LINE;
    private static final long PERCPU_STRIDE = 256;
    private static final long PERCPU_VM_EVENTS = ZonestatStruct.SIZE;
    /** {@code enum zone_flags} bit ZONE_BELOW_HIGH (after ZONE_BOOSTED_WATERMARK, ZONE_RECLAIM_ACTIVE). */
    private static final long ZONE_BELOW_HIGH = 1L << 2;
    /** Every pageblock MIGRATE_MOVABLE: nibble 1 in all 16 nibbles of a word (memmap_init_range). */
    private static final long ALL_MOVABLE = 0x1111_1111_1111_1111L;

    private final Memmap memmap;
    private final Access access;
    private final MemorySegment zone;
    private final long pages;
    private final int maxOrder;
    private final int vcpus;
    private final long sections;
    private final long roots;
    private final long sectionsBase;
    private final long usageBase;
    private final long percpuBase;

    public BuddyAllocator(final Memmap memmap, final AllocatorOptions options) {
        this.memmap = memmap;
        this.access = memmap.access();
        this.pages = memmap.machine().pages();
        this.vcpus = options.vcpus();
        final int requested = options.maxOrder() == AllocatorOptions.DEFAULT ? DEFAULT_MAX_ORDER : options.maxOrder();
        final int fitsRam = 63 - Long.numberOfLeadingZeros(pages);
        if (requested > memmap.layout().maxFreeOrder()) {
            throw new IllegalArgumentException("max order " + requested + " is beyond what layout "
                    + memmap.layout().name() + " can record (" + memmap.layout().maxFreeOrder() + ")");
        }
        this.maxOrder = Math.min(requested, fitsRam);
        this.sections = (pages + (1L << MemSectionStruct.PFN_SECTION_SHIFT) - 1) >>> MemSectionStruct.PFN_SECTION_SHIFT;
        this.roots = (sections + (1L << MemSectionStruct.SECTIONS_PER_ROOT_SHIFT) - 1) >>> MemSectionStruct.SECTIONS_PER_ROOT_SHIFT;
        this.sectionsBase = LinuxConfig.align(ROOTS + 8 * roots, LINE);
        this.usageBase = sectionsBase + roots * PAGE;
        this.percpuBase = LinuxConfig.align(usageBase + sections * MemSectionStruct.USAGE_BYTES, LINE);
        this.zone = memmap.machine().allocate(Region.ALLOCATOR, percpuBase + vcpus * PERCPU_STRIDE);
        initZone(memmap.machine().pageSize(), memmap.machine().pageShift());
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
        set(ZoneStruct.vmStat(ZoneStruct.NR_FREE_PAGES), pages);
    }

    /** The boot-time values: watermarks, per-CPU pointers, thresholds, sections, empty lists. */
    private void initZone(final long pageSize, final int pageShift) {
        // __setup_per_zone_wmarks with the default watermark_scale_factor (PcpSizing has the formulas).
        final long min = PcpSizing.minFreeKbytes(pages, pageSize) * 1024 / pageSize;
        final long low = PcpSizing.lowWatermark(pages, pageSize);
        final long step = low - min;
        set(ZoneStruct.WATERMARK + 8L * ZoneStruct.WMARK_MIN, min);
        set(ZoneStruct.WATERMARK + 8L * ZoneStruct.WMARK_LOW, low);
        set(ZoneStruct.WATERMARK + 8L * ZoneStruct.WMARK_HIGH, low + step);
        set(ZoneStruct.WATERMARK + 8L * ZoneStruct.WMARK_PROMO, low + 2 * step);
        // One zone: no higher zone to reserve for, so every lowmem_reserve[] is 0 (and no node but 0).
        set(ZoneStruct.PER_CPU_ZONESTATS, percpuBase);
        final int threshold = ZonestatStruct.statThreshold(pages, pageShift, vcpus);
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            access.setInt(Region.ALLOCATOR, zone, percpu(vcpu) + ZonestatStruct.STAT_THRESHOLD, threshold);
        }
        // sparse_init: the root pointer, one page of sections per root, each section's usage.
        set(MEM_SECTION_PTR, ROOTS);
        for (long root = 0; root < roots; root++) {
            set(ROOTS + 8 * root, sectionsBase + root * PAGE);
        }
        for (long section = 0; section < sections; section++) {
            final long usage = usageBase + section * MemSectionStruct.USAGE_BYTES;
            set(sectionsBase + section * MemSectionStruct.SECTION_BYTES + MemSectionStruct.SECTION_USAGE, usage);
            for (long word = 0; word < 4; word++) {
                set(usage + MemSectionStruct.USAGE_PAGEBLOCK_FLAGS + word * 8, ALL_MOVABLE);
            }
        }
        for (int order = 0; order < LinuxConfig.NR_PAGE_ORDERS; order++) {
            for (int mt = 0; mt < LinuxConfig.MIGRATE_TYPES; mt++) {
                set(ZoneStruct.freeListNext(order, mt), Memmap.NIL);
                set(ZoneStruct.freeListPrev(order, mt), Memmap.NIL);
            }
        }
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

    /** {@code zone_page_state_snapshot(zone, NR_FREE_PAGES)}: the zone counter plus every vcpu's diff. */
    @Override
    public long freePages() {
        long free = access.getLongVolatile(Region.ALLOCATOR, zone, ZoneStruct.vmStat(ZoneStruct.NR_FREE_PAGES));
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            free += vmStatDiff(percpu(vcpu));
        }
        return free;
    }

    @Override
    public long alloc(final int order, final long allocatee, final int vcpu) {
        LiveBlockCheck.allocation(order, maxOrder, allocatee);
        checkVcpu(vcpu);
        getPageFromFreelistWatermarks(order);               // see the class comment
        final long pfn = rmqueueBuddy(order, vcpu);
        rmqueueTestBoostedWatermark();
        if (pfn != NO_PAGE) {
            memmap.setAllocated(pfn, order, allocatee);     // prep_new_page / post_alloc_hook
        }
        return pfn;
    }

    @Override
    public void free(final long pfn, final int order, final int vcpu) {
        LiveBlockCheck.free(memmap, pages, maxOrder, pfn, order);
        checkVcpu(vcpu);
        memmap.clearAllocated(pfn, order);                  // free_pages_prepare
        freeOnePage(pfn, order, vcpu);
    }

    // ---- the zone side of the page allocator, also used by the Linux PCP in front (buddy+pcp) ----

    /**
     * The watermark part of {@code get_page_from_freelist} (6.7+): unless {@code ZONE_BELOW_HIGH}
     * is set in {@code zone->flags}, {@code zone_watermark_fast} against the high mark, which
     * passing skips the low-mark check ({@code goto try_this_zone}); failing sets
     * {@code ZONE_BELOW_HIGH} (so that frees shrink the PCP) and checks the low mark
     * ({@code ALLOC_WMARK_LOW}). A movable allocation: {@code ALLOC_CMA}, {@code highest_zoneidx}
     * ZONE_MOVABLE.
     *
     * @return true when the zone is above the mark the allocation must pass
     */
    public boolean getPageFromFreelistWatermarks(final int order) {
        if ((get(ZoneStruct.FLAGS) & ZONE_BELOW_HIGH) == 0) {
            if (zoneWatermarkFast(order, wmarkPages(ZoneStruct.WMARK_HIGH))) {
                return true;
            }
            access.getAndBitwiseOrLong(Region.ALLOCATOR, zone, ZoneStruct.FLAGS, ZONE_BELOW_HIGH);   // set_bit
        }
        return zoneWatermarkFast(order, wmarkPages(ZoneStruct.WMARK_LOW));
    }

    /** {@code wmark_pages(zone, i)}: {@code _watermark[i] + watermark_boost}. */
    private long wmarkPages(final int wmark) {
        return get(ZoneStruct.WATERMARK + 8L * wmark) + get(ZoneStruct.WATERMARK_BOOST);
    }

    /** {@code zone_watermark_fast}: true when the zone is above {@code mark} for this order. */
    private boolean zoneWatermarkFast(final int order, final long mark) {
        final long freePages = zonePageState(ZoneStruct.NR_FREE_PAGES);
        if (order == 0) {
            long usable = freePages;
            usable -= Math.min(usable, zoneWatermarkUnusableFree(0, true));
            if (usable > mark + get(ZoneStruct.lowmemReserve(LinuxConfig.ZONE_MOVABLE))) {
                return true;
            }
        }
        return zoneWatermarkOk(order, mark, freePages, true);
    }

    /**
     * {@code __zone_watermark_unusable_free}: {@code nr_free_highatomic} (no ALLOC_RESERVES), and the
     * free CMA pages unless the caller may use CMA.
     */
    private long zoneWatermarkUnusableFree(final int order, final boolean allocCma) {
        long unusable = (1L << order) - 1 + get(ZoneStruct.NR_FREE_HIGHATOMIC);
        if (!allocCma) {
            unusable += zonePageState(ZoneStruct.NR_FREE_CMA_PAGES);
        }
        return unusable;
    }

    /** {@code __zone_watermark_ok}: the mark, then for order > 0 a free block of that order or above. */
    private boolean zoneWatermarkOk(final int order, final long mark, final long freePages, final boolean allocCma) {
        final long free = freePages - zoneWatermarkUnusableFree(order, allocCma);
        if (free <= mark + get(ZoneStruct.lowmemReserve(LinuxConfig.ZONE_MOVABLE))) {
            return false;
        }
        if (order == 0) {
            return true;
        }
        for (int o = order; o <= maxOrder; o++) {
            if (get(ZoneStruct.nrFree(o)) == 0) {
                continue;
            }
            for (int mt = 0; mt < LinuxConfig.MIGRATE_PCPTYPES; mt++) {
                if (get(ZoneStruct.freeListNext(o, mt)) != Memmap.NIL) {     // !free_area_empty(area, mt)
                    return true;
                }
            }
            if (allocCma && get(ZoneStruct.freeListNext(o, LinuxConfig.MIGRATE_CMA)) != Memmap.NIL) {
                return true;
            }
        }
        return false;
    }

    /**
     * The end of {@code free_unref_page_commit} after a bulk free: {@code test_bit(ZONE_BELOW_HIGH)}
     * and, when set, {@code zone_watermark_ok(zone, 0, high_wmark_pages(zone), ZONE_MOVABLE, 0)}
     * to clear it again.
     */
    public void clearZoneBelowHighIfRecovered() {
        if ((get(ZoneStruct.FLAGS) & ZONE_BELOW_HIGH) != 0
                && zoneWatermarkOk(0, wmarkPages(ZoneStruct.WMARK_HIGH), zonePageState(ZoneStruct.NR_FREE_PAGES), false)) {
            access.getAndBitwiseAndLong(Region.ALLOCATOR, zone, ZoneStruct.FLAGS, ~ZONE_BELOW_HIGH);    // clear_bit
        }
    }

    /**
     * {@code rmqueue_buddy}: the zone lock around {@code __rmqueue}, then the per-CPU event
     * counters. Also the fallback when a PCP's trylock fails.
     *
     * @return the pfn, its memmap entry still to be prepared ({@code prep_new_page}), or NO_PAGE
     */
    public long rmqueueBuddy(final int order, final int vcpu) {
        lockZone();
        final long pfn;
        try {
            pfn = rmqueueLocked(order, vcpu);
        } finally {
            unlockZone();
        }
        if (pfn != NO_PAGE) {
            countZidVmEvents(vcpu, order);
            zoneStatistics(vcpu);
        }
        return pfn;
    }

    /**
     * {@code __rmqueue} for MIGRATE_MOVABLE with ALLOC_CMA, zone lock held ({@link #lockZone()}):
     * the CMA balance check, then {@code __rmqueue_smallest}. Returns a block off the free lists
     * with no owner recorded, or NO_PAGE.
     */
    public long rmqueueLocked(final int order, final int vcpu) {
        // "Balance movable allocations between regular and CMA areas": only when the zone counter
        // runs below zero (per-CPU diffs not yet folded) does 0 CMA pages pass the test; then
        // __rmqueue_cma_fallback scans the (always empty) CMA lists.
        if (zonePageState(ZoneStruct.NR_FREE_CMA_PAGES) > zonePageState(ZoneStruct.NR_FREE_PAGES) / 2) {
            rmqueueCmaFallback(order);
        }
        final long pfn = rmqueueSmallest(order, vcpu);
        if (pfn == NO_PAGE) {
            rmqueueCmaFallback(order);                     // ALLOC_CMA; __rmqueue_fallback's scan is not modelled
        }
        return pfn;
    }

    /** {@code __rmqueue_cma_fallback}: {@code __rmqueue_smallest(zone, order, MIGRATE_CMA)}; memu has no CMA blocks. */
    private void rmqueueCmaFallback(final int order) {
        for (int current = order; current <= maxOrder; current++) {
            if (get(ZoneStruct.freeListNext(current, LinuxConfig.MIGRATE_CMA)) != Memmap.NIL) {
                throw new IllegalStateException("a block on a CMA free list: memu never puts one there");
            }
        }
    }

    /** {@code __rmqueue_smallest}: the first block of the smallest order that has one. */
    private long rmqueueSmallest(final int order, final int vcpu) {
        for (int current = order; current <= maxOrder; current++) {
            final long pfn = get(ZoneStruct.freeListNext(current, MIGRATE_MOVABLE));   // get_page_from_free_area
            if (pfn == Memmap.NIL) {
                continue;
            }
            pageDelAndExpand(pfn, order, current, vcpu);
            return pfn;
        }
        return NO_PAGE;
    }

    /** {@code page_del_and_expand}: off its list, split down to {@code low}, one account_freepages. */
    private void pageDelAndExpand(final long pfn, final int low, final int high, final int vcpu) {
        delFromFreeList(pfn, high);
        expand(pfn, low, high);
        accountFreepages(vcpu, -(1L << low));
    }

    /** {@code expand}: splits the block of {@code high} at {@code pfn} down to {@code low}, freeing upper halves. */
    private void expand(final long pfn, final int low, final int high) {
        int order = high;
        while (order > low) {
            order--;
            addToFreeList(pfn + (1L << order), order, false);
        }
    }

    /** {@code free_one_page}: the zone lock around {@code split_large_buddy}, then {@code PGFREE}. */
    public void freeOnePage(final long pfn, final int order, final int vcpu) {
        lockZone();
        try {
            splitLargeBuddy(pfn, order, vcpu);
        } finally {
            unlockZone();
        }
        countVmEvents(vcpu, VmEventStruct.PGFREE, 1L << order);
    }

    /** {@code split_large_buddy}: a block larger than a pageblock goes back a pageblock at a time. */
    private void splitLargeBuddy(final long pfn, final int order, final int vcpu) {
        final int step = Math.min(order, PAGEBLOCK_ORDER);
        final long end = pfn + (1L << order);
        for (long block = pfn; block < end; block += 1L << step) {
            final int mt = getPfnblockMigratetype(block);
            freeOnePageLocked(block, step, mt, vcpu);
        }
    }

    /**
     * {@code __free_one_page}, zone lock held: accounts the pages, merges with free buddies, puts the
     * result at the head or (when {@code buddy_merge_likely}) the tail of its list.
     */
    public void freeOnePageLocked(final long freedPfn, final int freedOrder, final int migratetype, final int vcpu) {
        accountFreepages(vcpu, 1L << freedOrder);
        long pfn = freedPfn;
        int order = freedOrder;
        while (order < maxOrder) {
            final long buddy = pfn ^ (1L << order);
            if (buddy + (1L << order) > pages || memmap.freeOrder(buddy) != order) {    // find_buddy_page_pfn
                break;
            }
            if (order >= PAGEBLOCK_ORDER && getPfnblockMigratetype(buddy) != migratetype) {
                break;                                     // all movable: never
            }
            delFromFreeList(buddy, order);
            pfn &= buddy;
            order++;
        }
        addToFreeList(pfn, order, buddyMergeLikely(pfn, order));
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

    /** {@code __add_to_free_list} + {@code set_buddy_order}: at the head (list_add) or the tail (list_add_tail). */
    private void addToFreeList(final long pfn, final int order, final boolean toTail) {
        final long head = ZoneStruct.freeListNext(order, MIGRATE_MOVABLE);
        final long tail = ZoneStruct.freeListPrev(order, MIGRATE_MOVABLE);
        memmap.setFree(pfn, order);
        if (toTail) {
            final long last = get(tail);
            memmap.setNextFree(pfn, Memmap.NIL);
            memmap.setPrevFree(pfn, last);
            if (last == Memmap.NIL) {
                set(head, pfn);
            } else {
                memmap.setNextFree(last, pfn);
            }
            set(tail, pfn);
        } else {
            final long first = get(head);
            memmap.setNextFree(pfn, first);
            memmap.setPrevFree(pfn, Memmap.NIL);
            if (first == Memmap.NIL) {
                set(tail, pfn);
            } else {
                memmap.setPrevFree(first, pfn);
            }
            set(head, pfn);
        }
        set(ZoneStruct.nrFree(order), get(ZoneStruct.nrFree(order)) + 1);
    }

    /** {@code __del_page_from_free_list}: list_del, __ClearPageBuddy, nr_free--. */
    private void delFromFreeList(final long pfn, final int order) {
        final long next = memmap.nextFree(pfn);
        final long prev = memmap.prevFree(pfn);
        if (prev == Memmap.NIL) {
            set(ZoneStruct.freeListNext(order, MIGRATE_MOVABLE), next);
        } else {
            memmap.setNextFree(prev, next);
        }
        if (next == Memmap.NIL) {
            set(ZoneStruct.freeListPrev(order, MIGRATE_MOVABLE), prev);
        } else {
            memmap.setPrevFree(next, prev);
        }
        memmap.clearFree(pfn);
        set(ZoneStruct.nrFree(order), get(ZoneStruct.nrFree(order)) - 1);
    }

    /** {@code account_freepages} for a movable block: NR_FREE_PAGES only (no CMA, no highatomic). */
    private void accountFreepages(final int vcpu, final long pages) {
        modZonePageState(vcpu, ZoneStruct.NR_FREE_PAGES, pages);
    }

    /**
     * {@code __mod_zone_page_state} ({@code mm/vmstat.c}): {@code zone->per_cpu_zonestats}, then the
     * vcpu's {@code vm_stat_diff[item]} and {@code stat_threshold}; past the threshold the sum goes to
     * {@code zone->vm_stat[item]} (an atomic add) and the diff restarts at 0. Only NR_FREE_PAGES
     * (item 0) is kept per CPU here.
     */
    private void modZonePageState(final int vcpu, final int item, final long delta) {
        final long zonestat = get(ZoneStruct.PER_CPU_ZONESTATS) + vcpu * PERCPU_STRIDE;
        long x = delta + vmStatDiff(zonestat);
        final int threshold = access.getInt(Region.ALLOCATOR, zone, zonestat + ZonestatStruct.STAT_THRESHOLD);
        if (Math.abs(x) > threshold) {
            access.getAndAddLong(Region.ALLOCATOR, zone, ZoneStruct.vmStat(item), x);    // zone_page_state_add
            x = 0;
        }
        final short word = access.getShort(Region.ALLOCATOR, zone, zonestat + ZonestatStruct.VM_STAT_DIFF);
        access.setShort(Region.ALLOCATOR, zone, zonestat + ZonestatStruct.VM_STAT_DIFF,
                (short) ((word & 0xff00) | (x & 0xff)));
    }

    /** The vcpu's {@code vm_stat_diff[NR_FREE_PAGES]} (an s8). */
    @AccessHelper
    private long vmStatDiff(final long zonestat) {
        return (byte) access.getShort(Region.ALLOCATOR, zone, zonestat + ZonestatStruct.VM_STAT_DIFF);
    }

    /** {@code zone_page_state}: {@code zone->vm_stat[item]} alone (READ_ONCE of an atomic_long_t). */
    private long zonePageState(final int item) {
        return access.getLongVolatile(Region.ALLOCATOR, zone, ZoneStruct.vmStat(item));
    }

    /**
     * {@code get_pfnblock_migratetype}: {@code __get_pfnblock_flags_mask} through
     * {@code mem_section} -> {@code mem_section[root]} -> the section's {@code usage} ->
     * {@code pageblock_flags} word, four dependent loads.
     */
    public int getPfnblockMigratetype(final long pfn) {
        final long nr = pfn >>> MemSectionStruct.PFN_SECTION_SHIFT;                   // pfn_to_section_nr
        final long rootArray = get(MEM_SECTION_PTR);
        final long sectionPage = get(rootArray + 8 * (nr >>> MemSectionStruct.SECTIONS_PER_ROOT_SHIFT));
        final long section = sectionPage + (nr & ((1L << MemSectionStruct.SECTIONS_PER_ROOT_SHIFT) - 1))
                * MemSectionStruct.SECTION_BYTES;
        final long usage = get(section + MemSectionStruct.SECTION_USAGE);
        final long bitidx = ((pfn & ((1L << MemSectionStruct.PFN_SECTION_SHIFT) - 1)) >>> PAGEBLOCK_ORDER)
                * MemSectionStruct.NR_PAGEBLOCK_BITS;                                   // pfn_to_bitidx
        final long word = get(usage + MemSectionStruct.USAGE_PAGEBLOCK_FLAGS + (bitidx >>> 6) * 8);
        return (int) ((word >>> (bitidx & 63)) & MemSectionStruct.MIGRATETYPE_MASK);
    }

    /** {@code zone_statistics} with the preferred zone = this zone on the local node: NUMA_HIT and NUMA_LOCAL. */
    public void zoneStatistics(final int vcpu) {
        get(ZoneStruct.NODE);                                               // zone_to_nid(z) == numa_node_id()
        countNumaEvents(vcpu, ZonestatStruct.NUMA_HIT);
        countNumaEvents(vcpu, ZonestatStruct.NUMA_LOCAL);
    }

    /** {@code __count_numa_events}: {@code raw_cpu_add(zone->per_cpu_zonestats->vm_numa_event[item], 1)}. */
    private void countNumaEvents(final int vcpu, final int item) {
        final long at = get(ZoneStruct.PER_CPU_ZONESTATS) + vcpu * PERCPU_STRIDE + ZonestatStruct.numaEvent(item);
        set(at, get(at) + 1);
    }

    /** {@code __count_zid_vm_events(PGALLOC, ZONE_NORMAL, 1 << order)}. */
    public void countZidVmEvents(final int vcpu, final int order) {
        countVmEvents(vcpu, VmEventStruct.PGALLOC_NORMAL, 1L << order);
    }

    /** {@code __count_vm_events(item, delta)}: {@code raw_cpu_add(vm_event_states.event[item], delta)}. */
    public void countVmEvents(final int vcpu, final int item, final long delta) {
        final long at = percpu(vcpu) + PERCPU_VM_EVENTS + VmEventStruct.event(item);
        set(at, get(at) + delta);
    }

    /** {@code rmqueue}'s {@code test_bit(ZONE_BOOSTED_WATERMARK, &zone->flags)} (ALLOC_KSWAPD): never set here. */
    public void rmqueueTestBoostedWatermark() {
        get(ZoneStruct.FLAGS);
    }

    /** {@code test_bit(ZONE_RECLAIM_ACTIVE, &zone->flags)}: memu has no reclaim, so never set. */
    public boolean zoneFlagTest() {
        return get(ZoneStruct.FLAGS) != 0;
    }

    /** {@code zone->per_cpu_pageset}: the pointer a PCP operation starts from. */
    public long perCpuPageset() {
        return get(ZoneStruct.PER_CPU_PAGESET);
    }

    /** {@code spin_lock(&zone->lock)}: a spinning CAS on the lock word. */
    public void lockZone() {
        while (!access.compareAndSetLong(Region.ALLOCATOR, zone, ZoneStruct.LOCK, 0, 1)) {
            while (access.getLongVolatile(Region.ALLOCATOR, zone, ZoneStruct.LOCK) != 0) {
                Thread.onSpinWait();
            }
        }
    }

    /** {@code spin_unlock(&zone->lock)}: a release store. */
    public void unlockZone() {
        access.setLongRelease(Region.ALLOCATOR, zone, ZoneStruct.LOCK, 0);
    }

    /** {@link PageAllocator#takeForCache}: {@code __rmqueue} under the zone lock; no owner is written. */
    @Override
    public long takeForCache(final int order, final long cacheOwner, final int vcpu) {
        checkVcpu(vcpu);
        lockZone();
        try {
            return rmqueueLocked(order, vcpu);
        } finally {
            unlockZone();
        }
    }

    /** {@link PageAllocator#returnFromCache}: {@code free_pcppages_bulk}'s per-block step, without prepare. */
    @Override
    public void returnFromCache(final long pfn, final int order, final long cacheOwner, final int vcpu) {
        checkVcpu(vcpu);
        lockZone();
        try {
            freeOnePageLocked(pfn, order, getPfnblockMigratetype(pfn), vcpu);
        } finally {
            unlockZone();
        }
    }

    /** The zone's mapping, for tests of the labels. */
    MemorySegment zoneSegment() {
        return zone;
    }

    private long percpu(final int vcpu) {
        return percpuBase + vcpu * PERCPU_STRIDE;
    }

    @AccessHelper
    private long get(final long offset) {
        return access.getLong(Region.ALLOCATOR, zone, offset);
    }

    @AccessHelper
    private void set(final long offset, final long value) {
        access.setLong(Region.ALLOCATOR, zone, offset, value);
    }

    private void checkVcpu(final int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus) {
            throw new IllegalArgumentException("vcpu " + vcpu + " is outside 0.." + (vcpus - 1));
        }
    }

    // ---- labels for memu explain ----

    @Override
    public void labelFields(final MemorySegment segment, final long offset, final long bytes, final List<String> out) {
        if (segment.address() != zone.address()) {
            return;
        }
        ZoneStruct.FIELDS.label("zone", offset, bytes, out);
        if (offset < MEM_SECTION_PTR + 8 && offset + bytes > MEM_SECTION_PTR) {
            out.add("mem_section");
        }
        for (long root = 0; root < roots; root++) {
            if (offset < ROOTS + 8 * root + 8 && offset + bytes > ROOTS + 8 * root) {
                out.add("mem_section[" + root + "]");
            }
        }
        labelArray("mem_section", sectionsBase, MemSectionStruct.SECTION_BYTES, roots * PAGE / MemSectionStruct.SECTION_BYTES,
                MemSectionStruct.SECTION_FIELDS, offset, bytes, out);
        labelArray("mem_section_usage", usageBase, MemSectionStruct.USAGE_BYTES, sections,
                MemSectionStruct.USAGE_FIELDS, offset, bytes, out);
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            final long base = percpu(vcpu);
            ZonestatStruct.FIELDS.label("per_cpu_zonestats[cpu" + vcpu + "]", offset - base, bytes, out);
            VmEventStruct.FIELDS.label("vm_event_states[cpu" + vcpu + "]", offset - base - PERCPU_VM_EVENTS, bytes, out);
        }
    }

    /** Labels element {@code i} of an array of {@code n} structs of {@code stride} bytes at {@code base} as {@code name[i].field}. */
    private static void labelArray(final String name, final long base, final long stride, final long n,
                                   final StructFields fields, final long offset, final long bytes, final List<String> out) {
        if (offset + bytes <= base || offset >= base + n * stride) {
            return;
        }
        final long first = Math.max(0, (offset - base) / stride);
        final long last = Math.min(n - 1, (offset + Math.max(bytes, 1) - 1 - base) / stride);
        for (long i = first; i <= last; i++) {
            fields.label(name + "[" + i + "]", offset - base - i * stride, bytes, out);
        }
    }

    // ---- quiescent views ----

    @Override
    public long[] freeBlocksByOrder() {
        final long[] counts = new long[maxOrder + 1];
        for (int order = 0; order <= maxOrder; order++) {
            counts[order] = access.getLongVolatile(Region.ALLOCATOR, zone, ZoneStruct.nrFree(order));
        }
        return counts;
    }

    @Override
    public VerifyReport verify() {
        final List<String> problems = new ArrayList<>();
        final BitSet free = new BitSet();
        long freePages = 0;
        for (int order = 0; order <= maxOrder; order++) {
            long pfn = get(ZoneStruct.freeListNext(order, MIGRATE_MOVABLE));
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
            final long tail = get(ZoneStruct.freeListPrev(order, MIGRATE_MOVABLE));
            if (complete && tail != prev) {
                VerifyReport.addProblem(problems, "order-" + order + " list ends at 0x" + Long.toHexString(prev)
                        + " but its tail says 0x" + Long.toHexString(tail));
            }
            final long nrFree = get(ZoneStruct.nrFree(order));
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

package dev.memu.alloc.pcp;

import dev.memu.access.Access;
import dev.memu.access.AccessHelper;
import dev.memu.access.FieldLabeler;
import dev.memu.access.Region;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.LiveBlockCheck;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.alloc.linux.LinuxConfig;
import dev.memu.alloc.linux.PcpStruct;
import dev.memu.alloc.linux.VmEventStruct;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.Allocatee;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import static dev.memu.alloc.linux.LinuxConfig.MIGRATE_MOVABLE;

/**
 * {@code buddy+pcp}: Linux's per-CPU page lists in front of the {@link BuddyAllocator}, touching
 * what {@code mm/page_alloc.c} (6.12, {@link LinuxConfig}) touches: {@code struct per_cpu_pages}
 * as {@link PcpStruct} lays it out, taken with {@code pcp_spin_trylock}, with lists threaded
 * through the pages ({@code page->pcp_list}, see {@link PcpLinks}), and the zone's watermark
 * check, counters and pageblock lookups as {@link BuddyAllocator} models them. The inventory per
 * operation is in {@link dev.memu.alloc.linux}. memu's own design, array lists and a lock-free owner
 * path, is {@link PcpAllocator} ({@code buddy+apcp}).
 *
 * <h2>Paths (Linux names)</h2>
 * <ul>
 *   <li>alloc, order &lt;= 3 or the THP order: {@code get_page_from_freelist} ({@code
 *       zone_watermark_fast}) -> {@code rmqueue_pcplist} ({@code zone->per_cpu_pageset}, trylock,
 *       {@code free_count >>= 1}) -> {@code __rmqueue_pcplist} (empty list: {@code nr_pcp_alloc},
 *       {@code rmqueue_bulk} under the zone lock, {@code list_add_tail} of each block; then
 *       {@code list_del} of the first entry, {@code count}) -> {@code PGALLOC}, {@code
 *       zone_statistics} -> {@code rmqueue}'s {@code zone->flags} test -> {@code prep_new_page}.
 *       A failed trylock falls back to {@code rmqueue_buddy}.</li>
 *   <li>free: {@code free_unref_page}: {@code free_pages_prepare}, {@code get_pfnblock_migratetype},
 *       trylock, {@code free_unref_page_commit} ({@code alloc_factor}, {@code PGFREE}, {@code
 *       list_add}, {@code count}, {@code batch}, {@code flags}, {@code free_count}, {@code
 *       nr_pcp_high} with its {@code ZONE_RECLAIM_ACTIVE} test; at {@code count >= high} {@code
 *       free_pcppages_bulk} of {@code nr_pcp_free} pages: zone lock, round-robin over the 14 lists
 *       from the one freed to, {@code list_last_entry}, its migratetype, {@code list_del}, {@code
 *       __free_one_page}; then the {@code ZONE_BELOW_HIGH} test). A failed trylock frees straight to
 *       the buddy ({@code free_one_page}).</li>
 *   <li>other orders go to the buddy as they do in Linux ({@code rmqueue_buddy}, {@code
 *       __free_pages_ok}).</li>
 *   <li>{@code drain_pages_zone}: {@code spin_lock(&pcp->lock)}, {@code free_pcppages_bulk} of
 *       everything; {@link #drainAllPages} when an allocation finds nothing (as after direct
 *       reclaim), {@link #vcpuOffline} ({@code page_alloc_cpu_dead}).</li>
 * </ul>
 * Not modelled, with what it changes: {@code high} auto-tuning ({@code high_min == high_max}, the
 * state Linux is in with {@code percpu_pagelist_high_fraction} set: {@code nr_pcp_high} returns
 * {@code high} after the {@code ZONE_RECLAIM_ACTIVE} test), {@code alloc_factor} growth (stays 0, so
 * refills are {@code batch} pages), the {@code free_high} shortcut for orders 1..3, and
 * {@code check_new_pages} (debug). {@code free_count} is kept, so {@code nr_pcp_free} grows with
 * consecutive frees as in Linux. Every block is MIGRATE_MOVABLE, so only the MOVABLE lists fill;
 * the others are read where Linux reads them (the round robin of a bulk free). The unlock is a CAS
 * where Linux stores (memu's access layer has no int release store); same line.
 *
 * <h2>Memmap state of a held block</h2>
 * As in Linux: not PageBuddy, no owner, links in {@code pcp_list}; the tails are never written
 * while the block sits on a list. A free of it is a double free by {@link LiveBlockCheck}.
 */
public final class LinuxPcpAllocator implements PageAllocator, FieldLabeler, PcpFront {

    private final BuddyAllocator zone;
    private final Memmap memmap;
    private final Access access;
    private final PcpLinks links;
    private final MemorySegment area;
    private final long pages;
    private final int maxOrder;
    private final int vcpus;
    private final int batch;
    private final int high;
    private final boolean thp;
    private final long owner;

    public LinuxPcpAllocator(final Memmap memmap, final AllocatorOptions options) {
        this.links = PcpLinks.forMemmap(memmap);          // probes the fresh memmap: before the buddy boots
        this.zone = new BuddyAllocator(memmap, options);
        this.memmap = memmap;
        this.access = memmap.access();
        this.pages = zone.managedPages();
        this.maxOrder = zone.maxOrder();
        this.vcpus = options.vcpus();
        final long pageSize = memmap.machine().pageSize();
        this.batch = options.pcpBatch() == 0 ? PcpSizing.batch(pages, pageSize) : options.pcpBatch();
        this.high = options.pcpHigh() == 0 ? PcpSizing.high(pages, pageSize, batch, vcpus) : options.pcpHigh();
        this.thp = maxOrder >= PcpStruct.THP_ORDER;
        this.area = memmap.machine().allocate(Region.ALLOCATOR, vcpus * PcpStruct.SIZE);
        this.owner = Allocatee.of(PcpAllocator.OWNER_TYPE, 0);
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            final long pcp = base(vcpu);
            // setup_pageset / pageset_update with high_min == high_max == high
            access.setInt(Region.ALLOCATOR, area, pcp + PcpStruct.HIGH, high);
            access.setInt(Region.ALLOCATOR, area, pcp + PcpStruct.HIGH_MIN, high);
            access.setInt(Region.ALLOCATOR, area, pcp + PcpStruct.HIGH_MAX, high);
            access.setInt(Region.ALLOCATOR, area, pcp + PcpStruct.BATCH, batch);
            for (int pindex = 0; pindex < PcpStruct.NR_PCP_LISTS; pindex++) {
                access.setLong(Region.ALLOCATOR, area, pcp + PcpStruct.listNext(pindex), Memmap.NIL);
                access.setLong(Region.ALLOCATOR, area, pcp + PcpStruct.listPrev(pindex), Memmap.NIL);
            }
        }
    }

    @Override
    public String name() {
        return "buddy+pcp";
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

    /** Buddy's free pages plus every page on a pcp list (Linux counts the latter as allocated). */
    @Override
    public long freePages() {
        long held = 0;
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            held += pcpCount(base(vcpu));
        }
        return zone.freePages() + held;
    }

    @Override
    public long alloc(final int order, final long allocatee, final int vcpu) {
        LiveBlockCheck.allocation(order, maxOrder, allocatee);
        checkVcpu(vcpu);
        if (allocatee == owner) {
            throw new IllegalArgumentException("allocatee 0x" + Long.toHexString(allocatee) + " is the PCP's own mark");
        }
        long pfn = getPageFromFreelist(order, vcpu);
        if (pfn == NO_PAGE) {
            drainAllPages(vcpu);                           // __alloc_pages_direct_reclaim's drain, then retry
            pfn = getPageFromFreelist(order, vcpu);
            if (pfn == NO_PAGE) {
                return NO_PAGE;
            }
        }
        memmap.setAllocated(pfn, order, allocatee);        // prep_new_page / post_alloc_hook
        return pfn;
    }

    /** {@code get_page_from_freelist} for one zone: the watermark check, then {@code rmqueue}. */
    private long getPageFromFreelist(final int order, final int vcpu) {
        zone.getPageFromFreelistWatermarks(order);
        long pfn = pcpAllowedOrder(order) ? rmqueuePcplist(order, vcpu) : NO_PAGE;
        if (pfn == NO_PAGE) {
            pfn = zone.rmqueueBuddy(order, vcpu);           // rmqueue: trylock failed or nothing to refill
        }
        zone.rmqueueTestBoostedWatermark();
        return pfn;
    }

    @Override
    public void free(final long pfn, final int order, final int vcpu) {
        checkVcpu(vcpu);
        LiveBlockCheck.free(memmap, pages, maxOrder, pfn, order);
        if (!pcpAllowedOrder(order)) {
            zone.free(pfn, order, vcpu);                    // __free_pages_ok
            return;
        }
        freeUnrefPage(pfn, order, vcpu);
    }

    // ---- the owner's paths ----

    /** {@code rmqueue_pcplist}. */
    private long rmqueuePcplist(final int order, final int vcpu) {
        zone.perCpuPageset();
        final long pcp = base(vcpu);
        if (!pcpSpinTrylock(pcp)) {
            return NO_PAGE;
        }
        final long pfn;
        try {
            final short freeCount = access.getShort(Region.ALLOCATOR, area, pcp + PcpStruct.FREE_COUNT);
            access.setShort(Region.ALLOCATOR, area, pcp + PcpStruct.FREE_COUNT, (short) (freeCount >> 1));
            pfn = rmqueuePcplistLocked(order, vcpu, pcp, PcpStruct.orderToPindex(MIGRATE_MOVABLE, order));
        } finally {
            pcpSpinUnlock(pcp);
        }
        if (pfn != NO_PAGE) {
            zone.countZidVmEvents(vcpu, order);
            zone.zoneStatistics(vcpu);
        }
        return pfn;
    }

    /** {@code __rmqueue_pcplist}: refill an empty list, then take its first entry. */
    private long rmqueuePcplistLocked(final int order, final int vcpu, final long pcp, final int pindex) {
        if (listEmpty(pcp, pindex)) {
            final int alloced = rmqueueBulk(order, nrPcpAlloc(pcp, order), vcpu, pcp, pindex);
            setPcpCount(pcp, pcpCount(pcp) + (alloced << order));
            if (listEmpty(pcp, pindex)) {
                return NO_PAGE;
            }
        }
        final long pfn = access.getLong(Region.ALLOCATOR, area, pcp + PcpStruct.listNext(pindex));   // list_first_entry
        listDel(pcp, pindex, pfn);
        setPcpCount(pcp, pcpCount(pcp) - (1 << order));
        return pfn;
    }

    /** {@code rmqueue_bulk}: {@code count} blocks from the buddy under one zone lock, each to the list's tail. */
    private int rmqueueBulk(final int order, final int count, final int vcpu, final long pcp, final int pindex) {
        zone.lockZone();
        try {
            for (int i = 0; i < count; i++) {
                final long pfn = zone.rmqueueLocked(order, vcpu);
                if (pfn == NO_PAGE) {
                    return i;
                }
                listAddTail(pcp, pindex, pfn);
            }
            return count;
        } finally {
            zone.unlockZone();
        }
    }

    /**
     * {@code nr_pcp_alloc} with {@code alloc_factor} 0 and {@code high_min == high_max}: blocks one
     * refill takes.
     */
    private int nrPcpAlloc(final long pcp, final int order) {
        final int baseBatch = access.getInt(Region.ALLOCATOR, area, pcp + PcpStruct.BATCH);
        final int highMin = access.getInt(Region.ALLOCATOR, area, pcp + PcpStruct.HIGH_MIN);
        final int highMax = access.getInt(Region.ALLOCATOR, area, pcp + PcpStruct.HIGH_MAX);
        final int h = Math.clamp(access.getInt(Region.ALLOCATOR, area, pcp + PcpStruct.HIGH), highMin, highMax);
        access.setInt(Region.ALLOCATOR, area, pcp + PcpStruct.HIGH, h);
        if (h < baseBatch) {
            return 1;                                      // PCP disabled or boot pageset
        }
        int n = baseBatch;
        if (order == 0) {
            n = Math.min(n, Math.max(h - pcpCount(pcp) - baseBatch, baseBatch));
        }
        return n > 1 ? Math.max(n >> order, 2) : n;
    }

    /** {@code free_unref_page}: prepare, the pageblock's migratetype, then the pcp or the buddy. */
    private void freeUnrefPage(final long pfn, final int order, final int vcpu) {
        memmap.clearAllocated(pfn, order);                 // free_pages_prepare
        final int migratetype = zone.getPfnblockMigratetype(pfn);
        zone.perCpuPageset();
        final long pcp = base(vcpu);
        if (pcpSpinTrylock(pcp)) {
            try {
                freeUnrefPageCommit(pcp, pfn, migratetype, order, vcpu);
            } finally {
                pcpSpinUnlock(pcp);
            }
        } else {
            zone.freeOnePage(pfn, order, vcpu);
        }
    }

    /** {@code free_unref_page_commit}. */
    private void freeUnrefPageCommit(final long pcp, final long pfn, final int migratetype, final int order, final int vcpu) {
        final short flagsAndFactor = access.getShort(Region.ALLOCATOR, area, pcp + PcpStruct.FLAGS);
        int flags = flagsAndFactor & 0xff;
        final int allocFactor = (flagsAndFactor >> 8) & 0xff;
        zone.countVmEvents(vcpu, VmEventStruct.PGFREE, 1L << order);
        final int pindex = PcpStruct.orderToPindex(migratetype < LinuxConfig.MIGRATE_PCPTYPES ? migratetype : MIGRATE_MOVABLE, order);
        listAdd(pcp, pindex, pfn);
        final int count = pcpCount(pcp) + (1 << order);
        setPcpCount(pcp, count);
        final int b = access.getInt(Region.ALLOCATOR, area, pcp + PcpStruct.BATCH);
        if (order > 0 && order <= PcpStruct.PAGE_ALLOC_COSTLY_ORDER) {
            flags |= PcpStruct.PCPF_PREV_FREE_HIGH_ORDER;
        } else {
            flags &= ~PcpStruct.PCPF_PREV_FREE_HIGH_ORDER;
        }
        access.setShort(Region.ALLOCATOR, area, pcp + PcpStruct.FLAGS, (short) (((allocFactor >> 1) << 8) | flags));
        int freeCount = access.getShort(Region.ALLOCATOR, area, pcp + PcpStruct.FREE_COUNT);
        if (freeCount < Math.min(Short.MAX_VALUE - (1 << order), (long) b << LinuxConfig.PCP_BATCH_SCALE_MAX)) {
            freeCount += 1 << order;
            access.setShort(Region.ALLOCATOR, area, pcp + PcpStruct.FREE_COUNT, (short) freeCount);
        }
        final int h = nrPcpHigh(pcp);
        if (count >= h) {
            freePcppagesBulk(nrPcpFree(b, h, freeCount), pcp, pindex, vcpu);
            zone.clearZoneBelowHighIfRecovered();
        }
    }

    /** {@code nr_pcp_high} with {@code high_min == high_max}: the {@code ZONE_RECLAIM_ACTIVE} test, then {@code high}. */
    private int nrPcpHigh(final long pcp) {
        final int highMin = access.getInt(Region.ALLOCATOR, area, pcp + PcpStruct.HIGH_MIN);
        final int highMax = access.getInt(Region.ALLOCATOR, area, pcp + PcpStruct.HIGH_MAX);
        final int h = Math.clamp(access.getInt(Region.ALLOCATOR, area, pcp + PcpStruct.HIGH), highMin, highMax);
        access.setInt(Region.ALLOCATOR, area, pcp + PcpStruct.HIGH, h);
        if (h == 0) {
            return 0;
        }
        zone.zoneFlagTest();                               // test_bit(ZONE_RECLAIM_ACTIVE, &zone->flags)
        return h;
    }

    /** {@code nr_pcp_free} without {@code free_high}: between {@code batch} and {@code high - batch}, by {@code free_count}. */
    private static int nrPcpFree(final int b, final int h, final int freeCount) {
        if (h < b) {
            return 1;
        }
        return Math.max(1, Math.min(Math.max(freeCount, b), h - b));
    }

    /**
     * {@code free_pcppages_bulk}: at most {@code pcp->count} pages back to the buddy under one zone
     * lock, round-robin over the lists starting with {@code pindex}, coldest entry first.
     */
    private void freePcppagesBulk(final int requested, final long pcp, final int startPindex, final int vcpu) {
        int count = Math.min(pcpCount(pcp), requested);
        int pindex = startPindex - 1;
        zone.lockZone();
        try {
            while (count > 0) {
                int probes = 0;
                do {
                    if (++pindex > PcpStruct.NR_PCP_LISTS - 1) {
                        pindex = 0;
                    }
                } while (listEmpty(pcp, pindex) && ++probes < PcpStruct.NR_PCP_LISTS);
                if (listEmpty(pcp, pindex)) {
                    break;                                 // count disagrees with the lists; verify() says so
                }
                final int order = PcpStruct.pindexToOrder(pindex);
                do {
                    final long pfn = access.getLong(Region.ALLOCATOR, area, pcp + PcpStruct.listPrev(pindex));  // list_last_entry
                    final int mt = zone.getPfnblockMigratetype(pfn);
                    listDel(pcp, pindex, pfn);
                    count -= 1 << order;
                    setPcpCount(pcp, pcpCount(pcp) - (1 << order));
                    zone.freeOnePageLocked(pfn, order, mt, vcpu);
                } while (count > 0 && !listEmpty(pcp, pindex));
            }
        } finally {
            zone.unlockZone();
        }
    }

    // ---- list_head operations on pcp->lists[pindex] and page->pcp_list ----

    private boolean listEmpty(final long pcp, final int pindex) {
        return access.getLong(Region.ALLOCATOR, area, pcp + PcpStruct.listNext(pindex)) == Memmap.NIL;
    }

    /** {@code list_add}: at the head; the old first entry's {@code prev} now names the block. */
    private void listAdd(final long pcp, final int pindex, final long pfn) {
        final long head = pcp + PcpStruct.listNext(pindex);
        final long first = access.getLong(Region.ALLOCATOR, area, head);
        links.setNext(pfn, first);
        links.setPrev(pfn, Memmap.NIL);
        if (first == Memmap.NIL) {
            access.setLong(Region.ALLOCATOR, area, pcp + PcpStruct.listPrev(pindex), pfn);
        } else {
            links.setPrev(first, pfn);
        }
        access.setLong(Region.ALLOCATOR, area, head, pfn);
    }

    /** {@code list_add_tail}: at the tail; the old last entry's {@code next} now names the block. */
    private void listAddTail(final long pcp, final int pindex, final long pfn) {
        final long tail = pcp + PcpStruct.listPrev(pindex);
        final long last = access.getLong(Region.ALLOCATOR, area, tail);
        links.setNext(pfn, Memmap.NIL);
        links.setPrev(pfn, last);
        if (last == Memmap.NIL) {
            access.setLong(Region.ALLOCATOR, area, pcp + PcpStruct.listNext(pindex), pfn);
        } else {
            links.setNext(last, pfn);
        }
        access.setLong(Region.ALLOCATOR, area, tail, pfn);
    }

    /** {@code list_del}: the neighbours (or the head) are linked past the block. */
    private void listDel(final long pcp, final int pindex, final long pfn) {
        final long next = links.next(pfn);
        final long prev = links.prev(pfn);
        if (next == Memmap.NIL) {
            access.setLong(Region.ALLOCATOR, area, pcp + PcpStruct.listPrev(pindex), prev);
        } else {
            links.setPrev(next, prev);
        }
        if (prev == Memmap.NIL) {
            access.setLong(Region.ALLOCATOR, area, pcp + PcpStruct.listNext(pindex), next);
        } else {
            links.setNext(prev, next);
        }
    }

    // ---- pcp->lock ----

    /** {@code pcp_spin_trylock}: fails while a drainer (or, in Linux, an interrupted context) holds it. */
    private boolean pcpSpinTrylock(final long pcp) {
        return access.compareAndSetInt(Region.ALLOCATOR, area, pcp + PcpStruct.LOCK, 0, 1);
    }

    private void pcpSpinLock(final long pcp) {
        while (!pcpSpinTrylock(pcp)) {
            Thread.onSpinWait();
        }
    }

    private void pcpSpinUnlock(final long pcp) {
        access.compareAndSetInt(Region.ALLOCATOR, area, pcp + PcpStruct.LOCK, 1, 0);
    }

    // ---- drains ----

    /** {@code drain_all_pages}: every vcpu's lists back to the buddy; the frees count as {@code callerVcpu}'s. */
    public void drainAllPages(final int callerVcpu) {
        checkVcpu(callerVcpu);
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            drainPagesZone(vcpu, callerVcpu);
        }
    }

    /** {@code page_alloc_cpu_dead}: the lists of a vcpu no thread runs as any more go back to the buddy. */
    public void vcpuOffline(final int vcpu) {
        checkVcpu(vcpu);
        drainPagesZone(vcpu, vcpu);
    }

    /** {@code drain_pages_zone}: under {@code pcp->lock}, {@code free_pcppages_bulk} until the lists are empty. */
    private void drainPagesZone(final int vcpu, final int callerVcpu) {
        final long pcp = base(vcpu);
        int count;
        do {
            pcpSpinLock(pcp);
            try {
                count = pcpCount(pcp);
                if (count > 0) {
                    final int toDrain = Math.min(count, batch << LinuxConfig.PCP_BATCH_SCALE_MAX);
                    freePcppagesBulk(toDrain, pcp, 0, callerVcpu);
                    count = pcpCount(pcp);
                }
            } finally {
                pcpSpinUnlock(pcp);
            }
        } while (count > 0 && anyListFilled(pcp));
    }

    private boolean anyListFilled(final long pcp) {
        for (int pindex = 0; pindex < PcpStruct.NR_PCP_LISTS; pindex++) {
            if (!listEmpty(pcp, pindex)) {
                return true;
            }
        }
        return false;
    }

    // ---- helpers ----

    /** {@code pcp_allowed_order}. */
    private boolean pcpAllowedOrder(final int order) {
        return order <= PcpStruct.PAGE_ALLOC_COSTLY_ORDER || (thp && order == PcpStruct.THP_ORDER);
    }

    private long base(final int vcpu) {
        return vcpu * PcpStruct.SIZE;
    }

    @AccessHelper
    private int pcpCount(final long pcp) {
        return access.getInt(Region.ALLOCATOR, area, pcp + PcpStruct.COUNT);
    }

    @AccessHelper
    private void setPcpCount(final long pcp, final int count) {
        access.setInt(Region.ALLOCATOR, area, pcp + PcpStruct.COUNT, count);
    }

    private void checkVcpu(final int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus) {
            throw new IllegalArgumentException("vcpu " + vcpu + " is outside 0.." + (vcpus - 1));
        }
    }

    // ---- accessors (quiescent) ----

    /** The per_cpu_pages mapping, for tests of the labels. */
    MemorySegment area() {
        return area;
    }

    /** The buddy behind the lists. */
    public BuddyAllocator zone() {
        return zone;
    }

    /** {@code pcp->batch} of every vcpu (set once, at construction). */
    public int batch() {
        return batch;
    }

    /** {@code pcp->high} of every vcpu ({@code high_min == high_max}, so it never moves). */
    public int high() {
        return high;
    }

    /** Orders served from the lists ({@code pcp_allowed_order}): 0..3 and, when the buddy reaches it, the THP order. */
    public boolean hasList(final int order) {
        return order >= 0 && pcpAllowedOrder(order);
    }

    /** {@code pcp->count} of {@code vcpu}. */
    public int count(final int vcpu) {
        checkVcpu(vcpu);
        return pcpCount(base(vcpu));
    }

    /** Blocks of {@code order} on {@code vcpu}'s MOVABLE list (0 for orders without one); walks the list. */
    public int blocks(final int vcpu, final int order) {
        checkVcpu(vcpu);
        if (order < 0 || !pcpAllowedOrder(order)) {
            return 0;
        }
        return listBlocks(base(vcpu), PcpStruct.orderToPindex(MIGRATE_MOVABLE, order)).size();
    }

    /** The blocks of a list, first (hottest) to last; stops at a cycle or an out-of-range link. */
    private List<Long> listBlocks(final long pcp, final int pindex) {
        final List<Long> blocks = new ArrayList<>();
        for (long pfn = access.getLong(Region.ALLOCATOR, area, pcp + PcpStruct.listNext(pindex));
             pfn != Memmap.NIL && pfn >= 0 && pfn < pages && blocks.size() <= pages; pfn = links.next(pfn)) {
            blocks.add(pfn);
        }
        return blocks;
    }

    @Override
    public long[] freeBlocksByOrder() {
        final long[] counts = zone.freeBlocksByOrder();
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            for (int pindex = 0; pindex < PcpStruct.NR_PCP_LISTS; pindex++) {
                final int order = PcpStruct.pindexToOrder(pindex);
                if (order < counts.length) {
                    counts[order] += listBlocks(base(vcpu), pindex).size();
                }
            }
        }
        return counts;
    }

    /**
     * Walks every list (links both ways, bounds, alignment, overlaps, held blocks unowned and not
     * PageBuddy, {@code count}), then the buddy with the held blocks marked as the PCP's for the walk
     * (their links saved and put back, as a mark may share words with them).
     */
    @Override
    public VerifyReport verify() {
        final List<String> problems = new ArrayList<>();
        final BitSet held = new BitSet();
        final List<long[]> marked = new ArrayList<>();
        long heldPages = 0;
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            final long pcp = base(vcpu);
            if (access.getInt(Region.ALLOCATOR, area, pcp + PcpStruct.LOCK) != 0) {
                VerifyReport.addProblem(problems, "vcpu " + vcpu + " pcp->lock is held");
            }
            long vcpuPages = 0;
            for (int pindex = 0; pindex < PcpStruct.NR_PCP_LISTS; pindex++) {
                final int order = PcpStruct.pindexToOrder(pindex);
                final List<Long> blocks = listBlocks(pcp, pindex);
                if (blocks.size() > pages) {
                    VerifyReport.addProblem(problems, "vcpu " + vcpu + " list " + pindex + " does not end (cycle)");
                    continue;
                }
                if (!blocks.isEmpty() && (pindex != PcpStruct.orderToPindex(MIGRATE_MOVABLE, order) || !pcpAllowedOrder(order))) {
                    VerifyReport.addProblem(problems, "vcpu " + vcpu + " list " + pindex + " holds blocks; only MOVABLE lists are used");
                }
                long prev = Memmap.NIL;
                for (final long pfn : blocks) {
                    final String where = "vcpu " + vcpu + " order-" + order + " block 0x" + Long.toHexString(pfn);
                    vcpuPages += 1L << order;
                    if (links.prev(pfn) != prev) {
                        VerifyReport.addProblem(problems, where + " has a broken prev link");
                    }
                    prev = pfn;
                    if (pfn + (1L << order) > pages || (pfn & ((1L << order) - 1)) != 0) {
                        VerifyReport.addProblem(problems, where + " is out of range or misaligned");
                        continue;
                    }
                    final int from = (int) pfn;
                    final int next = held.nextSetBit(from);
                    if (next != -1 && next < from + (1 << order)) {
                        VerifyReport.addProblem(problems, where + " overlaps another held block (listed twice?)");
                        continue;
                    }
                    held.set(from, from + (1 << order));
                    if (memmap.allocatedOrder(pfn) >= 0 || memmap.freeOrder(pfn) >= 0 || !tailsUnowned(pfn, order)) {
                        VerifyReport.addProblem(problems, where + " is not free in the memmap (allocatee 0x"
                                + Long.toHexString(memmap.allocatee(pfn)) + ", free order " + memmap.freeOrder(pfn) + ")");
                        continue;
                    }
                    marked.add(new long[] {pfn, order, links.next(pfn), links.prev(pfn)});
                }
                final long last = access.getLong(Region.ALLOCATOR, area, pcp + PcpStruct.listPrev(pindex));
                if (last != prev) {
                    VerifyReport.addProblem(problems, "vcpu " + vcpu + " list " + pindex + " ends at 0x" + Long.toHexString(prev)
                            + " but its head's prev says 0x" + Long.toHexString(last));
                }
            }
            if (vcpuPages != pcpCount(pcp)) {
                VerifyReport.addProblem(problems, "vcpu " + vcpu + " pcp->count is " + pcpCount(pcp) + " but its lists hold "
                        + vcpuPages + " pages");
            }
            heldPages += vcpuPages;
        }
        final VerifyReport inner;
        for (final long[] block : marked) {
            memmap.setAllocated(block[0], (int) block[1], owner);
        }
        try {
            inner = zone.verify();
        } finally {
            for (final long[] block : marked) {
                memmap.clearAllocated(block[0], (int) block[1]);
                links.setNext(block[0], block[2]);
                links.setPrev(block[0], block[3]);
            }
        }
        for (final String p : inner.problems()) {
            VerifyReport.addProblem(problems, zone.name() + ": " + p);
        }
        final long free = inner.freePages() + heldPages;
        final long allocated = inner.allocatedPages() - heldPages;
        if (free + allocated != pages) {
            VerifyReport.addProblem(problems, "free " + free + " + allocated " + allocated + " != managed " + pages);
        }
        return new VerifyReport(free, allocated, pages, problems);
    }

    private boolean tailsUnowned(final long pfn, final int order) {
        for (long p = pfn; p < pfn + (1L << order); p++) {
            if (memmap.allocatee(p) != Allocatee.NONE) {
                return false;
            }
        }
        return true;
    }

    // ---- labels for memu explain ----

    @Override
    public void labelFields(final MemorySegment segment, final long offset, final long bytes, final List<String> out) {
        zone.labelFields(segment, offset, bytes, out);
        links.labelFields(segment, offset, bytes, out);
        if (segment.address() != area.address()) {
            return;
        }
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            PcpStruct.FIELDS.label(vcpus == 1 ? "pcp" : "pcp[cpu" + vcpu + "]", offset - base(vcpu), bytes, out);
        }
    }
}

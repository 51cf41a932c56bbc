package dev.memu.alloc;

import dev.memu.access.CountingAccess;
import dev.memu.access.Region;
import dev.memu.alloc.linux.LinuxConfig;
import dev.memu.alloc.linux.PcpStruct;
import dev.memu.alloc.linux.VmEventStruct;
import dev.memu.alloc.linux.ZoneStruct;
import dev.memu.alloc.linux.ZonestatStruct;
import dev.memu.alloc.pcp.LinuxPcpAllocator;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each case of the inventory in {@link dev.memu.alloc.linux} set up deterministically, and the
 * counting layer's distinct lines per region compared with the lines the inventory lists: the
 * expected set is built here, function by function, from the Linux field each access comes from
 * (offsets from the struct tables), never from a run.
 *
 * <p>linux64 keeps a free block's descriptor and links in its struct page (one line per pfn);
 * memdesc8 keeps the descriptor in an 8-byte word (8 pfns a line) and the links in the free page's
 * first line (page data).
 */
class LinuxLineInventoryTest {

    private static final long PAGES = 4096;
    private static final long OWNER = Allocatee.of(MemdescType.ANON_FOLIO, 0x7770);

    /** A line an operation is expected to touch: a region and a name unique to the line. */
    private record Line(Region region, String key) {
    }

    /** The expected lines of one operation, added by the Linux function that touches them. */
    private static final class Expect {
        private final String layout;
        private final Set<Line> lines = new LinkedHashSet<>();

        Expect(final String layout) {
            this.layout = layout;
        }

        Expect zone(final long offset) {
            lines.add(new Line(Region.ALLOCATOR, "zone line " + offset / LinuxConfig.LINE));
            return this;
        }

        Expect pcp(final long offset) {
            lines.add(new Line(Region.ALLOCATOR, "pcp line " + offset / LinuxConfig.LINE));
            return this;
        }

        /** The vcpu's struct per_cpu_zonestat: one line. */
        Expect zonestat() {
            lines.add(new Line(Region.ALLOCATOR, "per_cpu_zonestat"));
            return this;
        }

        Expect vmEvent(final int item) {
            lines.add(new Line(Region.ALLOCATOR, "vm_event_states line " + VmEventStruct.event(item) / LinuxConfig.LINE));
            return this;
        }

        /** The descriptor of {@code pfn}. */
        Expect desc(final long pfn) {
            lines.add(layout.equals("linux64") ? new Line(Region.MEMMAP, "memmap line " + pfn)
                    : new Line(Region.MEMMAP, "memmap line " + pfn * 8 / LinuxConfig.LINE));
            return this;
        }

        /** The list links of {@code pfn} (buddy_list / pcp_list). */
        Expect links(final long pfn) {
            lines.add(layout.equals("linux64") ? new Line(Region.MEMMAP, "memmap line " + pfn)
                    : new Line(Region.PAGE_DATA, "page " + pfn + " line 0"));
            return this;
        }

        int count(final Region region) {
            return (int) lines.stream().filter(l -> l.region == region).count();
        }

        // ---- the Linux functions ----

        /**
         * get_page_from_freelist's watermark part for order 0, the zone above its high mark:
         * test_bit(ZONE_BELOW_HIGH), then zone_watermark_fast against the high mark, passing its fast check.
         */
        Expect zoneWatermarkFast0() {
            return zone(ZoneStruct.FLAGS).zone(ZoneStruct.WATERMARK + 8 * ZoneStruct.WMARK_HIGH).zone(ZoneStruct.WATERMARK_BOOST)
                    .zone(ZoneStruct.NR_FREE_HIGHATOMIC).zone(ZoneStruct.vmStat(ZoneStruct.NR_FREE_PAGES))
                    .zone(ZoneStruct.lowmemReserve(LinuxConfig.ZONE_MOVABLE));
        }

        /** spin_lock / spin_unlock of zone->lock. */
        Expect zoneLock() {
            return zone(ZoneStruct.LOCK);
        }

        /** __rmqueue's CMA balance test. */
        Expect rmqueueCmaBalance() {
            return zone(ZoneStruct.vmStat(ZoneStruct.NR_FREE_CMA_PAGES)).zone(ZoneStruct.vmStat(ZoneStruct.NR_FREE_PAGES));
        }

        /** account_freepages -> __mod_zone_page_state; {@code folds}: the diff passed stat_threshold. */
        Expect accountFreepages(final boolean folds) {
            zone(ZoneStruct.PER_CPU_ZONESTATS).zonestat();
            return folds ? zone(ZoneStruct.vmStat(ZoneStruct.NR_FREE_PAGES)) : this;
        }

        /** __count_zid_vm_events(PGALLOC) and zone_statistics. */
        Expect allocEvents() {
            return vmEvent(VmEventStruct.PGALLOC_NORMAL).zone(ZoneStruct.NODE).zone(ZoneStruct.PER_CPU_ZONESTATS).zonestat();
        }

        /** test_bit(..., &zone->flags). */
        Expect zoneFlags() {
            return zone(ZoneStruct.FLAGS);
        }

        /** get_pfnblock_migratetype for a pfn of section 0: mem_section, the root entry, the section, its usage word. */
        Expect pfnblockMigratetype() {
            lines.add(new Line(Region.ALLOCATOR, "mem_section"));
            lines.add(new Line(Region.ALLOCATOR, "mem_section[0]"));
            lines.add(new Line(Region.ALLOCATOR, "mem_section[0][0]"));
            lines.add(new Line(Region.ALLOCATOR, "mem_section_usage[0].pageblock_flags[0]"));
            return this;
        }

        /** free_area[order].free_list[MOVABLE].next, .prev, free_area[order].nr_free. */
        Expect listHead(final int order) {
            return zone(ZoneStruct.freeListNext(order, LinuxConfig.MIGRATE_MOVABLE));
        }

        Expect listTail(final int order) {
            return zone(ZoneStruct.freeListPrev(order, LinuxConfig.MIGRATE_MOVABLE));
        }

        Expect nrFree(final int order) {
            return zone(ZoneStruct.nrFree(order));
        }

        /** The order-0 MOVABLE pcp list's head and everything else in pcp line 0. */
        Expect pcpLine0() {
            return pcp(PcpStruct.LOCK).pcp(PcpStruct.listNext(PcpStruct.orderToPindex(LinuxConfig.MIGRATE_MOVABLE, 0)));
        }
    }

    /** {@code vm_stat_diff[NR_FREE_PAGES]} of the one vcpu, as __mod_zone_page_state keeps it. */
    private static final class VmStatDiff {
        /** calculate_normal_threshold: 2 * fls(1 cpu) * (1 + fls(16 MiB >> 27)) = 2 * 1 * (1 + 0). */
        private static final int THRESHOLD = 2;
        private long diff;

        /** Applies one account_freepages; true when it folds into zone->vm_stat. */
        boolean add(final long delta) {
            final long x = diff + delta;
            if (Math.abs(x) > THRESHOLD) {
                diff = 0;
                return true;
            }
            diff = x;
            return false;
        }
    }

    @Test
    void theThresholdTheTestAssumesIsLinuxs() {
        assertEquals(VmStatDiff.THRESHOLD, ZonestatStruct.statThreshold(PAGES, Machine.DEFAULT_PAGE_SHIFT, 1));
    }

    private static void assertLines(final CountingAccess counting, final Expect expect, final String what) {
        for (final Region region : new Region[] {Region.ALLOCATOR, Region.MEMMAP, Region.PAGE_DATA}) {
            assertEquals(expect.count(region), counting.lastOpLines(region),
                    what + ": " + region.key() + " lines, expected " + expect.lines);
        }
    }

    private static long measure(final CountingAccess counting, final Supplier<Long> op) {
        counting.beginOp();
        final long result = op.get();
        counting.endOp();
        return result;
    }

    /** The buddy cases, in one deterministic sequence from a fresh 4096-page zone. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"linux64", "memdesc8"})
    void buddyOperationsTouchTheInventorysLines(final String layout) {
        try (Machine machine = Machine.create(PAGES << Machine.DEFAULT_PAGE_SHIFT)) {
            final CountingAccess counting = new CountingAccess();
            final Memmap memmap = Layouts.byName(layout).bind(machine, counting);
            final BuddyAllocator buddy = new BuddyAllocator(memmap, AllocatorOptions.defaults());
            final VmStatDiff diff = new VmStatDiff();

            // Allocation with split: pfn 0 from the first order-10 block, the upper halves 512..1
            // onto the lists of orders 9..0 (all empty), 1024 becomes the head of order 10.
            assertEquals(0, measure(counting, () -> buddy.alloc(0, OWNER, 0)));
            final Expect split = new Expect(layout).zoneWatermarkFast0().zoneLock().rmqueueCmaBalance();
            for (int order = 0; order <= 10; order++) {
                split.listHead(order);                                  // __rmqueue_smallest scans up
            }
            split.links(0).links(1024).listHead(10).desc(0).nrFree(10);  // __del_page_from_free_list
            for (int order = 9; order >= 0; order--) {                   // expand: list_add to empty lists
                split.desc(1L << order).links(1L << order).listHead(order).listTail(order).nrFree(order);
            }
            split.accountFreepages(diff.add(-1)).allocEvents().zoneFlags().desc(0);
            assertLines(counting, split, "alloc with split");

            assertEquals(1, buddy.alloc(0, OWNER, 0));                   // order-0 list empty again
            diff.add(-1);
            assertEquals(2, buddy.alloc(0, OWNER, 0));                   // splits order 1: 3 on the order-0 list
            diff.add(-1);

            // Order-0 free without merge: buddy 0 allocated; buddy_merge_likely reads pfn 2 (allocated): head.
            measure(counting, () -> {
                buddy.free(1, 0, 0);
                return 0L;
            });
            final Expect freeNoMerge = new Expect(layout).desc(1).zoneLock().pfnblockMigratetype()
                    .accountFreepages(diff.add(1)).desc(0).desc(2)
                    .listHead(0).links(1).links(3).nrFree(0).vmEvent(VmEventStruct.PGFREE);
            assertLines(counting, freeNoMerge, "order-0 free without merge");

            // Order-0 allocation from the list [1, 3]: list_del of 1 writes 3's prev.
            assertEquals(1, measure(counting, () -> buddy.alloc(0, OWNER, 0)));
            final Expect hit = new Expect(layout).zoneWatermarkFast0().zoneLock().rmqueueCmaBalance()
                    .listHead(0).links(1).links(3).desc(1).nrFree(0)
                    .accountFreepages(diff.add(-1)).allocEvents().zoneFlags();
            assertLines(counting, hit, "order-0 alloc from the order-0 list");

            buddy.free(1, 0, 0);                                         // the list is [1, 3] again
            diff.add(1);

            // Free with merge: 0 merges with 1 (list [1, 3]: 3's prev rewritten), stops at buddy 2;
            // buddy_merge_likely finds order-2 block 4 free: the order-1 block goes to the (empty) tail.
            measure(counting, () -> {
                buddy.free(0, 0, 0);
                return 0L;
            });
            final Expect merge = new Expect(layout).desc(0).zoneLock().pfnblockMigratetype()
                    .accountFreepages(diff.add(1))
                    .desc(1).links(1).links(3).listHead(0).nrFree(0)            // __del_page_from_free_list(1)
                    .desc(2).desc(4)                                            // buddy 2, buddy_merge_likely
                    .links(0).listHead(1).listTail(1).nrFree(1)                 // list_add_tail at order 1
                    .vmEvent(VmEventStruct.PGFREE);
            assertLines(counting, merge, "order-0 free with merge");
            assertEquals(1, memmap.freeOrder(0), "pfns 0-1 merged into an order-1 block");

            // Order 2 (the zone above its marks): __zone_watermark_ok reads free_area[2].nr_free and
            // the UNMOVABLE then MOVABLE list heads; the order-2 list holds only 4 (from the first split).
            assertEquals(4, measure(counting, () -> buddy.alloc(2, OWNER, 0)));
            final Expect order2 = new Expect(layout).zoneWatermarkFast0()
                    .nrFree(2).zone(ZoneStruct.freeListNext(2, LinuxConfig.MIGRATE_UNMOVABLE)).listHead(2)
                    .zoneLock().rmqueueCmaBalance().links(4).listTail(2).desc(4)
                    .accountFreepages(diff.add(-4)).allocEvents().zoneFlags();
            for (long pfn = 4; pfn < 8; pfn++) {
                order2.desc(pfn);                                       // prep_compound_page: every tail
            }
            assertLines(counting, order2, "order-2 alloc");
            assertTrue(buddy.verify().ok(), buddy.verify()::toString);
        }
    }

    /** The buddy+pcp cases, batch 1 and high 3 so that refills and bulk frees are small enough to list. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"linux64", "memdesc8"})
    void pcpOperationsTouchTheInventorysLines(final String layout) {
        try (Machine machine = Machine.create(PAGES << Machine.DEFAULT_PAGE_SHIFT)) {
            final CountingAccess counting = new CountingAccess();
            final Memmap memmap = Layouts.byName(layout).bind(machine, counting);
            final LinuxPcpAllocator pcp = new LinuxPcpAllocator(memmap, new AllocatorOptions(AllocatorOptions.DEFAULT, 1, 3, 1));
            final VmStatDiff diff = new VmStatDiff();
            final long order0List = PcpStruct.listNext(PcpStruct.orderToPindex(LinuxConfig.MIGRATE_MOVABLE, 0));

            assertEquals(0, pcp.alloc(0, OWNER, 0));                     // refill of 1 block: the full split
            diff.add(-1);

            // PCP miss: the list is empty; rmqueue_bulk takes pfn 1, the only block on the order-0 list.
            assertEquals(1, measure(counting, () -> pcp.alloc(0, OWNER, 0)));
            final Expect miss = new Expect(layout).zoneWatermarkFast0()
                    .zone(ZoneStruct.PER_CPU_PAGESET).pcpLine0()               // rmqueue_pcplist, nr_pcp_alloc
                    .zoneLock().rmqueueCmaBalance().listHead(0).listTail(0)    // rmqueue_bulk -> __rmqueue
                    .links(1).desc(1).nrFree(0).accountFreepages(diff.add(-1))
                    .allocEvents().zoneFlags();                                // list_add_tail, list_del: pcp line 0, links(1)
            assertLines(counting, miss, "PCP miss");

            assertEquals(2, pcp.alloc(0, OWNER, 0));                     // refill from order 1: 3 to the order-0 list
            diff.add(-1);
            pcp.free(1, 0, 0);                                           // pcp list [1]

            // PCP free without bulk: list_add before 1 (its prev rewritten); count 2 < high 3.
            measure(counting, () -> {
                pcp.free(2, 0, 0);
                return 0L;
            });
            final Expect freeNoBulk = new Expect(layout).desc(2).pfnblockMigratetype()
                    .zone(ZoneStruct.PER_CPU_PAGESET).pcpLine0().vmEvent(VmEventStruct.PGFREE)
                    .links(2).links(1).zoneFlags();
            assertLines(counting, freeNoBulk, "PCP free without free_pcppages_bulk");

            // PCP hit: list [2, 1]: list_del of 2 rewrites 1's prev.
            assertEquals(2, measure(counting, () -> pcp.alloc(0, OWNER, 0)));
            final Expect hit = new Expect(layout).zoneWatermarkFast0().zone(ZoneStruct.PER_CPU_PAGESET).pcpLine0()
                    .links(2).links(1).allocEvents().zoneFlags().desc(2);
            assertLines(counting, hit, "PCP hit");

            pcp.free(0, 0, 0);                                           // pcp list [0, 1], free_count 2

            // PCP free with bulk: list [2, 0, 1], count 3 = high, free_count 3: nr_pcp_free =
            // clamp(3, batch 1, high - batch 2) = 2 pages, coldest first: 1, then 0.
            measure(counting, () -> {
                pcp.free(2, 0, 0);
                return 0L;
            });
            final Expect bulk = new Expect(layout).desc(2).pfnblockMigratetype()
                    .zone(ZoneStruct.PER_CPU_PAGESET).pcpLine0().vmEvent(VmEventStruct.PGFREE)
                    .links(2).links(0).zoneFlags()                              // list_add, nr_pcp_high
                    .zoneLock()
                    // 1: list_del rewrites 0's next; buddy 0 is on the pcp list, buddy_merge_likely
                    // reads 2 (on the pcp list too): list_add at the head of [3].
                    .links(1).accountFreepages(diff.add(1)).desc(0).desc(2)
                    .desc(1).listHead(0).links(3).nrFree(0)
                    // 0: list_del rewrites 2's next; merges with 1 (head of [1, 3]: 3's prev), stops
                    // at 2; order-2 block 4 is free: list_add_tail on the empty order-1 list.
                    .accountFreepages(diff.add(1)).desc(4).listHead(1).listTail(1).nrFree(1);
            assertLines(counting, bulk, "PCP free with free_pcppages_bulk");
            assertEquals(1, pcp.count(0), "one page left on the pcp list");
            assertEquals(1, memmap.freeOrder(0), "pfns 0-1 merged into an order-1 block");
            assertTrue(pcp.verify().ok(), pcp.verify()::toString);
        }
    }
}

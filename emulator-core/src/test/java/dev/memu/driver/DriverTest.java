package dev.memu.driver;

import dev.memu.access.Region;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.workload.Op;
import dev.memu.workload.OrderMix;
import dev.memu.workload.Workload;
import dev.memu.workload.WorkloadSpec;
import dev.memu.workload.Workloads;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DriverTest {

    private static final long RAM = 64L << 20;
    private static final long PAGES = RAM >> 12;

    private static WorkloadSpec churn(final long ops) {
        return WorkloadSpec.defaults(Workloads.CHURN).withOps(ops, ops / 4);
    }

    @Test
    void runsEveryLayoutOnBuddyAndLeavesASoundAllocator() {
        for (final Layout layout : Layouts.all()) {
            final RunResult r = Driver.run(RunSpec.of(RAM, layout.name(), "buddy", 1, churn(20_000)));
            assertEquals(20_000, r.ops(), layout.name());
            assertEquals(PAGES, r.pages());
            assertTrue(r.verify().ok());
            assertEquals(r.alloc().count() + r.free().count(), r.ops());
            assertEquals(r.alloc().count(), r.allocLines().ops(), "counting pass replays the timed pass's ops");
            assertEquals(r.free().count(), r.freeLines().ops());
            assertTrue(r.opsPerSec() > 0);
            assertTrue(r.alloc().p50() <= r.alloc().p99() && r.alloc().p99() <= r.alloc().max());
            // Measured bytes per page: the memmap is exactly the layout's entry, the allocator adds its own.
            assertEquals(layout.bytesPerPage(), r.bytesPerPage().byRegion().get(Region.MEMMAP), 1e-9, layout.name());
            assertTrue(r.bytesPerPage().total() > layout.bytesPerPage(), "allocator metadata is counted too");
            assertEquals(100.0 * r.bytesPerPage().metadataBytes() / RAM, r.percentOfRam(), 1e-9);
            // The free-block census agrees with the verifier's free pages.
            final long[] blocks = r.freeBlocksByOrder();
            long freePages = 0;
            for (int o = 0; o < blocks.length; o++) {
                freePages += blocks[o] << o;
            }
            assertEquals(r.verify().freePages(), freePages);
            assertEquals(r.workload().livePages(), r.verify().allocatedPages());
            // Every op touches at least its descriptor.
            assertTrue(r.allocLines().total() >= 1 && r.freeLines().total() >= 1, r.allocLines().toString());
            // ...through the memmap, or for per-allocation layouts through their pfn lookup.
            assertTrue(r.allocLines().byRegion().get(Region.MEMMAP) + r.allocLines().byRegion().get(Region.LOOKUP) >= 1,
                    layout.name());
            assertTrue(r.allocLines().max() >= r.allocLines().p99());
            // Per-order means weigh back to the overall mean (the default mix has orders 0-3 and 9).
            assertEquals(java.util.Set.of(0, 1, 2, 3, 9), r.allocLines().byOrder().keySet());
            if (layout.bytesPerPage() > 0) {
                assertTrue(r.allocLines().byOrder().get(9) > r.allocLines().byOrder().get(0),
                        "an order-9 alloc records its allocatee in 512 per-page entries");
            }
        }
    }

    @Test
    void layoutsDifferWhereTheyKeepFreeListLinks() {
        final WorkloadSpec orderZero = churn(20_000).withOrders(OrderMix.parse("0:1"));
        final RunResult linux64 = Driver.run(RunSpec.of(RAM, "linux64", "buddy", 1, orderZero));
        final RunResult memdesc8 = Driver.run(RunSpec.of(RAM, "memdesc8", "buddy", 1, orderZero));
        assertEquals(0.0, linux64.allocLines().byRegion().get(Region.PAGE_DATA), "linux64 links live in struct page");
        assertTrue(memdesc8.allocLines().byRegion().get(Region.PAGE_DATA) > 0, "memdesc8 links live in free pages");
    }

    @Test
    void sameSeedGivesTheSameCachelineCounts() {
        final RunSpec spec = RunSpec.of(RAM, "memdesc16", "buddy", 1, churn(10_000)).withSeed(5);
        final RunResult a = Driver.run(spec);
        final RunResult b = Driver.run(spec);
        assertEquals(a.allocLines(), b.allocLines());
        assertEquals(a.freeLines(), b.freeLines());
        assertEquals(a.workload(), b.workload());
    }

    @Test
    void multiThreadRunSplitsTheWorkAndStaysSound() {
        final RunResult r = Driver.run(RunSpec.of(RAM, "memdesc8", "buddy", 2, churn(40_000)));
        assertEquals(40_000, r.ops());
        assertEquals(2, r.perThread().size());
        final List<Long> ops = new ArrayList<>();
        r.perThread().forEach(t -> ops.add(t.ops()));
        assertEquals(List.of(20_000L, 20_000L), ops);
        r.perThread().forEach(t -> assertTrue(t.opsPerSec() > 0 && t.alloc().count() > 0));
        assertEquals(r.perThread().get(0).alloc().count() + r.perThread().get(1).alloc().count(), r.alloc().count());
        assertTrue(r.verify().ok());
        assertEquals(r.workload().livePages(), r.verify().allocatedPages());
        assertEquals(r.alloc().count() + r.free().count(), r.allocLines().ops() + r.freeLines().ops(),
                "the counting pass replays both streams");
    }

    @Test
    void fragmentReportsHighOrderAttempts() {
        final WorkloadSpec spec = WorkloadSpec.defaults(Workloads.FRAGMENT).withOrders(OrderMix.parse("0:1"));
        final RunResult r = Driver.run(RunSpec.of(RAM, "linux64", "buddy", 1, spec));
        assertEquals(9, r.workload().probeOrder());
        assertTrue(r.workload().probeAttempts() > 0);
        assertTrue(r.workload().probeSuccesses() <= r.workload().probeAttempts());
        assertEquals(r.workload().measuredOps(), r.ops());
    }

    @Test
    void anOrderAboveTheAllocatorsMaxIsAConfigErrorBeforeAnythingRuns() {
        final RunSpec spec = RunSpec.of(RAM, "memdesc8", "buddy", 1,
                churn(1000).withOrders(OrderMix.parse("0:1,11:1")));
        final RunConfigException v = assertThrows(RunConfigException.class, () -> Driver.validate(spec));
        assertEquals(RunConfigException.Input.ORDERS, v.input());
        assertTrue(v.getMessage().contains("'0:1,11:1'") && v.getMessage().contains("order 11"), v.getMessage());
        assertThrows(RunConfigException.class, () -> Driver.run(spec));
        final RunSpec probe = RunSpec.of(RAM, "memdesc8", "buddy", 1,
                WorkloadSpec.defaults(Workloads.FRAGMENT).withProbeOrder(12));
        assertEquals(RunConfigException.Input.PROBE_ORDER,
                assertThrows(RunConfigException.class, () -> Driver.validate(probe)).input());
    }

    @Test
    void aMachineThatCannotHoldTheOrderIsRejected() {
        // 1 MiB = 256 pages: buddy's max order shrinks to 8, below the default mix's order 9.
        final RunSpec spec = RunSpec.of(1L << 20, "memdesc8", "buddy", 1, churn(100));
        assertEquals(RunConfigException.Input.ORDERS,
                assertThrows(RunConfigException.class, () -> Driver.validate(spec)).input());
    }

    @Test
    void rejectsUnknownNamesAndBadThreads() {
        assertThrows(IllegalArgumentException.class, () -> RunSpec.of(RAM, "memdesc9", "buddy", 1, churn(1)));
        assertThrows(IllegalArgumentException.class, () -> RunSpec.of(RAM, "memdesc8", "slub", 1, churn(1)));
        assertThrows(IllegalArgumentException.class, () -> RunSpec.of(RAM, "memdesc8", "buddy", 0, churn(1)));
        assertEquals(RunConfigException.Input.MEMORY, assertThrows(RunConfigException.class,
                () -> Driver.validate(RunSpec.of(1000, "memdesc8", "buddy", 1, churn(1)))).input());
    }

    @Test
    void aHugeRamCostsWhatTheOpsCostNotWhatTheRamIs() {
        // 64 GiB emulated (16 Mi pages) on a test heap of 2 GiB: the fill is capped, nothing is sized by RAM.
        final WorkloadSpec spec = churn(2_000).withMaxFillBytes(16L << 20);
        final RunResult r = Driver.run(RunSpec.of(64L << 30, "memdesc8", "buddy", 1, spec));
        assertEquals(16L << 20, r.pages());
        assertEquals(4096, r.workload().fillTargetPages());
        assertEquals(8.0, r.bytesPerPage().byRegion().get(Region.MEMMAP), 1e-9);
        assertTrue(r.verify().ok());
        assertEquals(r.pages() - r.verify().allocatedPages(), r.verify().freePages());
    }

    /** LLFree's "bulk" shape from outside the workload package: allocate n order-0 pages, free them in reverse. */
    static final class Bulk extends Workload {
        private final int n;
        private int emitted;

        Bulk(final long seed, final int n) {
            super(seed, OrderMix.parse("0:1"), 0, n);
            this.n = n;
        }

        @Override
        public String name() {
            return "bulk";
        }

        @Override
        protected boolean produce(final Op op) {
            if (emitted < n) {
                emitted++;
                alloc(op, 0, true);
                return true;
            }
            if (live.count() > 0) {
                freeSlot(op, live.count() - 1, true);
                return true;
            }
            return false;
        }

        @Override
        public long estimatedOps() {
            return 2L * n;
        }
    }

    @Test
    void runsStreamsFromACallersOwnFactory() {
        final StreamFactory bulk = (spec, pages, pageShift, stream) -> new Bulk(spec.seed() + stream, 3000);
        final RunResult r = Driver.run(RunSpec.of(RAM, "memdesc8", "buddy", 2, churn(1)), bulk, ProgressListener.NONE);
        assertEquals(2 * 2 * 3000, r.ops());
        assertEquals(2 * 3000, r.alloc().count());
        assertEquals(0, r.verify().allocatedPages());
        final long[] blocks = r.freeBlocksByOrder();
        assertEquals(PAGES >> 10, blocks[10], "every page freed: buddy merged all the way back to max order");
        assertEquals(2 * 3000, r.allocLines().ops());
    }

    @Test
    void reportsProgressOnlyForLongPassesAndClosesWhatItOpened() {
        final List<String> events = new ArrayList<>();
        final ProgressListener listener = new ProgressListener() {
            @Override
            public void progress(final String pass, final long done, final long total, final double rate) {
                events.add("progress " + pass);
            }

            @Override
            public void passDone(final String pass) {
                events.add("done " + pass);
            }
        };
        Driver.run(RunSpec.of(RAM, "memdesc8", "buddy", 1, churn(2_000)), listener);
        assertEquals(List.of(), events, "a run far shorter than the delay reports nothing");
    }
}

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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DriverTest {

    private static final long RAM = 64L << 20;
    private static final long PAGES = RAM >> 12;

    private static WorkloadSpec churn(final long ops) {
        return WorkloadSpec.defaults(Workloads.CHURN).withOps(ops, ops / 4);
    }

    /**
     * A clock that advances by one tick each time the calling thread reads it, on each thread
     * apart: what a loop measures with it is how often it read the clock, not how long it took.
     */
    private static java.util.function.LongSupplier ticks() {
        final ThreadLocal<long[]> counter = ThreadLocal.withInitial(() -> new long[1]);
        return () -> ++counter.get()[0];
    }

    private static RunResult run(final RunSpec spec) {
        return Driver.run(spec, StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE, ticks());
    }

    @Test
    void theTimedPassStartsItsClockOnceTheJitIsQuietAndReportsTheCompilerUnderIt() {
        // a compiler with nothing left to do: the clock starts one quiet window after the warm-up
        final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        final JitActivity idle = new JitActivity() {
            @Override
            public long compilerCpuNanos() {
                return 1_000;
            }

            @Override
            public long compilerDemandNanos() {
                reads.incrementAndGet();
                return 1_000;
            }
        };
        final RunResult r = Driver.run(RunSpec.of(RAM, "memdesc8", "potad", 1, churn(20_000)), StreamFactory.FROM_SPEC,
                AllocatorBoot.NONE, ProgressListener.NONE, System::nanoTime, OpTape.DEFAULT_CHUNK_OPS, dev.memu.stat.Telemetry.NONE, idle);
        assertTrue(r.jit().quiet(), "a compiler that does nothing is quiet");
        assertTrue(r.jit().waitedNs() >= JitSettle.WINDOW_NS, "waited a window: " + r.jit().waitedNs());
        assertTrue(r.jit().known());
        assertEquals(0, r.jit().compilerNsWhileTimed());
        assertEquals(0.0, r.jit().compilerShareWhileTimed());
        assertTrue(r.jit().timedWindowNs() > 0);
        assertEquals(0, r.jit().warmUpWaitedNs(), "an idle compiler never holds the warm-up");
        assertTrue(reads.get() >= JitSettle.WINDOW_NS / JitSettle.POLL_NS, "reads " + reads.get());
    }

    @Test
    void aRunOnAnInjectedClockDoesNotWatchTheJit() {
        final RunResult r = run(RunSpec.of(RAM, "memdesc8", "potad", 1, churn(10_000)));
        assertFalse(r.jit().known());
        assertEquals(0, r.jit().waitedNs());
        assertTrue(Double.isNaN(r.jit().compilerShareWhileTimed()));
    }

    @Test
    void runsEveryLayoutOnBuddyAndLeavesASoundAllocator() {
        for (final Layout layout : Layouts.all()) {
            final RunResult r = run(RunSpec.of(RAM, layout.name(), "buddy", 1, churn(20_000)));
            assertEquals(20_000, r.ops(), layout.name());
            assertEquals(PAGES, r.pages());
            assertTrue(r.verify().ok());
            assertEquals(20_000 / Driver.LATENCY_SAMPLE_EVERY, r.alloc().count() + r.free().count(),
                    "one op in " + Driver.LATENCY_SAMPLE_EVERY + " is timed alone");
            assertEquals(r.workload().measuredAllocs(), r.allocLines().ops(), "counting pass replays the timed pass's ops");
            assertEquals(r.workload().measuredFrees(), r.freeLines().ops());
            assertEquals(r.ops(), r.allocLines().ops() + r.freeLines().ops());
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
        final RunResult linux64 = run(RunSpec.of(RAM, "linux64", "buddy", 1, orderZero));
        final RunResult memdesc8 = run(RunSpec.of(RAM, "memdesc8", "buddy", 1, orderZero));
        assertEquals(0.0, linux64.allocLines().byRegion().get(Region.PAGE_DATA), "linux64 links live in struct page");
        assertTrue(memdesc8.allocLines().byRegion().get(Region.PAGE_DATA) > 0, "memdesc8 links live in free pages");
    }

    @Test
    void sameSeedGivesTheSameCachelineCounts() {
        final RunSpec spec = RunSpec.of(RAM, "memdesc16", "buddy", 1, churn(10_000)).withSeed(5);
        final RunResult a = run(spec);
        final RunResult b = run(spec);
        assertEquals(a.allocLines(), b.allocLines());
        assertEquals(a.freeLines(), b.freeLines());
        assertEquals(a.workload(), b.workload());
    }

    @Test
    void multiThreadRunSplitsTheWorkAndStaysSound() {
        final RunResult r = run(RunSpec.of(RAM, "memdesc8", "buddy", 2, churn(40_000)));
        assertEquals(40_000, r.ops());
        assertEquals(2, r.perThread().size());
        final List<Long> ops = new ArrayList<>();
        r.perThread().forEach(t -> ops.add(t.ops()));
        assertEquals(List.of(20_000L, 20_000L), ops);
        r.perThread().forEach(t -> assertTrue(t.opsPerSec() > 0 && t.alloc().count() > 0));
        assertEquals(r.perThread().get(0).alloc().count() + r.perThread().get(1).alloc().count(), r.alloc().count());
        assertTrue(r.verify().ok());
        assertEquals(r.workload().livePages(), r.verify().allocatedPages());
        assertEquals(r.ops(), r.allocLines().ops() + r.freeLines().ops(), "the counting pass replays both streams");
    }

    @Test
    void fragmentReportsHighOrderAttempts() {
        final WorkloadSpec spec = WorkloadSpec.defaults(Workloads.FRAGMENT).withOrders(OrderMix.parse("0:1"));
        final RunResult r = run(RunSpec.of(RAM, "linux64", "buddy", 1, spec));
        assertEquals(9, r.workload().probeOrder());
        assertTrue(r.workload().probeAttempts() > 0);
        assertTrue(r.workload().probeSuccesses() <= r.workload().probeAttempts());
        assertEquals(r.workload().measuredOps(), r.ops());
        assertFalse(r.opsAhead(), "fragment's probes depend on their outcomes: produced one by one");
        assertTrue(Double.isNaN(r.harnessNsPerOp()), "no tape, no harness figure");
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
        final RunResult r = run(RunSpec.of(64L << 30, "memdesc8", "buddy", 1, spec));
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
        final RunResult r = Driver.run(RunSpec.of(RAM, "memdesc8", "buddy", 2, churn(1)), bulk, AllocatorBoot.NONE,
                ProgressListener.NONE, ticks());
        assertEquals(2 * 2 * 3000, r.ops());
        assertFalse(r.opsAhead(), "a workload that does not say it generates ahead is run one op at a time");
        assertEquals(2 * 3000, r.workload().measuredAllocs());
        assertEquals(2 * (2 * 3000 / Driver.LATENCY_SAMPLE_EVERY), r.alloc().count() + r.free().count(),
                "one by one, each stream samples one op in " + Driver.LATENCY_SAMPLE_EVERY);
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
        final RunSpec spec = RunSpec.of(RAM, "memdesc8", "buddy", 1, churn(20_000));
        Driver.run(spec, StreamFactory.FROM_SPEC, AllocatorBoot.NONE, listener, () -> 0L);
        assertEquals(List.of(), events, "a clock that stands still never passes the delay: nothing reported");
        // A clock that jumps a second per reading passes the delay and the interval at every update.
        final java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        Driver.run(spec, StreamFactory.FROM_SPEC, AllocatorBoot.NONE, listener, () -> now.addAndGet(1_000_000_000L));
        assertTrue(events.contains("progress memdesc8/buddy/1t cachelines"), events.toString());
        assertEquals("done memdesc8/buddy/1t cachelines", events.getLast(), "a pass that reported says when it is done");
    }

    @Test
    void theHarnessReplaysTheSameOpsThroughTheSameLoop() {
        // With a clock that counts its own readings, a loop's "time" is the number of clock reads in
        // it: the measured loop and the harness read it the same number of times (two per sampled
        // op) only if they replay the same ops with the same sampling.
        final RunResult r = run(RunSpec.of(RAM, "memdesc8", "potad", 1, churn(20_000)));
        assertTrue(r.opsAhead());
        final double reads = 2.0 * (20_000 / Driver.LATENCY_SAMPLE_EVERY) + 1;
        assertEquals(reads / 20_000, r.nsPerOp(), 1e-12);
        assertEquals(reads / 20_000, r.harnessNsPerOp(), 1e-12);
        assertEquals(1.0, r.harnessShare(), 1e-12);
        assertEquals(r.harnessNsPerOp(), r.perThread().getFirst().harnessNsPerOp(), 1e-12);
    }

    @Test
    void theTimedPassAloneAndTheCountingPassAloneMakeWhatOneRunMakes() {
        final RunSpec spec = RunSpec.of(RAM, "memdesc8", "buddy+pcp", 2, churn(10_000));
        final RunResult whole = run(spec);
        final Driver.Counts counts = Driver.count(spec, StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE);
        assertEquals(whole.allocLines(), counts.allocLines());
        assertEquals(whole.freeLines(), counts.freeLines());
        assertEquals(whole.countingWorkload(), counts.workload());
        final RunResult timed = Driver.timedOnly(spec, StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE);
        assertEquals(whole.ops(), timed.ops());
        assertEquals(0, timed.allocLines().ops(), "nothing counted");
        assertTrue(timed.verify().ok());
        assertTrue(timed.opsAhead() && !Double.isNaN(timed.harnessNsPerOp()));
    }

    @Test
    void tapesInShortChunksGiveTheSameRunAsOneTape() {
        final RunSpec spec = RunSpec.of(RAM, "memdesc16", "buddy", 2, churn(20_000));
        final RunResult one = run(spec);
        final RunResult chunked = Driver.run(spec, StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE,
                ticks(), 777);
        assertEquals(one.ops(), chunked.ops());
        assertEquals(one.countingWorkload(), chunked.countingWorkload());
        assertEquals(one.allocLines(), chunked.allocLines(), "the same ops, recorded 777 at a time");
        assertEquals(one.freeLines(), chunked.freeLines());
        assertTrue(chunked.verify().ok());
        assertEquals(chunked.workload().livePages(), chunked.verify().allocatedPages());
    }
}

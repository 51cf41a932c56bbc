package dev.memu.bench;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shapes do what LLFree's do, on a small RAM: the right number of blocks, freed exactly once,
 * in the right order and by the right threads, leaving the allocator whole. No timing is asserted.
 */
class ShapeRunnerTest {

    /** 16 MiB = 4096 frames: with T_max = 2 each thread's order-0 share is 1024 blocks. */
    private static final long RAM = 16L << 20;

    private Machine machine;

    @AfterEach
    void closeMachine() {
        if (machine != null) {
            machine.close();
        }
    }

    /**
     * A clock that advances one tick each time the calling thread reads it, on each thread apart:
     * a phase then "takes" one tick (one read before, one after), whatever the machine is doing.
     */
    private static java.util.function.LongSupplier ticks() {
        final ThreadLocal<long[]> counter = ThreadLocal.withInitial(() -> new long[1]);
        return () -> ++counter.get()[0];
    }

    private RecordingAllocator recording(final ShapeConfig config) {
        machine = Machine.create(config.ramBytes(), ShapeConfig.PAGE_SHIFT);
        final PageAllocator buddy = Allocators.create(config.allocator(),
                Layouts.byName(config.layout()).bind(machine, PlainAccess.INSTANCE),
                AllocatorOptions.defaults().withVcpus(config.threads()));
        return RecordingAllocator.wrap(buddy, config.threads());
    }

    private static void assertWhole(final PageAllocator allocator) {
        final VerifyReport report = allocator.verify();
        assertTrue(report.ok(), report::toString);
        assertEquals(allocator.managedPages(), allocator.freePages(), "every page is free again");
    }

    /** Every registered allocator over every registered layout: the shapes must hold for all of them. */
    static Stream<Arguments> allocatorsAndLayouts() {
        return Allocators.names().stream().flatMap(allocator -> Layouts.all().stream()
                .map(layout -> Arguments.of(allocator, layout.name())));
    }

    static Stream<String> allocators() {
        return Allocators.names().stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("allocatorsAndLayouts")
    void bulkAllocatesEachThreadsShareAndFreesItInReverse(final String allocator, final String layout) {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.BULK, allocator, layout, RAM, 0, 2, 2).withRounds(3, 0);
        final RecordingAllocator rec = recording(config);
        try (ShapeRunner runner = new ShapeRunner(config, rec.proxy(), ticks())) {
            assertEquals(1024, runner.share(), "frames / (2 * T_max) / 2^order");
            final ShapeResult result = runner.run();
            assertEquals(3, result.rounds());
            assertEquals(2 * 1024 * 3, rec.totalAllocs());
            assertEquals(rec.totalAllocs(), rec.totalFrees());
            assertEquals(0, rec.unknownFrees.get());
            assertEquals(0, rec.crossFrees.get(), "bulk: each thread frees only its own blocks");
            for (int v = 0; v < 2; v++) {
                final List<Long> allocs = rec.allocsByVcpu.get(v);
                final List<Long> frees = rec.freesByVcpu.get(v);
                for (int round = 0; round < 3; round++) {
                    final List<Long> reversed = new ArrayList<>(allocs.subList(round * 1024, (round + 1) * 1024));
                    Collections.reverse(reversed);
                    assertEquals(reversed, frees.subList(round * 1024, (round + 1) * 1024),
                            "vcpu " + v + " round " + round + " frees in reverse order of allocation");
                }
                assertEquals(1.0 / 1024, result.getNs(v), 1e-12, "one tick per timed get phase of 1024 blocks");
                assertEquals(1.0 / 1024, result.putNs(v), 1e-12, "one tick per timed put phase");
                assertTrue(Double.isNaN(result.pairNs(v)), "bulk has no pair phase");
            }
        }
        assertTrue(rec.live.isEmpty());
        assertWhole(rec.target);
    }

    /**
     * A compiler busy during the warm-up holds it between rounds, and the first timed round starts
     * only once the compiler has gone quiet; its CPU during the timed rounds is reported.
     */
    @Test
    void theTimedRoundsWaitUntilABusyJitHasGoneQuiet() {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.BULK, "buddy", "memdesc8", RAM, 0, 1, 2).withRounds(2, 3);
        final RecordingAllocator rec = recording(config);
        final int busyReads = 20;
        final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        final long[] cpu = {10_000_000L, 13_000_000L};     // before and after the timed rounds
        final int[] cpuReads = {0};
        final dev.memu.driver.JitActivity busyThenQuiet = new dev.memu.driver.JitActivity() {
            @Override
            public long compilerCpuNanos() {
                return cpu[Math.min(cpuReads[0]++, 1)];
            }

            @Override
            public long compilerDemandNanos() {
                final int n = reads.incrementAndGet();
                return Math.min(n, busyReads) * 1_000_000_000L;    // a whole second per read, then nothing
            }
        };
        final int[] readsAtTiming = {-1};
        final ShapeResult result;
        try (ShapeRunner runner = new ShapeRunner(config, rec.proxy(), ticks(), busyThenQuiet)) {
            result = runner.run(new ShapeRunner.RoundListener() {
                @Override
                public void timing(final ShapeRunner r) {
                    readsAtTiming[0] = reads.get();
                }

                @Override
                public void timed(final ShapeRunner r, final int round) {
                }
            });
        }
        assertTrue(readsAtTiming[0] > busyReads, "the clock started after the busy reads: " + readsAtTiming[0]);
        assertTrue(result.jit().known());
        assertTrue(result.jit().quiet(), "the compiler was quiet when the clock started");
        assertTrue(result.jit().warmUpWaitedNs() > 0, "the warm-up stood still for the busy compiler");
        assertEquals(3_000_000L, result.jit().compilerNsWhileTimed(), "compiler CPU during the timed rounds");
        assertEquals(5 * 1024, rec.totalAllocs(), "the same rounds either way: 3 warm-up + 2 timed of 1024 blocks");
        assertWhole(rec.target);
    }

    @Test
    void withAnInjectedClockTheJitIsNotWatched() {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.BULK, "buddy", "memdesc8", RAM, 0, 1, 2).withRounds(1, 1);
        final RecordingAllocator rec = recording(config);
        try (ShapeRunner runner = new ShapeRunner(config, rec.proxy(), ticks())) {
            assertEquals(dev.memu.driver.JitReport.UNKNOWN, runner.run().jit());
        }
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void bulkAtOrderNineUsesOrderNineBlocks(final String allocator) {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.BULK, allocator, "memdesc8", RAM, 9, 1, 2).withRounds(2, 1);
        final RecordingAllocator rec = recording(config);
        try (ShapeRunner runner = new ShapeRunner(config, rec.proxy(), ticks())) {
            assertEquals(2, runner.share(), "4096 / 4 / 512");
            runner.run();
        }
        assertEquals(2 * 3, rec.totalAllocs(), "one warm-up and two timed rounds of two blocks");
        for (final long pfn : rec.allocsByVcpu.get(0)) {
            assertEquals(0, pfn & 511, "order-9 blocks are 512-page aligned");
        }
        assertWhole(rec.target);
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void repeatKeepsHalfOfMemoryAllocatedWhileTimingPairs(final String allocator) {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.REPEAT, allocator, "linux64", RAM, 0, 2, 2).withRounds(2, 0);
        final RecordingAllocator rec = recording(config);
        try (ShapeRunner runner = new ShapeRunner(config, rec.proxy(), ticks())) {
            runner.prepare();
            assertEquals(2048, rec.totalAllocs(), "the untimed fill: each thread's share");
            assertEquals(RAM / 4096 / 2, rec.target.managedPages() - rec.target.freePages(), "memory is half full");
            runner.round();
            assertEquals(2048 + 2048, rec.totalAllocs(), "one get+put pair per block of each share");
            assertEquals(2048, rec.totalFrees());
            assertEquals(2048, rec.live.size(), "the fill stays allocated between rounds");
            assertEquals(1, runner.pairNanos(0), "the pair loop is timed as a whole: one read before, one after");
            assertEquals(1, runner.pairNanos(1));
            runner.round();
            runner.release();
            assertTrue(rec.live.isEmpty(), "release gives the fill back");
            assertEquals(0, rec.crossFrees.get());
        }
        assertWhole(rec.target);
    }

    @Test
    void repeatRunReportsPairsOnly() {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.REPEAT, "buddy", "memdesc16", RAM, 0, 1, 2).withRounds(1, 1);
        final RecordingAllocator rec = recording(config);
        final ShapeResult result;
        try (ShapeRunner runner = new ShapeRunner(config, rec.proxy(), ticks())) {
            result = runner.run();
        }
        assertEquals(1.0 / 1024, result.pairNs(0), 1e-12, "the one timed round's tick over its 1024 pairs");
        assertTrue(Double.isNaN(result.getNs(0)) && Double.isNaN(result.putNs(0)));
        assertEquals(1024 + 2 * 1024, rec.totalAllocs(), "fill + two rounds of pairs");
        assertWhole(rec.target);
    }

    /**
     * Runs {@code config} on a recording allocator and checks that it made {@code allocs}
     * allocations and freed each block exactly once.
     */
    private RecordingAllocator runFreeingEveryBlockOnce(final ShapeConfig config, final long allocs) {
        final RecordingAllocator rec = recording(config);
        try (ShapeRunner runner = new ShapeRunner(config, rec.proxy(), ticks())) {
            runner.run();
        }
        assertEquals(allocs, rec.totalAllocs());
        assertEquals(rec.totalAllocs(), rec.totalFrees());
        assertEquals(0, rec.unknownFrees.get(), "no block freed twice or freed unallocated");
        assertTrue(rec.live.isEmpty(), "every block freed");
        return rec;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("allocatorsAndLayouts")
    void randFreesEveryBlockExactlyOnceAcrossThreads(final String allocator, final String layout) {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.RAND, allocator, layout, RAM, 0, 2, 2).withRounds(2, 0);
        final RecordingAllocator rec = runFreeingEveryBlockOnce(config, 2 * 2 * 1024);
        // A uniform shuffle of 2048 blocks leaves about half of each slice to the other thread.
        assertTrue(rec.crossFrees.get() > 1000, "threads free each other's blocks: " + rec.crossFrees.get());
        assertEquals(2 * 1024, rec.freesByVcpu.get(0).size(), "each thread frees one share per round");
        assertWhole(rec.target);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rand", "bulk"})
    void aPutBatchFreesEveryBlockOnceInBatchesOfThatSize(final String shape) {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.ofKey(shape), "potad", "memdesc8", RAM, 0, 2, 2)
                .withRounds(2, 0).withPutBatch(31);
        final RecordingAllocator rec = runFreeingEveryBlockOnce(config, 2 * 2 * 1024);
        assertEquals(2 * 2 * ((1024 + 30) / 31), rec.batches.get(), "1024 blocks a thread and round, 31 per batch");
        assertEquals(31, rec.largestBatch.get());
        assertWhole(rec.target);
    }

    @Test
    void randFreesInShuffledNotAllocationOrder() {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.RAND, "buddy", "memdesc8", RAM, 0, 1, 1).withRounds(1, 0);
        final RecordingAllocator rec = recording(config);
        try (ShapeRunner runner = new ShapeRunner(config, rec.proxy(), ticks())) {
            runner.run();
        }
        final List<Long> allocs = rec.allocsByVcpu.get(0);
        final List<Long> frees = rec.freesByVcpu.get(0);
        assertTrue(new HashSet<>(allocs).equals(new HashSet<>(frees)), "the same blocks come back");
        assertTrue(!allocs.equals(frees), "not freed in allocation order");
        final List<Long> reversed = new ArrayList<>(allocs);
        Collections.reverse(reversed);
        assertTrue(!reversed.equals(frees), "not freed in reverse order");
    }

    @Test
    void shuffleIsASeededPermutation() {
        final long[] a = new long[1000];
        final long[] b = new long[1000];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
            b[i] = i;
        }
        ShapeRunner.shuffle(a, new java.util.SplittableRandom(42));
        ShapeRunner.shuffle(b, new java.util.SplittableRandom(42));
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, "same seed, same permutation");
        final Set<Long> seen = new HashSet<>();
        int moved = 0;
        for (int i = 0; i < a.length; i++) {
            seen.add(a[i]);
            moved += a[i] != i ? 1 : 0;
        }
        assertEquals(1000, seen.size(), "a permutation: nothing lost or duplicated");
        assertTrue(moved > 900);
    }

    @Test
    void orderAboveTheBuddysMaximumIsRejectedBeforeAnyThreadStarts() {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.BULK, "buddy", "memdesc8", 64L << 20, 11, 1, 1);
        final ShapeRunner.UnsupportedOrderException e =
                assertThrows(ShapeRunner.UnsupportedOrderException.class, () -> ShapeRunner.open(config));
        assertTrue(e.getMessage().contains("order 11") && e.getMessage().contains("max order 10"), e.getMessage());
    }

    @Test
    void aFailingWorkerFailsTheRunInsteadOfHanging() throws InterruptedException {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.BULK, "buddy", "memdesc8", RAM, 0, 2, 2).withRounds(1, 0);
        machine = Machine.create(RAM, ShapeConfig.PAGE_SHIFT);
        final PageAllocator buddy = Allocators.create("buddy",
                Layouts.byName("memdesc8").bind(machine, PlainAccess.INSTANCE), AllocatorOptions.defaults().withVcpus(2));
        final RecordingAllocator rec = RecordingAllocator.failingAfter(buddy, 2, 1500);
        // Run on its own thread so that a hang fails the test after a bounded wait instead of the build.
        final java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        final Thread coordinator = Thread.ofPlatform().daemon().start(() -> {
            final ShapeRunner runner = new ShapeRunner(config, rec.proxy(), ticks());
            try {
                runner.run();
            } catch (final Throwable t) {
                thrown.set(t);
            } finally {
                runner.close();
            }
        });
        coordinator.join(120_000);
        assertFalse(coordinator.isAlive(), "the run ended instead of hanging on its barriers");
        final IllegalStateException e = assertInstanceOf(IllegalStateException.class, thrown.get());
        assertTrue(e.getMessage().contains("got no order-0 block"), e.getMessage());
    }

    @Test
    void openedRunnerOwnsItsMachineAndLeavesTheAllocatorWhole() {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.RAND, "buddy", "memdesc16", RAM, 0, 2, 2).withRounds(1, 1);
        final PageAllocator allocator;
        final ShapeResult result;
        try (ShapeRunner runner = ShapeRunner.open(config, ticks())) {
            result = runner.run();
            allocator = runner.allocator();
            assertWhole(allocator);
        }
        assertEquals(2, result.threads());
        assertEquals(1024, result.share());
        assertEquals(1.0 / 1024, result.meanGetNs(), 1e-12);
        assertEquals(1.0 / 1024, result.meanPutNs(), 1e-12);
    }
}

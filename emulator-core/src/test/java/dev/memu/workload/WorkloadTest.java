package dev.memu.workload;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkloadTest {

    private static final long RAM = 64L << 20;
    private static final int PAGE_SHIFT = 12;

    /** Runs one stream against a fresh buddy on memdesc8, checking every free names a live block; returns a hash of the ops. */
    private static long runChecked(final WorkloadSpec spec, final long seed, final int stream, final int streams,
                                   final WorkloadStats[] statsOut) {
        try (Machine machine = Machine.create(RAM)) {
            final PageAllocator buddy = new BuddyAllocator(
                    Layouts.byName("memdesc8").bind(machine, PlainAccess.INSTANCE), AllocatorOptions.defaults());
            final Workload w = Workloads.create(spec, machine.pages(), PAGE_SHIFT, stream, streams, seed);
            final Map<Long, Integer> live = new HashMap<>();
            final Op op = new Op();
            long hash = 1;
            boolean seenMeasured = false;
            while (w.next(op)) {
                assertFalse(seenMeasured && !op.measured, "setup op after a measured one: " + op);
                seenMeasured |= op.measured;
                hash = hash * 31 + op.kind;
                hash = hash * 31 + op.order;
                if (op.kind == Op.ALLOC) {
                    assertTrue(op.allocatee != 0, "allocatee must be tagged");
                    final long pfn = buddy.alloc(op.order, op.allocatee, 0);
                    hash = hash * 31 + pfn;
                    if (pfn != PageAllocator.NO_PAGE) {
                        live.put(pfn, op.order);
                    }
                    w.allocated(pfn);
                } else {
                    final Integer order = live.remove(op.pfn);
                    assertNotNull(order, "free of a pfn that is not live: " + op);
                    assertEquals(order, op.order, "free names another order than the alloc returned");
                    hash = hash * 31 + op.pfn;
                    buddy.free(op.pfn, op.order, 0);
                }
            }
            assertTrue(buddy.verify().ok(), buddy.verify().toString());
            final long livePages = live.entrySet().stream().mapToLong(e -> 1L << e.getValue()).sum();
            assertEquals(livePages, w.livePages());
            assertEquals(live.size(), w.liveBlocks());
            assertEquals(livePages, buddy.verify().allocatedPages());
            statsOut[0] = w.stats();
            return hash;
        }
    }

    private static WorkloadSpec churn(final long ops) {
        return WorkloadSpec.defaults(Workloads.CHURN).withOps(ops, ops / 4);
    }

    @Test
    void sameSeedGivesTheSameOpsAndOtherSeedsDoNot() {
        final WorkloadStats[] s = new WorkloadStats[1];
        final long a = runChecked(churn(20_000), 11, 0, 1, s);
        final long b = runChecked(churn(20_000), 11, 0, 1, s);
        final long c = runChecked(churn(20_000), 12, 0, 1, s);
        final long d = runChecked(churn(20_000), 11, 1, 2, s);
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertNotEquals(a, d, "streams of one run must differ");
    }

    @Test
    void churnFillsToTheTargetThenRunsExactlyTheMeasuredOps() {
        final WorkloadStats[] s = new WorkloadStats[1];
        runChecked(churn(30_000), 3, 0, 1, s);
        final WorkloadStats stats = s[0];
        assertEquals(30_000, stats.measuredOps());
        final long target = (RAM >> PAGE_SHIFT) / 2;
        assertEquals(target, stats.fillTargetPages());
        assertTrue(stats.livePages() >= target - target / 8 - 512 && stats.livePages() <= target + target / 8 + 512,
                "occupancy drifted out of its band: " + stats.livePages() + " pages, target " + target);
        assertTrue(stats.measuredAllocs() > 10_000 && stats.measuredFrees() > 10_000, stats.toString());
        assertEquals(0, stats.allocFailures());
    }

    @Test
    void streamsSplitOpsAndFillSoThatTheySum() {
        final WorkloadStats[] s = new WorkloadStats[1];
        long ops = 0;
        long fill = 0;
        for (int t = 0; t < 3; t++) {
            runChecked(churn(10_001), 5, t, 3, s);
            ops += s[0].measuredOps();
            fill += s[0].fillTargetPages();
        }
        assertEquals(10_001, ops);
        assertEquals((RAM >> PAGE_SHIFT) / 2, fill);
    }

    @Test
    void fragmentFreesAtRandomThenProbesHighOrders() {
        final WorkloadStats[] s = new WorkloadStats[1];
        final WorkloadSpec spec = WorkloadSpec.defaults(Workloads.FRAGMENT).withOrders(OrderMix.parse("0:1"))
                .withOccupancy(0.9);
        runChecked(spec, 9, 0, 1, s);
        final WorkloadStats stats = s[0];
        final long filled = (long) (0.9 * (RAM >> PAGE_SHIFT));
        assertEquals(9, stats.probeOrder());
        assertEquals(Math.max(1, stats.measuredFrees() >> 9), stats.probeAttempts(),
                "one attempt per 2^9 freed pages (order-0 fill: one page per free)");
        assertEquals((long) Math.ceil(filled * 0.5), stats.measuredFrees());
        assertTrue(stats.probeSuccesses() < stats.probeAttempts(),
                "random order-0 holes cannot all merge into order-9 blocks: " + stats);
    }

    @Test
    void fragmentOfWholeBlocksLeavesEveryProbeASuccess() {
        final WorkloadStats[] s = new WorkloadStats[1];
        final WorkloadSpec spec = WorkloadSpec.defaults(Workloads.FRAGMENT).withOrders(OrderMix.parse("9:1"));
        runChecked(spec, 9, 0, 1, s);
        assertTrue(s[0].probeAttempts() > 0);
        assertEquals(s[0].probeAttempts(), s[0].probeSuccesses(), s[0].toString());
    }

    @Test
    void refusesTheNextOpBeforeTheAllocOutcome() {
        final Workload w = Workloads.create(churn(10), 1024, PAGE_SHIFT, 0, 1, 1);
        final Op op = new Op();
        assertTrue(w.next(op));
        assertEquals(Op.ALLOC, op.kind);
        assertThrows(IllegalStateException.class, () -> w.next(op));
        w.allocated(0);
        assertThrows(IllegalStateException.class, () -> w.allocated(0));
    }

    @Test
    void rejectsBadSpecs() {
        assertThrows(IllegalArgumentException.class, () -> WorkloadSpec.defaults("steady"));
        assertThrows(IllegalArgumentException.class, () -> churn(0));
        assertThrows(IllegalArgumentException.class, () -> churn(10).withOccupancy(1.0));
        assertThrows(IllegalArgumentException.class, () -> churn(10).withOccupancy(0));
        assertThrows(IllegalArgumentException.class, () -> churn(10).withMaxFillBytes(0));
    }

    @Test
    void fillIsCappedSoAHugeRamIsNotFilledPageByPage() {
        final WorkloadSpec spec = churn(10);
        final long pagesOf1T = (1L << 40) >> PAGE_SHIFT;
        assertEquals(WorkloadSpec.DEFAULT_MAX_FILL_BYTES >> PAGE_SHIFT, spec.fillPages(pagesOf1T, PAGE_SHIFT));
        assertEquals(1024, spec.fillPages(2048, PAGE_SHIFT));
    }
}

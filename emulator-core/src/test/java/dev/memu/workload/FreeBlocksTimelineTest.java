package dev.memu.workload;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FreeBlocksTimelineTest {

    private static final long RAM = 16L << 20;

    @Test
    void aPointIsSampledWhenTheLastStreamPassesIt() {
        try (Machine machine = Machine.create(RAM)) {
            final PageAllocator buddy = new BuddyAllocator(
                    Layouts.byName("memdesc8").bind(machine, PlainAccess.INSTANCE), AllocatorOptions.defaults());
            final FreeBlocksTimeline timeline = new FreeBlocksTimeline(2);
            final long[] atStart = buddy.freeBlocksByOrder();
            timeline.pass(0, "filled", buddy, 1, 1);
            assertEquals(List.of(), timeline.points(), "one of two streams has passed");
            final long pfn = buddy.alloc(0, Allocatee.of(MemdescType.ANON_FOLIO, 0), 0);          // the state changes before the second stream arrives
            assertTrue(pfn >= 0);
            timeline.pass(0, "filled", buddy, 2, 1);
            final List<FreeBlocksTimeline.Point> points = timeline.points();
            assertEquals(1, points.size());
            assertEquals("filled", points.getFirst().name());
            assertEquals(3, points.getFirst().probeAttempts(), "the streams' attempts add up");
            assertEquals(2, points.getFirst().probeSuccesses());
            assertArrayEquals(buddy.freeBlocksByOrder(), points.getFirst().freeBlocksByOrder(), "sampled at the last pass");
            assertTrue(!java.util.Arrays.equals(atStart, points.getFirst().freeBlocksByOrder()));
        }
    }

    @Test
    void fragmentStreamsReportOnlyInTheCountingPass() {
        final WorkloadSpec spec = WorkloadSpec.defaults(Workloads.FRAGMENT).withOrders(OrderMix.parse("0:1"))
                .withFreeFraction(0.5).withProbeOrder(4);
        for (final boolean counting : new boolean[]{false, true}) {
            try (Machine machine = Machine.create(RAM)) {
                final PageAllocator buddy = new BuddyAllocator(
                        Layouts.byName("memdesc8").bind(machine, PlainAccess.INSTANCE), AllocatorOptions.defaults());
                final FreeBlocksTimeline timeline = new FreeBlocksTimeline(1);
                final FragmentWorkload w = ((FragmentWorkload) Workloads.create(spec, machine.pages(), 12, 0, 1, 7))
                        .sampleInto(timeline);
                w.attach(new WorkloadContext(machine, buddy,
                        counting ? new dev.memu.access.CountingAccess() : PlainAccess.INSTANCE));
                final Op op = new Op();
                while (w.next(op)) {
                    if (op.kind == Op.ALLOC) {
                        w.allocated(buddy.alloc(op.order, op.allocatee, 0));
                    } else {
                        buddy.free(op.pfn, op.order, 0);
                    }
                }
                final List<FreeBlocksTimeline.Point> points = timeline.points();
                assertEquals(counting ? 2 + FragmentWorkload.PROBE_POINTS : 0, points.size(), points.toString());
                if (counting) {
                    assertArrayEquals(buddy.freeBlocksByOrder(), points.getLast().freeBlocksByOrder());
                    assertEquals(w.stats().probeAttempts(), points.getLast().probeAttempts());
                    assertEquals(w.stats().probeSuccesses(), points.getLast().probeSuccesses());
                }
            }
        }
    }
}

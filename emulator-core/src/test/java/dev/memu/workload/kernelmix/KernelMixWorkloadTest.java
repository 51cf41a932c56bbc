package dev.memu.workload.kernelmix;

import dev.memu.access.Region;
import dev.memu.alloc.PageAllocator;
import dev.memu.driver.Driver;
import dev.memu.driver.RunResult;
import dev.memu.driver.RunSpec;
import dev.memu.driver.StreamFactory;
import dev.memu.failure.FailureAction;
import dev.memu.failure.FailurePlan;
import dev.memu.failure.FailureStats;
import dev.memu.failure.PoisonAwareAllocator;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.memdesc.MemdescType;
import dev.memu.driver.ProgressListener;
import dev.memu.workload.FragmentWorkload;
import dev.memu.workload.OrderMix;
import dev.memu.workload.Workload;
import dev.memu.workload.WorkloadSpec;
import dev.memu.workload.Workloads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kernel-mix through the driver: real descriptors in both passes, failures and compaction between ops. */
class KernelMixWorkloadTest {

    private static final long RAM = 64L << 20;

    static Stream<String> layouts() {
        return Layouts.all().stream().map(Layout::name);
    }

    private static WorkloadSpec spec(final long ops) {
        return WorkloadSpec.defaults(Workloads.KERNEL_MIX).withOps(ops, ops / 5);
    }

    /** A factory that keeps every stream it builds, with failures and compaction as asked. */
    private static final class Keeping implements StreamFactory {
        final List<Workload> streams = new ArrayList<>();
        final FailurePlan plan;
        final boolean fragment;

        Keeping(final FailurePlan plan, final boolean fragment) {
            this.plan = plan;
            this.fragment = fragment;
        }

        @Override
        public Workload create(final RunSpec spec, final long pages, final int pageShift, final int stream) {
            final WorkloadSpec w = spec.workload();
            final long fill = w.fillPages(pages, pageShift);
            final Workload s = fragment
                    ? new FragmentWorkload(spec.seed(), w.orders(), fill, w.freeFraction(), w.probeOrder(), true)
                    : new KernelMixWorkload(spec.seed(), KernelMixConfig.defaults(), fill, w.warmupOps(), w.ops(),
                    plan, plan == null);
            streams.add(s);
            return s;
        }

        @Override
        public PageAllocator allocator(final PageAllocator built) {
            return plan == null ? built : new PoisonAwareAllocator(built);
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void everyLayoutCarriesRealDescriptorsAndVerifies(final String layout) {
        final RunResult r = Driver.run(RunSpec.of(RAM, layout, "buddy", 1, spec(3000)));
        assertTrue(r.verify().ok(), r.verify().toString());
        assertTrue(r.bytesPerPage().byRegion().get(Region.MEMDESC) > 0, "memdesc heap counted");
        assertTrue(r.ops() >= 3000 && r.ops() < 3000 + 64, "measured ops finish the last event: " + r.ops());
        assertEquals(r.workload().measuredOps(), r.countingWorkload().measuredOps(), "both passes ran the same ops");
        assertTrue(r.workload().livePages() > 0);
    }

    @Test
    void failuresAreAllAccountedAndPoisonedPagesNeverComeBack() {
        final Keeping f = new Keeping(FailurePlan.rate(5000, 7), false);    // 5000 per million: 20 over 4000 ops
        final RunResult r = Driver.run(RunSpec.of(RAM, "memdesc8", "buddy", 1, spec(4000)), f, ProgressListener.NONE);
        assertTrue(r.verify().ok());
        for (final Workload w : f.streams) {
            final KernelMixWorkload k = (KernelMixWorkload) w;
            final FailureStats s = k.failures().failure().stats();
            assertEquals(20, k.failures().injected(), "counting " + k.counting() + " planned " + k.failures().planned() + " measured " + k.stats().measuredOps());
            assertEquals(20, s.recovered() + s.lost());
            long byAction = 0;
            for (final FailureAction a : FailureAction.values()) {
                byAction += s.count(a);
            }
            assertEquals(20, byAction);
            assertEquals(0, s.checksumFailures());
            final PoisonAwareAllocator p = k.failures().failure().allocator();
            assertEquals(0, p.leakedCaught(), "no poisoned page handed out again");
            assertTrue(p.poisonedCount() > 0);
            if (k.counting()) {
                assertTrue(s.meanLookupLines() >= 1, "the counting pass counts lookup lines");
            } else {
                assertEquals(0.0, s.meanLookupLines());
            }
        }
        final KernelMixWorkload timed = (KernelMixWorkload) f.streams.get(0);
        final KernelMixWorkload counted = (KernelMixWorkload) f.streams.get(1);
        assertEquals(timed.failures().failure().stats().recovered(), counted.failures().failure().stats().recovered(),
                "one thread: both passes fail the same pfns with the same outcome");
        assertTrue(timed.allocations(MemdescType.SLAB) > 0 && timed.allocations(MemdescType.VMALLOC) > 0);
    }

    @Test
    void compactionRaisesOrder9SuccessOnTheFragmentWorkload() {
        final Keeping f = new Keeping(null, true);
        final WorkloadSpec w = WorkloadSpec.defaults(Workloads.FRAGMENT).withOrders(OrderMix.parse("0:3,1:1"))
                .withOccupancy(0.9);
        final RunResult r = Driver.run(RunSpec.of(RAM, "memdesc8", "buddy", 1, w), f, ProgressListener.NONE);
        assertTrue(r.verify().ok());
        final var report = ((FragmentWorkload) f.streams.get(0)).compaction();
        assertNotNull(report);
        assertTrue(report.successesAfter() > report.successesBefore(), report.toString());
        assertTrue(report.compaction().migrated() > 0);
    }
}

package dev.memu.driver;

import dev.memu.alloc.PageAllocator;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import dev.memu.workload.OrderMix;
import dev.memu.workload.WorkloadSpec;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Driver#run(RunSpec, StreamFactory, AllocatorBoot, ProgressListener)}: both passes start booted. */
class DriverBootTest {

    @Test
    void bothPassesRunOnTheBootedAllocator() {
        // 4096 pages; the boot keeps all but 256 allocated; the fill asks for 2048 and stops at 256
        final long pages = 4096;
        final long leftFree = 256;
        final AtomicInteger boots = new AtomicInteger();
        final AllocatorBoot boot = allocator -> {
            boots.incrementAndGet();
            final long tag = Allocatee.of(MemdescType.OFFLINE, 0);
            for (long i = 0; i < pages - leftFree; i++) {
                if (allocator.alloc(0, tag, 0) == PageAllocator.NO_PAGE) {
                    throw new AssertionError("ran dry at " + i);
                }
            }
        };
        final WorkloadSpec w = WorkloadSpec.defaults("churn").withOrders(OrderMix.parse("0:1")).withOps(500, 0);
        final RunSpec spec = RunSpec.of(pages << 12, "memdesc8", "buddy", 1, w);
        final RunResult r = Driver.run(spec, StreamFactory.FROM_SPEC, boot, ProgressListener.NONE);
        assertEquals(2, boots.get(), "one boot per pass");
        for (final var stats : java.util.List.of(r.workload(), r.countingWorkload())) {
            assertEquals(1, stats.fillFailures(), "the fill ran into the booted allocations: " + stats);
            assertTrue(stats.livePages() <= leftFree, stats.toString());
        }
        assertEquals(pages - leftFree + r.workload().livePages(), r.verify().allocatedPages());
    }
}

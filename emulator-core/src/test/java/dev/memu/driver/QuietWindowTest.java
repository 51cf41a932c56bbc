package dev.memu.driver;

import dev.memu.alloc.PageAllocator;
import dev.memu.workload.WorkloadSpec;
import dev.memu.workload.Workloads;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The timed pass's quiet window ({@link QuietWindow}) and the counting pass's pace ({@link
 * CountingPace}): what compare needs to count one configuration while its child JVM times
 * another without either disturbing the other.
 */
class QuietWindowTest {

    private static final long RAM = 64L << 20;

    private static RunSpec spec(final int threads) {
        return RunSpec.of(RAM, "memdesc8", "potad", threads,
                WorkloadSpec.defaults(Workloads.CHURN).withOps(40_000, 20_000));
    }

    /** Calls into the allocator, counted at the moment the window opens and closes. */
    private static final class CallCounter implements StreamFactory {
        final AtomicLong calls = new AtomicLong();

        @Override
        public dev.memu.workload.Workload create(final RunSpec spec, final long pages, final int pageShift,
                                                 final int stream) {
            return StreamFactory.FROM_SPEC.create(spec, pages, pageShift, stream);
        }

        @Override
        public PageAllocator allocator(final PageAllocator built) {
            return new ForwardingAllocator(built) {
                @Override
                public long alloc(final int order, final long allocatee, final int vcpu) {
                    calls.incrementAndGet();
                    return built.alloc(order, allocatee, vcpu);
                }

                @Override
                public void free(final long pfn, final int order, final int vcpu) {
                    calls.incrementAndGet();
                    built.free(pfn, order, vcpu);
                }
            };
        }
    }

    @Test
    void theWindowOpensOnceAfterEveryWarmUpAndClosesAfterTheHarness() {
        for (final int threads : new int[]{1, 2}) {
            final CallCounter counter = new CallCounter();
            final List<String> events = new ArrayList<>();
            final AtomicLong callsAtEnter = new AtomicLong(-1);
            final AtomicLong callsAtLeave = new AtomicLong(-1);
            final RunResult r = Driver.timedOnly(spec(threads), counter, AllocatorBoot.NONE, ProgressListener.NONE, dev.memu.stat.Telemetry.NONE,
                    new QuietWindow() {
                        @Override
                        public void enter() {
                            events.add("enter");
                            callsAtEnter.set(counter.calls.get());
                        }

                        @Override
                        public void leave() {
                            events.add("leave");
                            callsAtLeave.set(counter.calls.get());
                        }
                    });
            assertEquals(List.of("enter", "leave"), events, threads + " threads");
            // No measured op had been made when the window opened; all of them when it closed
            // (the harness calls an allocator that does nothing, not this one).
            // Every measured op called the allocator, except the frees of blocks whose alloc failed
            // (an order-9 alloc on 64 MiB half full may find no free region; its free is skipped).
            final long total = counter.calls.get();
            final long measuredCalls = callsAtLeave.get() - callsAtEnter.get();
            final long failures = r.workload().allocFailures();
            assertTrue(measuredCalls <= r.ops() && measuredCalls >= r.ops() - failures,
                    threads + " threads: " + measuredCalls + " calls for " + r.ops() + " ops, " + failures
                            + " failed allocs");
            assertEquals(total, callsAtLeave.get(), "nothing of the pass runs after the window closed");
            assertTrue(r.verify().ok());
        }
    }

    @Test
    void aWindowThatRefusesStopsThePassBeforeAnyMeasuredOp() {
        final CallCounter counter = new CallCounter();
        final AtomicLong callsAtEnter = new AtomicLong();
        final AtomicLong leaves = new AtomicLong();
        final RuntimeException e = assertThrows(RuntimeException.class, () -> Driver.timedOnly(spec(2), counter,
                AllocatorBoot.NONE, ProgressListener.NONE, dev.memu.stat.Telemetry.NONE, new QuietWindow() {
                    @Override
                    public void enter() {
                        callsAtEnter.set(counter.calls.get());
                        throw new IllegalStateException("no turn");
                    }

                    @Override
                    public void leave() {
                        leaves.incrementAndGet();
                    }
                }));
        assertTrue(String.valueOf(e.getMessage()).contains("no turn") || e.getCause() != null, e.toString());
        assertEquals(1, leaves.get(), "the window is closed however the pass ends");
        assertEquals(callsAtEnter.get(), counter.calls.get(), "no vcpu timed after the window refused");
    }

    @Test
    void aCountHeldStillAndLetGoCountsWhatACountAloneCounts() throws Exception {
        final RunSpec s = spec(2);
        final Driver.Counts alone = Driver.count(s, StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE);
        final CountingPace pace = new CountingPace();
        final AtomicReference<Driver.Counts> paced = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread counting = Thread.ofPlatform().start(() -> {
            try {
                paced.set(Driver.count(s, StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE, pace));
            } catch (final Throwable t) {
                failure.set(t);
            }
        });
        int holds = 0;
        while (counting.isAlive() && holds < 50) {
            pace.pause();       // returns when the pass waits at a checkpoint, or has finished
            if (counting.isAlive() && pace.held()) {
                holds++;
            }
            pace.resume();
        }
        counting.join(60_000);
        assertFalse(counting.isAlive(), "the paced count did not finish");
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertTrue(holds > 0, "the count was never held still");
        assertNotNull(paced.get());
        assertEquals(alone, paced.get(), "held " + holds + " times");
        pace.pause();           // a finished pass: pause returns at once
        assertFalse(pace.held());
    }
}

package dev.memu.driver;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.workload.ChurnWorkload;
import dev.memu.workload.Op;
import dev.memu.workload.OrderMix;
import dev.memu.workload.Workload;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ops recorded ahead and replayed are the ops the stream produces one by one, call for call. */
class OpTapeTest {

    private static final long RAM = 16L << 20;

    /** Logs every call it passes on: kind, order, pfn (the pfn an alloc got). */
    private static final class Logging extends ForwardingAllocator {
        final List<String> calls = new ArrayList<>();

        Logging(final PageAllocator target) {
            super(target);
        }

        @Override
        public long alloc(final int order, final long allocatee, final int vcpu) {
            final long pfn = target.alloc(order, allocatee, vcpu);
            calls.add("alloc " + order + " 0x" + Long.toHexString(allocatee) + " -> " + pfn);
            return pfn;
        }

        @Override
        public void free(final long pfn, final int order, final int vcpu) {
            calls.add("free " + order + " " + pfn);
            target.free(pfn, order, vcpu);
        }
    }

    private static Workload churn() {
        return new ChurnWorkload(7, OrderMix.parse("0:6,1:2,3:1"), 1000, 3000, 5000);
    }

    private static List<String> calls(final boolean ahead, final int chunkOps) {
        try (Machine machine = Machine.create(RAM, Machine.DEFAULT_PAGE_SHIFT)) {
            final Logging log = new Logging(Allocators.create("buddy",
                    Layouts.byName("memdesc16").bind(machine, PlainAccess.INSTANCE), AllocatorOptions.defaults()));
            final Workload w = churn();
            final Op op = new Op();
            boolean more = w.next(op);
            while (more && !(ahead && w.generatesAhead())) {
                if (op.kind == Op.ALLOC) {
                    w.allocated(log.alloc(op.order, op.allocatee, 0));
                } else {
                    log.free(op.pfn, op.order, 0);
                }
                more = w.next(op);
            }
            if (ahead) {
                assertTrue(more, "churn generates ahead from its first churn op");
                final OpTape.Recorder recorder = new OpTape.Recorder(w, op, true);
                final OpTape tape = new OpTape(chunkOps);
                final OpTape.Outcomes outcomes = new OpTape.Outcomes();
                int tapes = 0;
                while (recorder.record(tape)) {
                    tapes++;
                    for (int i = 0; i < tape.ops(); i++) {
                        OpTape.perform(tape.words(), i, log, 0, recorder.handles(), outcomes);
                    }
                }
                assertEquals(0, outcomes.failedMeasuredAllocs + outcomes.failedSetupAllocs + outcomes.skippedFrees);
                assertTrue(tapes >= 2, "warm-up and measured ops are never in one tape");
            }
            assertTrue(log.verify().ok());
            assertEquals(w.livePages(), log.managedPages() - log.freePages(), "the stream holds what the allocator gave");
            return log.calls;
        }
    }

    @Test
    void replayedTapesMakeTheSameCallsAsTheStreamOneByOne() {
        final List<String> oneByOne = calls(false, 0);
        assertEquals(calls(true, OpTape.DEFAULT_CHUNK_OPS), oneByOne);
        assertEquals(calls(true, 97), oneByOne, "short tapes: handles live on from tape to tape");
    }

    @Test
    void aShortStreamGetsATapeNoLongerThanItself() {
        final Workload w = churn();
        final long estimate = w.estimatedOps();
        assertTrue(estimate > 97 && estimate < OpTape.DEFAULT_CHUNK_OPS, "churn()'s stream: " + estimate);
        assertEquals(estimate, OpTape.chunkOpsFor(OpTape.DEFAULT_CHUNK_OPS, w),
                "1024 threads of short streams must not each hold a 16 MiB tape");
        assertEquals(97, OpTape.chunkOpsFor(97, w), "a chunk shorter than the stream stays as it is");
        assertEquals((long) Long.BYTES * new OpTape(OpTape.chunkOpsFor(OpTape.DEFAULT_CHUNK_OPS, w)).words().length,
                OpTape.bytesFor(estimate), "the heap a run is checked for is the tape's own");
        final Workload longer = new ChurnWorkload(7, OrderMix.parse("0:1"), 1000, 0, 3L * OpTape.DEFAULT_CHUNK_OPS);
        assertEquals(OpTape.DEFAULT_CHUNK_OPS, OpTape.chunkOpsFor(OpTape.DEFAULT_CHUNK_OPS, longer));
        assertEquals(16L << 20, OpTape.bytesFor(longer.estimatedOps()), "a full chunk: 2^20 ops of two longs");
    }

    @Test
    void aFailedAllocIsCountedAndTheFreeOfItsBlockSkipped() {
        try (Machine machine = Machine.create(RAM, Machine.DEFAULT_PAGE_SHIFT)) {
            final Logging log = new Logging(Allocators.create("buddy",
                    Layouts.byName("memdesc8").bind(machine, PlainAccess.INSTANCE), AllocatorOptions.defaults()));
            final Workload w = new ChurnWorkload(3, OrderMix.parse("2:1"), 64, 0, 400);
            final Op op = new Op();
            boolean more = w.next(op);
            while (more && !w.generatesAhead()) {
                w.allocated(log.alloc(op.order, op.allocatee, 0));
                more = w.next(op);
            }
            // Now take every page the fill left, so that recorded allocs fail at replay.
            while (log.target.alloc(0, ShapeAllocatee.ANON, 0) != PageAllocator.NO_PAGE) {
                // drain
            }
            log.calls.clear();
            final OpTape.Recorder recorder = new OpTape.Recorder(w, op, more);
            final OpTape tape = new OpTape(OpTape.DEFAULT_CHUNK_OPS);
            final OpTape.Outcomes outcomes = new OpTape.Outcomes();
            outcomes.measured = true;
            assertTrue(recorder.record(tape));
            for (int i = 0; i < tape.ops(); i++) {
                OpTape.perform(tape.words(), i, log, 0, recorder.handles(), outcomes);
            }
            assertFalse(recorder.hasMore());
            final long allocs = log.calls.stream().filter(c -> c.startsWith("alloc")).count();
            // Until the fill's frees give pages back, the recorded allocs find nothing.
            assertTrue(outcomes.failedMeasuredAllocs > 0 && outcomes.failedMeasuredAllocs <= allocs,
                    outcomes.failedMeasuredAllocs + " of " + allocs);
            assertTrue(outcomes.skippedFrees > 0, "frees of blocks that were never handed out are skipped");
            assertTrue(log.calls.stream().filter(c -> c.startsWith("free")).allMatch(c -> !c.endsWith(" -1")));
            assertEquals(outcomes.failedMeasuredAllocs - outcomes.skippedFrees, outcomes.phantomBlocks);
            assertEquals(4L * outcomes.phantomBlocks, outcomes.phantomPages, "order-2 blocks the stream believes it holds");
            assertTrue(log.verify().ok(), "a skipped free changed nothing");
        }
    }

    /** An allocatee for the drain. */
    private static final class ShapeAllocatee {
        static final long ANON = dev.memu.memdesc.Allocatee.of(dev.memu.memdesc.MemdescType.ANON_FOLIO, 0);
    }
}

package dev.memu.memdesc;

import dev.memu.access.PlainAccess;
import dev.memu.access.Region;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Two threads allocate and free from the same classes: no object is ever live twice. */
class MemdescHeapStressTest {

    @Test
    void concurrentAllocFreeNeverSharesAnObject() throws Exception {
        try (Machine machine = Machine.create(4L << 20)) {
            final MemdescHeap heap = new MemdescHeap(machine, PlainAccess.INSTANCE, Region.MEMDESC, 64L << 20,
                    MemdescHeap.DEFAULT_CLASSES);
            final MemorySegment seg = heap.segment();
            final int threads = 2;
            final CyclicBarrier start = new CyclicBarrier(threads);
            final AtomicReference<Throwable> error = new AtomicReference<>();
            final Thread[] ts = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                final long owner = t + 1;
                ts[t] = new Thread(() -> {
                    try {
                        start.await();
                        final long[] mine = new long[256];
                        for (int round = 0; round < 500; round++) {
                            for (int i = 0; i < mine.length; i++) {
                                mine[i] = heap.alloc(48);
                                // Stamp the object: a second owner would overwrite it.
                                seg.set(ValueLayout.JAVA_LONG, heap.offset(mine[i]) + 16, owner);
                            }
                            for (int i = 0; i < mine.length; i++) {
                                final long seen = seg.get(ValueLayout.JAVA_LONG, heap.offset(mine[i]) + 16);
                                if (seen != owner) {
                                    throw new AssertionError("object 0x" + Long.toHexString(mine[i])
                                            + " stamped by thread " + seen + " while owned by " + owner);
                                }
                                heap.free(mine[i], 48);
                            }
                        }
                    } catch (final Throwable e) {
                        error.compareAndSet(null, e);
                    }
                });
                ts[t].start();
            }
            for (final Thread t : ts) {
                t.join();
            }
            assertNull(error.get(), () -> String.valueOf(error.get()));
            assertEquals(0, heap.liveObjects());
            assertEquals(0, heap.requestedBytes());
        }
    }
}

package dev.memu.perf;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One JMH thread's vcpu and its bulk blocks, shared by the allocator benchmarks: each benchmark
 * thread takes the next vcpu index (0, then 1) when its state is set up, so with per-CPU state
 * (PCP lists, POTAD reservations) each thread has its own, as each CPU does in Linux.
 */
@State(Scope.Thread)
public class Vcpu {

    /** vcpus every allocator is built for, whatever the thread count of the method. */
    public static final int VCPUS = 2;
    /** Blocks each thread allocates, then frees in reverse, per bulk invocation. */
    public static final int BULK = 64;

    int id;
    long[] blocks;

    /** Hands out vcpu indexes to the threads of one benchmark run. */
    @State(Scope.Benchmark)
    public static class Ids {
        final AtomicInteger next = new AtomicInteger();
    }

    @Setup(Level.Trial)
    public void setUp(final Ids ids) {
        id = ids.next.getAndIncrement();
        if (id >= VCPUS) {
            throw new IllegalStateException("more JMH threads than the " + VCPUS + " vcpus the allocator has");
        }
        blocks = new long[BULK];
    }
}

package dev.memu.perf;

import dev.memu.machine.NativeMemory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The hardware fact behind {@code PotadAllocator.freeBatch} (issue 13), without the allocator:
 * random words of a 16 MiB huge-page mapping (the memmap of 8 GiB in memdesc8), each loaded,
 * checked and stored back as a free does with its memmap entry, with and without a CAS on a
 * cached line (a free's bitfield CAS) after each. A lock-prefixed CAS waits for the older store's
 * miss and holds back the next word's load, so the misses no longer overlap:
 * <ul>
 *   <li>{@code loadStore}: the memmap part alone, misses overlap;</li>
 *   <li>{@code loadStoreCas}: a CAS after each word, as single frees do;</li>
 *   <li>{@code loadStoreCasEvery16}: a CAS after every 16th word, as a batch does;</li>
 *   <li>{@code storeCas}: the store without the load before the CAS (an order check that needs
 *       no memmap read would still pay this);</li>
 *   <li>{@code casThenStore}: the CAS first, the store after it.</li>
 * </ul>
 * Scores are ns per word. {@code java -jar perf/target/benchmarks.jar LockedMiss -f 1}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xmx512m"})
@State(Scope.Thread)
public class LockedMissBenchmark {

    private static final VarHandle WORD = ValueLayout.JAVA_LONG.varHandle().withInvokeExactBehavior();
    private static final long WORDS = 2L << 20;          // 16 MiB
    private static final int TOUCHES = 1 << 20;     // every line of the 16 MiB, on average 4 times

    private Arena arena;
    private MemorySegment memmap;
    private MemorySegment hot;
    private long[] offsets;

    @Setup
    public void setup() {
        arena = Arena.ofShared();
        memmap = NativeMemory.mapHuge(WORDS * 8, arena);
        memmap.fill((byte) 1);
        hot = arena.allocate(4096, 4096);
        offsets = new long[TOUCHES];
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < TOUCHES; i++) {
            offsets[i] = random.nextLong(WORDS) << 3;
        }
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    private static void check(final long word) {
        if (word == 0) {
            throw new IllegalStateException("word cleared");
        }
    }

    private void cas(final long offset) {
        final long h = (offset >>> 3 & 511) << 3;
        final long x = (long) WORD.get(hot, h);
        final boolean ignored = (boolean) WORD.compareAndSet(hot, h, x, x + 1);
    }

    @Benchmark
    @OperationsPerInvocation(TOUCHES)
    public void loadStore() {
        for (final long off : offsets) {
            final long w = (long) WORD.get(memmap, off);
            check(w);
            WORD.set(memmap, off, w + 2);
        }
    }

    @Benchmark
    @OperationsPerInvocation(TOUCHES)
    public void loadStoreCas() {
        for (final long off : offsets) {
            final long w = (long) WORD.get(memmap, off);
            check(w);
            WORD.set(memmap, off, w + 2);
            cas(off);
        }
    }

    @Benchmark
    @OperationsPerInvocation(TOUCHES)
    public void loadStoreCasEvery16() {
        int n = 0;
        for (final long off : offsets) {
            final long w = (long) WORD.get(memmap, off);
            check(w);
            WORD.set(memmap, off, w + 2);
            if ((++n & 15) == 0) {
                cas(off);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(TOUCHES)
    public void storeCas() {
        for (final long off : offsets) {
            WORD.set(memmap, off, off | 1);
            cas(off);
        }
    }

    @Benchmark
    @OperationsPerInvocation(TOUCHES)
    public void casThenStore() {
        for (final long off : offsets) {
            cas(off);
            WORD.set(memmap, off, off | 1);
        }
    }
}

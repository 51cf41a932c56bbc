package dev.memu.perf;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.PageAllocator;
import dev.memu.bench.ShapeRunner;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.util.Sizes;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The put half of LLFree's rand shape alone, on one vcpu (issue 13): before each iteration,
 * allocate half of RAM as order-0 blocks and shuffle them (seed 42, untimed); the iteration frees
 * all of them in that random order, so every free misses on its own memmap line. The score is ns
 * per free.
 * <ul>
 *   <li>{@code batch} = 1: {@link PageAllocator#free} one after another, as LLFree's put loop does.</li>
 *   <li>{@code batch} = 16 or 31 ({@code PAGEVEC_SIZE}, a {@code struct folio_batch}): {@link PageAllocator#freeBatch} over
 *       consecutive slices, as {@code folios_put_refs} hands folios to {@code free_unref_folios}.</li>
 * </ul>
 * {@code potad-nodesc} records no allocatee, so its frees never touch the memmap: the floor of
 * what POTAD's own metadata costs. The machine is shared and contended; read the figures as an
 * A/B of the same run, not as absolutes: {@code java -jar perf/target/benchmarks.jar RandPut -f 1}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4)
@Measurement(iterations = 8)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xmx1g"})
@State(Scope.Benchmark)
public class RandPutBenchmark {

    /** Blocks freed per iteration: half of 8 GiB in 4 KiB pages, as rand's two threads hold together. */
    private static final int BLOCKS = 1 << 20;

    @Param({"potad", "potad-nodesc"})
    public String allocator;

    @Param({"memdesc8"})
    public String layout;

    @Param({"1", "16", "31"})
    public int batch;

    @Param({"8G"})
    public String mem;

    private Machine machine;
    private PageAllocator potad;
    private long[] blocks;
    private SplittableRandom random;

    @Setup(Level.Trial)
    public void trial() {
        machine = Machine.create(Sizes.parse(mem), Machine.DEFAULT_PAGE_SHIFT);
        potad = Allocators.create(allocator, Layouts.byName(layout).bind(machine, PlainAccess.INSTANCE),
                AllocatorOptions.defaults().withVcpus(1));
        blocks = new long[BLOCKS];
        random = new SplittableRandom(42);
    }

    @Setup(Level.Iteration)
    public void fill() {
        for (int i = 0; i < BLOCKS; i++) {
            blocks[i] = potad.alloc(0, ShapeRunner.ALLOCATEE, 0);
            if (blocks[i] == PageAllocator.NO_PAGE) {
                throw new IllegalStateException("RAM of " + mem + " is exhausted after " + i + " blocks");
            }
        }
        ShapeRunner.shuffle(blocks, random);       // as rand's shuffle
    }

    @Benchmark
    @OperationsPerInvocation(BLOCKS)
    public void put() {
        final PageAllocator a = potad;
        final long[] b = blocks;
        if (batch == 1) {
            for (int i = 0; i < BLOCKS; i++) {
                a.free(b[i], 0, 0);
            }
        } else {
            for (int i = 0; i < BLOCKS; i += batch) {
                a.freeBatch(b, i, Math.min(BLOCKS, i + batch), 0, 0);
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        if (potad.freePages() != potad.managedPages() || !potad.verify().ok()) {
            throw new IllegalStateException("put left the allocator inconsistent: " + potad.verify());
        }
        machine.close();
    }
}

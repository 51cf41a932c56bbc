package dev.memu.perf;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The Linux buddy baseline's order-0 alloc+free pair, per layout (issue 2): one vcpu, plain access,
 * average ns per pair.
 *
 * <p>{@code layout} lists every layout by name because annotation values must be constants and
 * cannot call {@code Layouts.names()}; add a new layout here when one is registered, or pass
 * {@code -p layout=...}. {@code path} chooses what the pair does inside the buddy:
 * <ul>
 *   <li>{@code split-merge}: a fresh zone has no order-0 block, so every alloc splits an order-10
 *       block down to order 0 (10 halves put on the lists) and every free merges it all the way
 *       back: the worst case, the one Linux's PCP lists exist to hide.</li>
 *   <li>{@code order0-list}: one page is held for the whole run, so its buddy sits on the order-0
 *       list and the pair takes it and puts it back: no split, no merge, the shortest buddy path.</li>
 * </ul>
 * {@code mem} changes the size of the zone and its memmap, not the pair's own work.
 * Must allocate nothing: {@code -prof gc} shows {@code gc.alloc.rate.norm} ~0 B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xmx1g"})
@State(Scope.Benchmark)
public class BuddyPairBenchmark {

    @Param({"linux64", "memdesc16", "memdesc8"})
    public String layout;

    @Param({"1G", "2G", "4G"})
    public String mem;

    @Param({"split-merge", "order0-list"})
    public String path;

    private Machine machine;
    private PageAllocator buddy;

    @Setup(Level.Trial)
    public void setUp() {
        machine = Machine.create(Sizes.parse(mem));
        buddy = Allocators.create("buddy", Layouts.byName(layout).bind(machine, PlainAccess.INSTANCE),
                AllocatorOptions.defaults());
        switch (path) {
            case "split-merge" -> { }
            case "order0-list" -> buddy.alloc(0, ShapeRunner.ALLOCATEE, 0);
            default -> throw new IllegalArgumentException("unknown path '" + path
                    + "' (known: split-merge, order0-list)");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        final VerifyReport report = buddy.verify();
        machine.close();
        if (!report.ok()) {
            throw new IllegalStateException("buddy state after the run: " + report);
        }
    }

    @Benchmark
    public long allocFreePair() {
        final long pfn = buddy.alloc(0, ShapeRunner.ALLOCATEE, 0);
        buddy.free(pfn, 0, 0);
        return pfn;
    }
}

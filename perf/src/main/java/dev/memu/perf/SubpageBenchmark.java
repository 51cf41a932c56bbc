package dev.memu.perf;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.potad.PotadAllocator;
import dev.memu.alloc.potad.PotadSubpage;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * POTAD's sub-page blocks (512 B, 1 KiB, 2 KiB; issue 4): alloc+free pairs and bulk
 * alloc-then-free on 1 and 2 threads, average ns per block, as {@link AllocatorMatrixBenchmark}
 * does for pages. The allocator under the sub-page layer is POTAD by name ({@code potad});
 * each JMH thread is its own vcpu of 2.
 *
 * <p>PENDING: this file lives in perf/pending/ because the branch it was written on does not
 * have POTAD; it was compiled and run against the potad branch (b405261). Move it to
 * perf/src/main/java/dev/memu/perf/ once POTAD is merged.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xmx1g"})
@State(Scope.Benchmark)
public class SubpageBenchmark {

    /** Blocks each thread allocates, then frees in reverse, per bulk invocation. */
    public static final int BULK = Vcpu.BULK;
    public static final int VCPUS = Vcpu.VCPUS;

    @Param({"512", "1024", "2048"})
    public int bytes;

    @Param({"linux64", "memdesc16", "memdesc8"})
    public String layout;

    @Param({"1G"})
    public String mem;

    private Machine machine;
    private PageAllocator pages;
    private PotadSubpage subpage;

    @Setup(Level.Trial)
    public void setUp() {
        machine = Machine.create(Sizes.parse(mem));
        pages = Allocators.create("potad", Layouts.byName(layout).bind(machine, PlainAccess.INSTANCE),
                AllocatorOptions.defaults().withVcpus(VCPUS));
        subpage = new PotadSubpage((PotadAllocator) pages);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        machine.close();
    }

    @Benchmark
    @Threads(1)
    public long pair_t1(final Vcpu vcpu) {
        return pair(vcpu.id);
    }

    @Benchmark
    @Threads(2)
    public long pair_t2(final Vcpu vcpu) {
        return pair(vcpu.id);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BULK)
    public long bulk_t1(final Vcpu vcpu) {
        return bulk(vcpu);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(BULK)
    public long bulk_t2(final Vcpu vcpu) {
        return bulk(vcpu);
    }

    private long pair(final int vcpu) {
        final long address = subpage.alloc(bytes, vcpu);
        if (address == PotadSubpage.NO_ADDRESS) {
            throw new IllegalStateException("no " + bytes + "-byte block");
        }
        subpage.free(address, bytes, vcpu);
        return address;
    }

    private long bulk(final Vcpu vcpu) {
        final PotadSubpage s = subpage;
        final long[] blocks = vcpu.blocks;
        final int size = bytes;
        final int id = vcpu.id;
        for (int i = 0; i < BULK; i++) {
            final long address = s.alloc(size, id);
            if (address == PotadSubpage.NO_ADDRESS) {
                throw new IllegalStateException("no " + size + "-byte block after " + i);
            }
            blocks[i] = address;
        }
        for (int i = BULK - 1; i >= 0; i--) {
            s.free(blocks[i], size, id);
        }
        return blocks[0];
    }
}

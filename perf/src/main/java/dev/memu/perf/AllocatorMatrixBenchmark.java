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
 * Allocator × layout × order × threads (issue 4): alloc+free pairs and bulk alloc-then-free,
 * average ns per block (one alloc plus its free), so pair and bulk scores compare directly.
 *
 * <p>The allocator is taken by name through {@link Allocators#create}, so every allocator
 * registered there works without touching this class. The default list is {@code buddy}, the one
 * that exists everywhere; run the full matrix with
 * {@code -p allocator=buddy,potad,buddy+pcp,potad+pcp}. {@code layout} lists every layout by name
 * because annotation values must be constants ({@code Layouts.names()} cannot be called there).
 *
 * <p>Threads: {@code *_t1} and {@code *_t2} run the same code on 1 and 2 JMH threads against one
 * shared allocator built for 2 vcpus; each thread takes its own vcpu index (0, 1) when its
 * {@link Vcpu} state is set up, as each CPU has its own PCP lists in Linux.
 *
 * <p>Orders: 0, 9 (THP) and 11, one above Linux's MAX_PAGE_ORDER of 10. An order above the
 * allocator's {@code maxOrder()} (11 on buddy and buddy+pcp) fails in setup with a message that
 * says so; JMH reports that combination as failed and goes on with the next one, and the JSON
 * results simply lack it.
 *
 * <p>Nothing here allocates on the heap per operation: bulk keeps its blocks in a {@code long[]}
 * made at setup. {@code -prof gc} shows it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xmx1g"})
@State(Scope.Benchmark)
public class AllocatorMatrixBenchmark {

    /** Blocks each thread allocates, then frees in reverse, per bulk invocation. */
    public static final int BULK = Vcpu.BULK;
    /** vcpus every allocator is built for, whatever the thread count of the method. */
    public static final int VCPUS = Vcpu.VCPUS;

    @Param({"buddy"})
    public String allocator;

    @Param({"linux64", "memdesc16", "memdesc8"})
    public String layout;

    @Param({"0", "9", "11"})
    public int order;

    /** Large enough for 2 threads × 64 blocks of order 11 (1 GiB) plus room to find them. */
    @Param({"4G"})
    public String mem;

    private Machine machine;
    private PageAllocator pages;

    @Setup(Level.Trial)
    public void setUp() {
        machine = Machine.create(Sizes.parse(mem));
        try {
            pages = Allocators.create(allocator, Layouts.byName(layout).bind(machine, PlainAccess.INSTANCE),
                    AllocatorOptions.defaults().withVcpus(VCPUS));
            if (order > pages.maxOrder()) {
                throw new IllegalStateException("skipped: order " + order + " is above " + allocator
                        + "'s max order " + pages.maxOrder() + " (orders above 10 are for POTAD)");
            }
            if (((long) VCPUS * BULK << order) > pages.managedPages() / 2) {
                throw new IllegalStateException("mem " + mem + " is too small for " + VCPUS + " x " + BULK
                        + " blocks of order " + order + "; pass a larger -p mem");
            }
        } catch (final RuntimeException e) {
            machine.close();
            machine = null;
            throw e;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (machine == null) {
            return;
        }
        final VerifyReport report = pages.verify();
        machine.close();
        if (!report.ok()) {
            throw new IllegalStateException(allocator + " state after the run: " + report);
        }
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
        final long pfn = pages.alloc(order, ShapeRunner.ALLOCATEE, vcpu);
        if (pfn == PageAllocator.NO_PAGE) {
            throw new IllegalStateException("no order-" + order + " block free");
        }
        pages.free(pfn, order, vcpu);
        return pfn;
    }

    private long bulk(final Vcpu vcpu) {
        final PageAllocator a = pages;
        final long[] blocks = vcpu.blocks;
        final int o = order;
        final int id = vcpu.id;
        for (int i = 0; i < BULK; i++) {
            final long pfn = a.alloc(o, ShapeRunner.ALLOCATEE, id);
            if (pfn == PageAllocator.NO_PAGE) {
                throw new IllegalStateException("no order-" + o + " block free after " + i);
            }
            blocks[i] = pfn;
        }
        for (int i = BULK - 1; i >= 0; i--) {
            a.free(blocks[i], o, id);
        }
        return blocks[0];
    }
}

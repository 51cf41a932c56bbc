package dev.memu.perf;

import dev.memu.bench.LlfreeShape;
import dev.memu.bench.ShapeConfig;
import dev.memu.bench.ShapeRunner;
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

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * LLFree's bulk, repeat and rand shapes under JMH (issue 4), driven by the same
 * {@link ShapeRunner} as the plain {@code dev.memu.bench.LlfreeBench} main.
 *
 * <p>One invocation is one measurement the way LLFree makes it: {@link ShapeConfig#resolvedRounds()}
 * rounds of the shape on {@code threads} worker threads (vcpus 0..T-1), each phase timed by its
 * own thread with {@code System.nanoTime()} around the whole loop. The primary score (ms per
 * invocation, single shot) is only the wall time of those rounds, barriers and rand's shuffle
 * included. The numbers to compare with LLFree are the phase timers' ns per op, which JMH has no
 * annotation for: run with {@code -prof dev.memu.perf.ShapePhaseProfiler} and they become
 * secondary results, averaged over iterations with their error:
 * <pre>
 *   ·getNs  ·putNs            ns per get and per put, mean over threads (bulk, rand)
 *   ·pairNs                   ns per get+put pair, mean over threads (repeat)
 *   ·getNs.vcpu0 ...          the same per vcpu
 * </pre>
 * (JMH's {@code @AuxCounters} would sum them over iterations instead of averaging.) Without the
 * profiler each iteration still prints its figures to the log. Warm-up iterations run the same
 * rounds and are discarded, so the JIT has compiled the shape's loops before the measured ones.
 *
 * <p>Memory: {@code mem} defaults to 8G as LLFree's runs on a 2-vCPU machine; on the memdesc8
 * layout the buddy keeps its free-list links in the free pages, so a bulk run commits up to half
 * of that RAM on the host. Pass {@code -p mem=1G} for a quick run.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xmx1g"})
@State(Scope.Benchmark)
public class LlfreeShapesBenchmark {

    @Param({"bulk", "repeat", "rand"})
    public String shape;

    @Param({"buddy"})
    public String allocator;

    @Param({"memdesc8"})
    public String layout;

    @Param({"8G"})
    public String mem;

    @Param({"0", "9"})
    public int order;

    @Param({"1", "2"})
    public int threads;

    /** LLFree's T_max: each thread's share is frames / (2 * maxThreads) / 2^order blocks. */
    @Param({"2"})
    public int maxThreads;

    private ShapeRunner runner;
    private int rounds;
    private long[] get;
    private long[] put;
    private long[] pair;

    @Setup(Level.Trial)
    public void setUp() {
        final ShapeConfig config = ShapeConfig.of(LlfreeShape.ofKey(shape), allocator, layout, Sizes.parse(mem),
                order, threads, maxThreads);
        rounds = config.resolvedRounds();
        runner = ShapeRunner.open(config);
        runner.prepare();
        get = new long[threads];
        put = new long[threads];
        pair = new long[threads];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (runner != null) {
            runner.release();
            runner.close();
        }
    }

    @TearDown(Level.Iteration)
    public void printIteration() {
        // Visible in the log even without -prof dev.memu.perf.ShapePhaseProfiler.
        System.out.println(ShapePhases.summary());
    }

    @Benchmark
    public void shape() {
        final int t = threads;
        Arrays.fill(get, 0);
        Arrays.fill(put, 0);
        Arrays.fill(pair, 0);
        for (int r = 0; r < rounds; r++) {
            runner.round();
            for (int i = 0; i < t; i++) {
                get[i] += runner.getNanos(i);
                put[i] += runner.putNanos(i);
                pair[i] += runner.pairNanos(i);
            }
        }
        ShapePhases.add(LlfreeShape.ofKey(shape), (long) runner.share() * rounds, get, put, pair);
    }
}

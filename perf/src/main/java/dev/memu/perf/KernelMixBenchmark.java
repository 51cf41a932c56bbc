package dev.memu.perf;

import dev.memu.driver.AllocatorBoot;
import dev.memu.driver.Driver;
import dev.memu.driver.ProgressListener;
import dev.memu.driver.RunResult;
import dev.memu.driver.RunSpec;
import dev.memu.failure.FailurePlan;
import dev.memu.machine.Machine;
import dev.memu.run.DescriptorRun;
import dev.memu.util.Sizes;
import dev.memu.workload.WorkloadSpec;
import dev.memu.workload.Workloads;
import dev.memu.workload.kernelmix.KernelMixConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The kernel mix with injected memory failures, run whole through the core's run assembly
 * ({@link DescriptorRun} and {@link Driver#run}): the same streams, failure plan and
 * poison-aware allocator that {@code memu run --workload kernel-mix --fail-rate R} builds, with no
 * CLI in between (issue 12: the CLI and JMH are thin clients of one core API).
 *
 * <p>One invocation is one complete run (fill, warm-up, {@code ops} timed ops and the counting
 * pass), so the score is the time of a run, not of an op; the per-op figures are in the result
 * tree the invocation returns ({@code failures.*}, {@code kernelMix.*}). An invocation whose run
 * injected no failure throws, so a plan that silently stops firing fails the benchmark instead
 * of timing a failure-free run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xmx1g"})
@State(Scope.Benchmark)
public class KernelMixBenchmark {

    @Param({"buddy", "potad"})
    public String allocator;

    @Param({"memdesc8"})
    public String layout;

    @Param({"256M"})
    public String mem;

    /** Timed ops per run; the warm-up is a fifth of it, as {@code memu run} does. */
    @Param({"20000"})
    public long ops;

    /** Failures per million measured ops, as {@code --fail-rate}. */
    @Param({"100"})
    public double failRate;

    private RunSpec spec;

    @Setup
    public void setUp() {
        final WorkloadSpec w = WorkloadSpec.defaults(Workloads.KERNEL_MIX).withOps(ops, ops / 5);
        spec = new RunSpec(Sizes.parse(mem), Machine.DEFAULT_PAGE_SHIFT, layout, allocator, 1, w,
                RunSpec.DEFAULT_SEED, null);
        Driver.validate(spec);
    }

    @Benchmark
    public Map<String, Object> kernelMixWithFailures() {
        final DescriptorRun run = new DescriptorRun(KernelMixConfig.defaults(),
                FailurePlan.rate(failRate, spec.seed()), false);
        final RunResult result = Driver.run(spec, run, AllocatorBoot.NONE, ProgressListener.NONE);
        final Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("opsPerSec", result.opsPerSec());
        run.addResults(tree);
        if (!(tree.get("failures") instanceof Map<?, ?> f) || ((Number) f.get("injected")).longValue() == 0) {
            throw new IllegalStateException(allocator + "/" + layout + ": no failure injected in " + ops
                    + " ops at " + failRate + " per million: " + tree.get("failures"));
        }
        return tree;
    }
}

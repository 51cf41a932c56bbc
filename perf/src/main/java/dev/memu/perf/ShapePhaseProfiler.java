package dev.memu.perf;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;

import java.util.Collection;

/**
 * Turns {@link LlfreeShapesBenchmark}'s own phase timers into JMH secondary results
 * ({@code ·getNs}, {@code ·putNs}, {@code ·pairNs}, per vcpu and mean), averaged over
 * iterations: {@code -prof dev.memu.perf.ShapePhaseProfiler}. Other benchmarks get nothing from it.
 */
public final class ShapePhaseProfiler implements InternalProfiler {

    @Override
    public String getDescription() {
        return "memu LLFree shapes: ns per get/put/pair from the shape's own per-phase nanoTime timers";
    }

    @Override
    public void beforeIteration(final BenchmarkParams benchmarkParams, final IterationParams iterationParams) {
        ShapePhases.reset();
    }

    @Override
    public Collection<? extends Result> afterIteration(final BenchmarkParams benchmarkParams,
                                                        final IterationParams iterationParams,
                                                        final IterationResult result) {
        return ShapePhases.results();
    }
}

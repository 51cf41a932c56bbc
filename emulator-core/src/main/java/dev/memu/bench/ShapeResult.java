package dev.memu.bench;

import dev.memu.driver.JitReport;
import dev.memu.machine.HugePageReport;

import java.util.Arrays;

/**
 * What one {@link ShapeRunner#run()} measured: per thread, ns per get and per put (bulk, rand) or
 * ns per get+put pair (repeat), each the thread's summed phase time over its summed operations.
 * A value a shape does not measure is {@link Double#NaN}.
 */
public final class ShapeResult {

    private final ShapeConfig config;
    private final long share;
    private final int rounds;
    private final int warmupRounds;
    private final double[] getNs;
    private final double[] putNs;
    private final double[] pairNs;
    private final JitReport jit;
    private final HugePageReport hugePages;

    private ShapeResult(final ShapeConfig config, final long share, final int rounds, final int warmupRounds,
                        final double[] getNs, final double[] putNs, final double[] pairNs, final JitReport jit,
                        final HugePageReport hugePages) {
        this.config = config;
        this.share = share;
        this.rounds = rounds;
        this.warmupRounds = warmupRounds;
        this.getNs = getNs;
        this.putNs = putNs;
        this.pairNs = pairNs;
        this.jit = jit;
        this.hugePages = hugePages;
    }

    /** Turns per-thread nanosecond sums over {@code rounds} rounds of {@code share} ops into ns per op. */
    static ShapeResult of(final ShapeConfig config, final long share, final int rounds, final int warmupRounds,
                          final long[] getNanos, final long[] putNanos, final long[] pairNanos,
                          final JitReport jit, final HugePageReport hugePages) {
        final int threads = getNanos.length;
        final double ops = (double) share * rounds;
        final double[] get = new double[threads];
        final double[] put = new double[threads];
        final double[] pair = new double[threads];
        final boolean getPut = config.shape().timesGetAndPut();
        for (int t = 0; t < threads; t++) {
            get[t] = getPut ? getNanos[t] / ops : Double.NaN;
            put[t] = getPut ? putNanos[t] / ops : Double.NaN;
            pair[t] = getPut ? Double.NaN : pairNanos[t] / ops;
        }
        return new ShapeResult(config, share, rounds, warmupRounds, get, put, pair, jit, hugePages);
    }

    /**
     * A result measured elsewhere (a child JVM's {@link ShapeReport#json} row), in ns per op per
     * thread; a value the shape does not measure is NaN.
     */
    public static ShapeResult measured(final ShapeConfig config, final long share, final int rounds,
                                       final int warmupRounds, final double[] getNs, final double[] putNs,
                                       final double[] pairNs, final JitReport jit, final HugePageReport hugePages) {
        if (getNs.length != config.threads() || putNs.length != config.threads() || pairNs.length != config.threads()) {
            throw new IllegalArgumentException("one figure per thread: " + config.threads() + " threads, got "
                    + getNs.length + "/" + putNs.length + "/" + pairNs.length);
        }
        return new ShapeResult(config, share, rounds, warmupRounds, getNs.clone(), putNs.clone(), pairNs.clone(), jit,
                hugePages);
    }

    /** The JIT around the timed rounds: waits before them, compile CPU during them ({@link JitReport#UNKNOWN} if not watched). */
    public JitReport jit() {
        return jit;
    }

    /**
     * What the host backed with transparent huge pages when the timed rounds were over (the
     * machine's mappings in {@code /proc/self/smaps}), or null when this run did not own its
     * machine (a test's allocator).
     */
    public HugePageReport hugePages() {
        return hugePages;
    }

    public ShapeConfig config() {
        return config;
    }

    /** Blocks per thread per round (LLFree's {@code allocs}). */
    public long share() {
        return share;
    }

    public int rounds() {
        return rounds;
    }

    public int warmupRounds() {
        return warmupRounds;
    }

    public int threads() {
        return getNs.length;
    }

    public double getNs(final int thread) {
        return getNs[thread];
    }

    public double putNs(final int thread) {
        return putNs[thread];
    }

    public double pairNs(final int thread) {
        return pairNs[thread];
    }

    /** Mean over threads, as LLFree's {@code get_avg}. */
    public double meanGetNs() {
        return mean(getNs);
    }

    public double meanPutNs() {
        return mean(putNs);
    }

    public double meanPairNs() {
        return mean(pairNs);
    }

    private static double mean(final double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }
}

package dev.memu.perf;

import dev.memu.bench.LlfreeShape;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The phase timers of the current JMH iteration of {@link LlfreeShapesBenchmark}, summed over
 * its invocations, per vcpu; read by {@link ShapePhaseProfiler} in the same (forked) JVM. Touched
 * once per invocation, never inside a timed phase.
 */
final class ShapePhases {

    private static LlfreeShape shape;
    private static long ops;
    private static long[] get = new long[0];
    private static long[] put = new long[0];
    private static long[] pair = new long[0];

    private ShapePhases() {
    }

    static synchronized void reset() {
        ops = 0;
        get = new long[0];
        put = new long[0];
        pair = new long[0];
    }

    /** Adds one invocation: each thread did {@code opsPerThread} ops per phase in the given nanoseconds. */
    static synchronized void add(final LlfreeShape s, final long opsPerThread, final long[] getNanos,
                                 final long[] putNanos, final long[] pairNanos) {
        if (get.length != getNanos.length) {
            get = new long[getNanos.length];
            put = new long[getNanos.length];
            pair = new long[getNanos.length];
        }
        shape = s;
        ops += opsPerThread;
        for (int t = 0; t < getNanos.length; t++) {
            get[t] += getNanos[t];
            put[t] += putNanos[t];
            pair[t] += pairNanos[t];
        }
    }

    /** ns per op, the mean over threads and each vcpu's own, as JMH secondary results. */
    static synchronized List<Result> results() {
        final List<Result> results = new ArrayList<>();
        if (ops == 0) {
            return results;
        }
        if (shape.timesGetAndPut()) {
            add(results, "getNs", get);
            add(results, "putNs", put);
        } else {
            add(results, "pairNs", pair);
        }
        return results;
    }

    private static void add(final List<Result> results, final String label, final long[] nanos) {
        double sum = 0;
        for (int t = 0; t < nanos.length; t++) {
            final double ns = (double) nanos[t] / ops;
            sum += ns;
            results.add(new ScalarResult(label + ".vcpu" + t, ns, "ns/op", AggregationPolicy.AVG));
        }
        results.add(new ScalarResult(label, sum / nanos.length, "ns/op", AggregationPolicy.AVG));
    }

    static synchronized String summary() {
        if (ops == 0) {
            return "memu shape: no invocation yet";
        }
        final StringBuilder s = new StringBuilder("memu " + shape.key() + " ns/op per vcpu:");
        for (int t = 0; t < get.length; t++) {
            if (shape.timesGetAndPut()) {
                s.append(String.format(Locale.ROOT, " %d: get %.1f put %.1f", t, (double) get[t] / ops,
                        (double) put[t] / ops));
            } else {
                s.append(String.format(Locale.ROOT, " %d: pair %.1f", t, (double) pair[t] / ops));
            }
        }
        return s.toString();
    }
}

package dev.memu.cli;

import dev.memu.bench.ShapeConfig;
import dev.memu.bench.ShapeResult;
import dev.memu.bench.ShapeRunner;
import dev.memu.util.Sizes;
import org.HdrHistogram.DoubleHistogram;
import org.HdrHistogram.HistogramLogWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One {@code bench llfree} row with {@code --histogram-log}: the same measurement as {@link
 * ShapeRunner#run()} (prepare, warm-up rounds, timed rounds, release; the same per-thread sums
 * give the same {@link ShapeResult}), driven through the runner's public round API so that each
 * timed round's figures can also go into an HdrHistogram log.
 *
 * <p>The bench times phases, never single operations (LLFree's method: a clock read around each
 * thread's loop). So a log value is one thread's ns per op in one timed round (its phase time
 * over its share), {@code rounds x threads} values per phase: the spread over rounds and
 * threads, not a per-op latency distribution. Values are doubles ({@link DoubleHistogram}: a
 * few ns per op would lose their fraction in an integer histogram); tags are {@code
 * SHAPE/ALLOCATOR/LAYOUT/oORDER/tTHREADS/get|put|pair}, one interval per row spanning its timed
 * rounds.
 */
final class BenchRounds {

    static final String COMMENT = "memu bench llfree: per timed round and thread, ns per op of a phase (phase time "
            + "/ blocks per thread; the bench times phases, not single ops); tags SHAPE/ALLOCATOR/LAYOUT/oORDER/tT/"
            + "get|put|pair";

    private static final int DIGITS = 3;

    private BenchRounds() {
    }

    /** The tag prefix of {@code c}'s histograms. */
    static String tag(final ShapeConfig c) {
        return c.shape().key() + "/" + c.allocator() + "/" + c.layout() + "/o" + c.order() + "/t" + c.threads();
    }

    /**
     * Runs {@code config} on a fresh machine and writes its rounds to {@code log}.
     *
     * @return its result, or null when the allocator does not hand out its order (skipped, as
     *         {@link dev.memu.bench.LlfreeBench#run} skips it, with a note on {@code progress})
     */
    static ShapeResult run(final ShapeConfig config, final PrintStream progress, final OutputTarget log)
            throws IOException {
        final String what = config.shape().key() + " " + config.allocator() + "/" + config.layout() + " order "
                + config.order() + " T=" + config.threads() + " mem " + Sizes.format(config.ramBytes());
        final long begin = System.nanoTime();
        final ShapeRunner runner;
        try {
            runner = ShapeRunner.open(config);
        } catch (final ShapeRunner.UnsupportedOrderException e) {
            progress.println("memu bench llfree: " + what + ": skipped, " + e.getMessage());
            return null;
        }
        final ShapeResult result;
        final DoubleHistogram[] phases = {new DoubleHistogram(DIGITS), new DoubleHistogram(DIGITS),
                new DoubleHistogram(DIGITS)};
        final long startMs;
        final long endMs;
        try (runner) {
            final int warmup = config.resolvedWarmupRounds();
            final int rounds = config.resolvedRounds();
            final int threads = config.threads();
            final int share = runner.share();
            progress.println("memu bench llfree: " + what + ": " + share + " blocks/thread, " + warmup
                    + " warm-up + " + rounds + " rounds");
            runner.prepare();
            for (int r = 0; r < warmup; r++) {
                runner.round();
            }
            final long[] get = new long[threads];
            final long[] put = new long[threads];
            final long[] pair = new long[threads];
            final boolean getPut = config.shape().timesGetAndPut();
            startMs = System.currentTimeMillis();
            for (int r = 0; r < rounds; r++) {
                runner.round();
                for (int t = 0; t < threads; t++) {
                    get[t] += runner.getNanos(t);
                    put[t] += runner.putNanos(t);
                    pair[t] += runner.pairNanos(t);
                    if (getPut) {
                        phases[0].recordValue((double) runner.getNanos(t) / share);
                        phases[1].recordValue((double) runner.putNanos(t) / share);
                    } else {
                        phases[2].recordValue((double) runner.pairNanos(t) / share);
                    }
                }
            }
            endMs = System.currentTimeMillis();
            runner.release();
            final double ops = (double) share * rounds;
            final double[] getNs = new double[threads];
            final double[] putNs = new double[threads];
            final double[] pairNs = new double[threads];
            for (int t = 0; t < threads; t++) {   // as ShapeResult.of: a phase the shape does not time is NaN
                getNs[t] = getPut ? get[t] / ops : Double.NaN;
                putNs[t] = getPut ? put[t] / ops : Double.NaN;
                pairNs[t] = getPut ? Double.NaN : pair[t] / ops;
            }
            result = ShapeResult.measured(config, share, rounds, warmup, getNs, putNs, pairNs);
        }
        progress.printf("memu bench llfree: %s: done in %.1f s%n", what, (System.nanoTime() - begin) / 1e9);
        final String prefix = tag(config);
        log.commit(out -> {
            final PrintStream print = new PrintStream(out, false, StandardCharsets.UTF_8);
            final HistogramLogWriter writer = new HistogramLogWriter(print);
            writer.outputLogFormatVersion();
            writer.outputComment(COMMENT);
            writer.outputStartTime(startMs);
            writer.setBaseTime(startMs);
            writer.outputLegend();
            final String[] names = {"get", "put", "pair"};
            for (int p = 0; p < phases.length; p++) {
                if (phases[p].getTotalCount() > 0) {
                    phases[p].setTag(prefix + "/" + names[p]);
                    phases[p].setStartTimeStamp(startMs);
                    phases[p].setEndTimeStamp(endMs);
                    writer.outputIntervalHistogram(phases[p]);
                }
            }
            print.flush();
            if (print.checkError()) {
                throw new IOException("--histogram-log: write error");
            }
        });
        return result;
    }
}

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
 * One {@code bench llfree} row with {@code --histogram-log}: the runner's own measurement ({@link
 * ShapeRunner#run(ShapeRunner.RoundListener)}), whose listener puts each timed round's figures
 * into an HdrHistogram log as well; the result is the one {@link ShapeRunner#run()} gives.
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
            final int share = runner.share();
            progress.println("memu bench llfree: " + what + ": " + share + " blocks/thread, "
                    + config.resolvedWarmupRounds() + " warm-up + " + config.resolvedRounds() + " rounds");
            final boolean getPut = config.shape().timesGetAndPut();
            final long[] span = new long[2];     // the timed rounds' start and end, ms
            result = runner.run(new ShapeRunner.RoundListener() {
                @Override
                public void timing(final ShapeRunner r) {
                    span[0] = System.currentTimeMillis();
                }

                @Override
                public void timed(final ShapeRunner r, final int round) {
                    span[1] = System.currentTimeMillis();
                    for (int t = 0; t < config.threads(); t++) {
                        if (getPut) {
                            phases[0].recordValue((double) r.getNanos(t) / share);
                            phases[1].recordValue((double) r.putNanos(t) / share);
                        } else {
                            phases[2].recordValue((double) r.pairNanos(t) / share);
                        }
                    }
                }
            });
            startMs = span[0];
            endMs = Math.max(startMs, span[1]);
        }
        progress.printf("memu bench llfree: %s: done in %.1f s%n", what, (System.nanoTime() - begin) / 1e9);
        final String prefix = tag(config);
        log.commit(out -> {
            final PrintStream print = new PrintStream(out, false, StandardCharsets.UTF_8);
            final HistogramLogWriter writer = dev.memu.stat.LatencyIntervals.logWriter(print, COMMENT, startMs);
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

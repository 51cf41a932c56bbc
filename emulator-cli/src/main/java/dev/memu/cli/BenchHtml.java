package dev.memu.cli;

import dev.memu.bench.LlfreeShape;
import dev.memu.bench.ShapeConfig;
import dev.memu.bench.ShapeReport;
import dev.memu.bench.ShapeResult;
import dev.memu.driver.JitReport;
import dev.memu.machine.HugePageReport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTML page of {@code memu bench llfree --format html} and of saved bench JSON given to
 * {@code memu plot}: ns per op as grouped bars, one group per shape, phase (get, put, or repeat's
 * get+put pair), order and thread count, one bar per allocator/layout; log scale when the values
 * span more than a factor of 30 (order-9 bulk next to order-0 repeat). Then the exact figures:
 * {@link ShapeReport#table} of the rows, rebuilt from the JSON for a saved file.
 */
final class BenchHtml {

    private static final String BENCHMARK = "llfree-shapes";
    private static final double LOG_SPAN = 30;

    private BenchHtml() {
    }

    /** Whether {@code root} is a {@code memu bench llfree --format json} result. */
    static boolean is(final Map<?, ?> root) {
        return BENCHMARK.equals(Json.at(root, "config.benchmark")) && root.get("results") instanceof List<?>;
    }

    static String render(final String title, final List<Html.Saved> saved) {
        final StringBuilder sb = Html.begin(title);
        sb.append("<h2>Charts</h2>\n");
        // category (shape phase order threads) -> series (source: allocator/layout) -> ns per op
        final Map<String, Map<String, Double>> cells = new LinkedHashMap<>();
        final List<String> seriesNames = new ArrayList<>();
        for (final Html.Saved s : saved) {
            for (final Map<?, ?> row : rows(s.root())) {
                final String name = (saved.size() > 1 ? s.name() + ": " : "") + row.get("allocator") + "/"
                        + row.get("layout");
                if (!seriesNames.contains(name)) {
                    seriesNames.add(name);
                }
                for (final String phase : List.of("get", "put", "pair")) {
                    final double ns = Json.number(row, phase + "Ns");
                    if (!Double.isNaN(ns)) {
                        final String category = row.get("shape") + " " + phase + " o" + Json.at(row, "order")
                                + " T" + Json.at(row, "threads");
                        cells.computeIfAbsent(category, k -> new LinkedHashMap<>()).put(name, ns);
                    }
                }
            }
        }
        if (!cells.isEmpty()) {
            final List<String> categories = new ArrayList<>(cells.keySet());
            final List<SvgBars.Series> series = new ArrayList<>();
            double min = Double.POSITIVE_INFINITY;
            double max = 0;
            for (final String name : seriesNames) {
                final double[] v = new double[categories.size()];
                for (int c = 0; c < v.length; c++) {
                    v[c] = cells.get(categories.get(c)).getOrDefault(name, Double.NaN);
                    if (v[c] > 0) {
                        min = Math.min(min, v[c]);
                        max = Math.max(max, v[c]);
                    }
                }
                series.add(new SvgBars.Series(name, v));
            }
            final boolean log = max / min > LOG_SPAN;
            Html.figure(sb, SvgBars.chart("ns per op (mean over threads" + (log ? ", log scale)" : ")"), "ns per op",
                    categories, series, false, log));
        }
        Html.details(sb, saved);
        return Html.end(sb);
    }

    /**
     * bench llfree's text report: the table, then compare's {@code JIT:} line on the rows' timed
     * rounds and its line on what the host backed with huge pages.
     */
    static String text(final List<ShapeResult> results) {
        final StringBuilder sb = new StringBuilder(ShapeReport.table(results));
        final List<Map<?, ?>> rows = Json.maps(Json.at(Json.parse(ShapeReport.json(results)), "results"));
        final java.util.function.Function<Map<?, ?>, String> label = r -> Json.at(r, "shape") + " "
                + Json.at(r, "allocator") + "/" + Json.at(r, "layout") + " order " + Json.at(r, "order")
                + " T=" + Json.at(r, "threads");
        TextReport.jit(sb, rows, label);
        TextReport.hugePages(sb, rows, label);
        return sb.toString();
    }

    /**
     * The text table of a saved result, rebuilt from its rows; null when a row does not make a
     * {@link ShapeResult} (the page then shows the JSON).
     */
    static String table(final Map<String, Object> root) {
        try {
            final List<ShapeResult> results = new ArrayList<>();
            for (final Map<?, ?> row : rows(root)) {
                final ShapeConfig c = new ShapeConfig(LlfreeShape.ofKey(String.valueOf(row.get("shape"))),
                        String.valueOf(row.get("allocator")), String.valueOf(row.get("layout")),
                        (long) Json.number(row, "memBytes"), (int) Json.number(row, "order"),
                        (int) Json.number(row, "threads"), (int) Json.number(row, "maxThreads"),
                        (int) Json.number(row, "rounds"), (int) Json.number(row, "warmupRounds"),
                        (long) Json.number(row, "seed"));
                results.add(result(c, row));
            }
            return text(results);
        } catch (final RuntimeException e) {
            return null;
        }
    }

    /** A JSON row ({@link ShapeReport#json}) as the result it reports, for the config it ran. */
    static ShapeResult result(final ShapeConfig c, final Object row) {
        final int threads = c.threads();
        final double[] get = new double[threads];
        final double[] put = new double[threads];
        final double[] pair = new double[threads];
        if (!(Json.at(row, "perThread") instanceof List<?> perThread) || perThread.size() != threads) {
            throw new IllegalStateException("bench llfree: a row has no figure per thread: " + row);
        }
        for (int t = 0; t < threads; t++) {
            get[t] = Json.number(perThread.get(t), "getNs");
            put[t] = Json.number(perThread.get(t), "putNs");
            pair[t] = Json.number(perThread.get(t), "pairNs");
        }
        return ShapeResult.measured(c, (long) Json.number(row, "blocksPerThread"), (int) Json.number(row, "rounds"),
                (int) Json.number(row, "warmupRounds"), get, put, pair, JitReport.fromJson(Json.at(row, "jit")),
                HugePageReport.fromJson(Json.at(row, "hugePages")));
    }

    private static List<Map<?, ?>> rows(final Map<String, Object> root) {
        return Json.maps(root.get("results"));
    }
}

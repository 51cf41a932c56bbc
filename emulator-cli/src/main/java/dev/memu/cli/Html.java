package dev.memu.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The HTML report of run and compare results ({@code --format html}, {@code memu plot}): one
 * self-contained page (inline CSS and SVG, no script, nothing fetched) with a chart wherever people
 * would rather look than read, and the text report under it for the exact figures.
 *
 * <p>Charts, each drawn only when some result has the data: bytes per page by region (stacked,
 * one bar per result), cachelines per op by op kind (grouped), latency percentile curves per op
 * kind (p50 / p99 / p99.9 / max on a "nines" axis, log ns, one line per result), free blocks by
 * order at the end of the run (like {@code /proc/buddyinfo}), and for the fragment workload free
 * blocks by order over the run. Several sources (files given to {@code memu plot}) go into the same
 * charts side by side, each bar labelled with its source.
 */
final class Html {

    /** One result file or one command's output: a name, its {@code config} and its {@code results}. */
    record Source(String name, Map<String, Object> config, List<Map<String, Object>> results) {
    }

    private static final String CSS = """
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
            h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
            .figure { overflow-x: auto; margin: 8px 0 20px; }
            svg.chart { background: #fff; }
            svg .chart-title { font-size: 14px; font-weight: 600; }
            svg .legend, svg .tick, svg .category, svg .axis-label { font-size: 11px; fill: #333; }
            svg .grid { stroke: #e4e4e4; } svg .axis { stroke: #555; }
            pre { font-size: 12px; background: #f6f6f6; padding: 8px; overflow-x: auto; }
            table.config td { padding: 0 12px 0 0; } table.config td:first-child { color: #666; }
            """;

    private static final String[] PERCENTILES = {"p50", "p99", "p999", "max"};
    private static final String[] PERCENTILE_NAMES = {"p50", "p99", "p99.9", "max"};
    /** Where each percentile sits on a curve's x axis: its nines; max, which has none, one nine past p99.9. */
    private static final double[] NINES = {SvgLines.nines(50), SvgLines.nines(99), SvgLines.nines(99.9),
            SvgLines.nines(99.9) + 1};

    private Html() {
    }

    /**
     * A saved result of a command other than run/compare (replay, rmap, bench llfree): its name,
     * its JSON tree, and its text report, or null when only the JSON is at hand (a saved file:
     * the page then shows the JSON as the exact figures).
     */
    record Saved(String name, Map<String, Object> root, String text) {
    }

    /**
     * {@code tree} as its JSON file reads back (numbers rounded as {@link Json#write} writes
     * them): a command's page is drawn from what it would save, so that {@code memu plot} of the
     * saved file draws the same charts.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> asSaved(final Map<String, Object> tree) {
        return (Map<String, Object>) Json.parse(Json.write(tree));
    }

    /** The page's head, title and heading; {@link #end} closes it. */
    static StringBuilder begin(final String title) {
        final StringBuilder sb = new StringBuilder(65536);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(title)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        sb.append("<h1>").append(escape(title)).append("</h1>\n");
        return sb;
    }

    static String end(final StringBuilder sb) {
        return sb.append("</body>\n</html>\n").toString();
    }

    /** Each saved result's heading, flat config and exact figures (its text report, else its JSON). */
    static void details(final StringBuilder sb, final List<Saved> saved) {
        for (final Saved s : saved) {
            sb.append("<h2>").append(escape(s.name())).append("</h2>\n");
            if (s.root().get("config") instanceof Map<?, ?> c) {
                @SuppressWarnings("unchecked")
                final Map<String, Object> config = (Map<String, Object>) c;
                config(sb, config);
            }
            sb.append("<pre>").append(escape(s.text() != null ? s.text() : Json.write(s.root()))).append("</pre>\n");
        }
    }

    static String render(final String title, final List<Source> sources) {
        final StringBuilder sb = begin(title);
        final List<String> labels = new ArrayList<>();
        final List<Map<String, Object>> results = new ArrayList<>();
        for (final Source s : sources) {
            for (final Map<String, Object> r : s.results()) {
                labels.add((sources.size() > 1 ? s.name() + ": " : "") + label(r));
                results.add(r);
            }
        }
        sb.append("<h2>Charts</h2>\n");
        bytesPerPage(sb, labels, results);
        cachelines(sb, labels, results);
        latency(sb, labels, results);
        freeBlocks(sb, labels, results);
        freeBlocksOverTime(sb, labels, results);
        for (final Source s : sources) {
            sb.append("<h2>").append(escape(s.name())).append("</h2>\n");
            config(sb, s.config());
            final String text = TextReport.render(s.config(), s.results(), s.results().size() == 1);
            sb.append("<pre>").append(escape(text)).append("</pre>\n");
        }
        return end(sb);
    }

    private static String label(final Map<String, Object> r) {
        return Json.at(r, "layout") + " " + Json.at(r, "allocator") + " t" + Json.at(r, "threads");
    }

    private static void bytesPerPage(final StringBuilder sb, final List<String> labels,
                                     final List<Map<String, Object>> results) {
        final Set<String> regions = keys(results, "bytesPerPage.byRegion");
        if (regions.isEmpty()) {
            return;
        }
        final List<SvgBars.Series> series = new ArrayList<>();
        for (final String region : regions) {
            series.add(new SvgBars.Series(region, values(results, "bytesPerPage.byRegion." + region)));
        }
        figure(sb, SvgBars.chart("Bytes per page by region", "bytes per page", labels, series, true, false));
    }

    private static void cachelines(final StringBuilder sb, final List<String> labels,
                                   final List<Map<String, Object>> results) {
        final Set<String> kinds = keys(results, "cachelinesPerOp");
        if (kinds.isEmpty()) {
            return;
        }
        final List<SvgBars.Series> series = new ArrayList<>();
        for (final String kind : kinds) {
            series.add(new SvgBars.Series(kind, values(results, "cachelinesPerOp." + kind + ".total")));
        }
        figure(sb, SvgBars.chart("Cachelines per op (distinct 64 B lines, mean)", "lines per op", labels, series,
                false, false));
    }

    private static void latency(final StringBuilder sb, final List<String> labels,
                                final List<Map<String, Object>> results) {
        final List<SvgLines.Tick> ticks = new ArrayList<>();
        for (int p = 0; p < PERCENTILES.length; p++) {
            ticks.add(new SvgLines.Tick(NINES[p], PERCENTILE_NAMES[p]));
        }
        for (final String kind : keys(results, "latencyNs")) {
            final List<SvgLines.Series> series = new ArrayList<>();
            boolean any = false;
            for (int i = 0; i < results.size(); i++) {
                final double[] y = new double[PERCENTILES.length];
                for (int p = 0; p < y.length; p++) {
                    y[p] = Json.number(results.get(i), "latencyNs." + kind + "." + PERCENTILES[p]);
                    any |= y[p] > 0;
                }
                series.add(new SvgLines.Series(labels.get(i), NINES, y));
            }
            if (!any) {
                continue;   // no sample of this kind in any result (a fragment run's few probes, say)
            }
            figure(sb, SvgLines.chart("Latency of " + kind + " (ns, log scale): percentile curves",
                    "percentile, in nines (max drawn one nine past p99.9)", ticks, "ns", true, series));
        }
    }

    private static void freeBlocks(final StringBuilder sb, final List<String> labels,
                                   final List<Map<String, Object>> results) {
        int orders = 0; // up to the highest order any result has a free block of
        for (final Map<String, Object> r : results) {
            if (r.get("freeBlocksByOrder") instanceof List<?> l) {
                for (int o = l.size() - 1; o >= orders; o--) {
                    if (l.get(o) instanceof Number n && n.longValue() > 0) {
                        orders = o + 1;
                        break;
                    }
                }
            }
        }
        if (orders == 0) {
            return;
        }
        final List<String> categories = new ArrayList<>();
        for (int o = 0; o < orders; o++) {
            categories.add("order " + o);
        }
        final List<SvgBars.Series> series = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            final double[] v = new double[orders];
            java.util.Arrays.fill(v, Double.NaN);
            if (results.get(i).get("freeBlocksByOrder") instanceof List<?> l) {
                for (int o = 0; o < Math.min(orders, l.size()); o++) {
                    v[o] = l.get(o) instanceof Number n ? n.doubleValue() : Double.NaN;
                }
            }
            series.add(new SvgBars.Series(labels.get(i), v));
        }
        figure(sb, SvgBars.chart("Free blocks by order at the end of the run", "free blocks", categories, series,
                false, false));
    }

    /**
     * The fragment workload's {@code freeBlocksOverTime}, one chart per result that has it: a
     * line per order over the points (filled, freed, each eighth of the probes, compacted).
     */
    private static void freeBlocksOverTime(final StringBuilder sb, final List<String> labels,
                                           final List<Map<String, Object>> results) {
        for (int i = 0; i < results.size(); i++) {
            if (!(Json.at(results.get(i), "freeBlocksOverTime.points") instanceof List<?> points) || points.isEmpty()) {
                continue;
            }
            final double[] x = new double[points.size()];
            final List<SvgLines.Tick> ticks = new ArrayList<>();
            for (int p = 0; p < x.length; p++) {
                x[p] = p;
                final String name = String.valueOf(Json.at(points.get(p), "after"));
                ticks.add(new SvgLines.Tick(p, name.startsWith("probes ") ? name.substring(7) : name));
            }
            final List<SvgLines.Series> series = linesByOrder(points, "blocks", x);
            if (series.isEmpty()) {
                continue;
            }
            final Object probeOrder = Json.at(results.get(i), "highOrder.order");
            figure(sb, SvgLines.chart("Free blocks by order over the run (" + labels.get(i) + ", log scale)",
                    "after: the fill, the random frees, each eighth of the "
                            + (probeOrder == null ? "" : "order-" + probeOrder + " ") + "probes",
                    ticks, "free blocks", true, series));
        }
    }

    /**
     * One line per order from {@code points} (each a map whose {@code key} is a list of free
     * blocks per order), at {@code x}: the orders that had a free block at some point, "order N".
     */
    static List<SvgLines.Series> linesByOrder(final List<?> points, final String key, final double[] x) {
        int orders = 0;
        for (final Object p : points) {
            if (Json.at(p, key) instanceof List<?> b) {
                orders = Math.max(orders, b.size());
            }
        }
        final List<SvgLines.Series> series = new ArrayList<>();
        for (int o = 0; o < orders; o++) {
            final double[] y = new double[points.size()];
            boolean any = false;
            for (int i = 0; i < y.length; i++) {
                y[i] = Json.at(points.get(i), key) instanceof List<?> b && b.size() > o && b.get(o) instanceof Number n
                        ? n.doubleValue() : Double.NaN;
                any |= y[i] > 0;
            }
            if (any) {
                series.add(new SvgLines.Series("order " + o, x, y));
            }
        }
        return series;
    }

    static void config(final StringBuilder sb, final Map<String, Object> config) {
        if (config == null || config.isEmpty()) {
            return;
        }
        sb.append("<table class=\"config\">\n");
        for (final Map.Entry<String, Object> e : config.entrySet()) {
            if (e.getValue() instanceof Map<?, ?>) {
                continue; // nested detail (host, mix) is in the text report below
            }
            sb.append("<tr><td>").append(escape(e.getKey())).append("</td><td>")
                    .append(escape(String.valueOf(e.getValue()))).append("</td></tr>\n");
        }
        sb.append("</table>\n");
    }

    static void figure(final StringBuilder sb, final String svg) {
        sb.append("<div class=\"figure\">\n").append(svg).append("</div>\n");
    }

    /** The keys of the object at {@code path}, over all results, in first-seen order. */
    static Set<String> keys(final List<Map<String, Object>> results, final String path) {
        final Set<String> keys = new LinkedHashSet<>();
        for (final Map<String, Object> r : results) {
            if (Json.at(r, path) instanceof Map<?, ?> m) {
                for (final Object k : m.keySet()) {
                    keys.add(String.valueOf(k));
                }
            }
        }
        return keys;
    }

    private static double[] values(final List<Map<String, Object>> results, final String path) {
        final double[] v = new double[results.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = Json.number(results.get(i), path);
        }
        return v;
    }

    static String escape(final String s) {
        final StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}

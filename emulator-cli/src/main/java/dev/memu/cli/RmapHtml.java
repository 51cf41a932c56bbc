package dev.memu.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The HTML page of {@code memu rmap --format html} and of saved rmap JSON given to {@code memu
 * plot}: mapcount accuracy per scheme against {@code exact} (the page-table walk) as grouped bars
 * (wrong consumer decisions, wrong query answers, /proc figures' relative error), the schemes'
 * cachelines per operation, then the exact figures. {@code exact} is the reference, not a
 * scheme: it is left out of the accuracy charts, where it would be zero by definition. Charts
 * are drawn from the JSON tree ({@code results[].consumers}, {@code accuracy}, {@code procStats},
 * {@code linesPerOp}).
 */
final class RmapHtml {

    private static final String EXACT = "exact";
    private static final List<String> OPS = List.of("map", "cow", "unmap", "zap", "fork", "exit");

    private RmapHtml() {
    }

    /** Whether {@code root} is an rmap result ({@code memu rmap --format json}). */
    static boolean is(final Map<?, ?> root) {
        return root.get("mmLayer") instanceof Map<?, ?> && root.get("results") instanceof List<?> l
                && (l.isEmpty() || Json.at(l.getFirst(), "scheme") instanceof String);
    }

    static String render(final String title, final List<Html.Saved> saved) {
        final StringBuilder sb = Html.begin(title);
        sb.append("<h2>Charts</h2>\n");
        final List<String> all = new ArrayList<>();
        final List<Map<?, ?>> allResults = new ArrayList<>();
        final List<String> scored = new ArrayList<>();
        final List<Map<?, ?>> scoredResults = new ArrayList<>();
        for (final Html.Saved s : saved) {
            if (!(s.root().get("results") instanceof List<?> list)) {
                continue;
            }
            for (final Object o : list) {
                if (!(o instanceof Map<?, ?> r) || !Boolean.TRUE.equals(r.get("supported"))) {
                    continue;   // a scheme the layout has no room for measured nothing
                }
                final String label = (saved.size() > 1 ? s.name() + ": " : "") + r.get("scheme");
                all.add(label);
                allResults.add(r);
                if (!EXACT.equals(r.get("scheme"))) {
                    scored.add(label);
                    scoredResults.add(r);
                }
            }
        }
        if (!scoredResults.isEmpty()) {
            consumers(sb, scored, scoredResults);
            queries(sb, scored, scoredResults);
            procStats(sb, scored, scoredResults);
        }
        if (!allResults.isEmpty()) {
            lines(sb, all, allResults);
        }
        Html.details(sb, saved);
        return Html.end(sb);
    }

    /** Per consumer, the share of its decisions on the scheme's answers that differ from its decisions on exact's. */
    private static void consumers(final StringBuilder sb, final List<String> labels, final List<Map<?, ?>> results) {
        final Set<String> names = new LinkedHashSet<>();
        for (final Map<?, ?> r : results) {
            for (final Map<?, ?> c : Json.maps(r.get("consumers"))) {
                names.add(String.valueOf(c.get("consumer")));
            }
        }
        final List<SvgBars.Series> series = new ArrayList<>();
        for (final String name : names) {
            final double[] v = new double[results.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = Double.NaN;
                for (final Map<?, ?> c : Json.maps(results.get(i).get("consumers"))) {
                    if (name.equals(c.get("consumer"))) {
                        v[i] = percent(Json.number(c, "wrong"), Json.number(c, "decisions"));
                    }
                }
            }
            series.add(new SvgBars.Series(name, v));
        }
        if (!series.isEmpty()) {
            Html.figure(sb, SvgBars.chart("Wrong consumer decisions vs exact (% of decisions)", "% wrong", labels,
                    series, false, false));
        }
    }

    /** Per query, the share of answers that differ from exact's (exclusive and partial: false positives + negatives). */
    private static void queries(final StringBuilder sb, final List<String> labels, final List<Map<?, ?>> results) {
        final List<SvgBars.Series> series = new ArrayList<>();
        for (final String q : List.of("mapcount", "pageMapcount", "exclusive", "partiallyMapped", "mapped")) {
            final double[] v = new double[results.size()];
            boolean any = false;
            for (int i = 0; i < v.length; i++) {
                final Object a = Json.at(results.get(i), "accuracy." + q);
                final double queries = Json.number(a, "queries") - (q.equals("pageMapcount") ? Json.number(a, "unknown") : 0);
                final double wrong = q.equals("exclusive") || q.equals("partiallyMapped")
                        ? Json.number(a, "falsePositives") + Json.number(a, "falseNegatives") : Json.number(a, "wrong");
                v[i] = percent(wrong, queries);
                any |= !Double.isNaN(v[i]);
            }
            if (any) {
                series.add(new SvgBars.Series(q, v));
            }
        }
        if (!series.isEmpty()) {
            Html.figure(sb, SvgBars.chart("Query answers that differ from exact (% of queries)", "% wrong", labels,
                    series, false, false));
        }
    }

    /** /proc figures summed from the scheme's answers: |relative error| against exact's, in percent. */
    private static void procStats(final StringBuilder sb, final List<String> labels, final List<Map<?, ?>> results) {
        final Set<String> names = new LinkedHashSet<>();
        for (final Map<?, ?> r : results) {
            for (final Map<?, ?> st : Json.maps(r.get("procStats"))) {
                names.add(String.valueOf(st.get("stat")));
            }
        }
        final List<SvgBars.Series> series = new ArrayList<>();
        for (final String name : names) {
            final double[] v = new double[results.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = Double.NaN;
                for (final Map<?, ?> st : Json.maps(results.get(i).get("procStats"))) {
                    if (name.equals(st.get("stat")) && Json.number(st, "exact") != 0) {
                        v[i] = 100 * Math.abs(Json.number(st, "relativeError"));
                    }
                }
            }
            series.add(new SvgBars.Series(name, v));
        }
        if (!series.isEmpty()) {
            Html.figure(sb, SvgBars.chart("/proc figures from the scheme's answers: |relative error| vs exact (%)",
                    "% off", labels, series, false, false));
        }
    }

    private static void lines(final StringBuilder sb, final List<String> labels, final List<Map<?, ?>> results) {
        final List<SvgBars.Series> series = new ArrayList<>();
        for (final String op : OPS) {
            final double[] v = new double[results.size()];
            boolean any = false;
            for (int i = 0; i < v.length; i++) {
                v[i] = Json.number(results.get(i), "linesPerOp." + op);
                any |= !Double.isNaN(v[i]);
            }
            if (any) {
                series.add(new SvgBars.Series(op, v));
            }
        }
        if (!series.isEmpty()) {
            Html.figure(sb, SvgBars.chart("Scheme cachelines per operation (distinct 64 B lines, mean)",
                    "lines per op", labels, series, false, false));
        }
    }

    private static double percent(final double n, final double of) {
        return of > 0 && !Double.isNaN(n) ? 100 * n / of : Double.NaN;
    }

}

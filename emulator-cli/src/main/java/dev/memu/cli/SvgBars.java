package dev.memu.cli;

import java.util.List;
import java.util.Locale;

/**
 * Bar charts as inline SVG text: grouped (one bar per series side by side in each category) or
 * stacked (the series' values on top of each other), linear or log10 y axis, a legend, and a
 * {@code <title>} tooltip on every bar with its exact value.
 *
 * <p>A small template rather than JFreeChart + JFreeSVG: memu needs four kinds of bar chart, and
 * those two libraries (about 2 MB, AWT on the class path, a headless toolkit) would put more into
 * the jar than the whole emulator; plain SVG text stays self-contained in the page, selectable,
 * and diffable in a test.
 */
final class SvgBars {

    /** One series: its name (legend) and one value per category (NaN or <= 0 on a log axis: no bar). */
    record Series(String name, double[] values) {
    }

    /** Tableau 10: distinguishable, and still readable printed in grey. */
    private static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

    static final int PALETTE_SIZE = PALETTE.length;

    private static final int MIN_LEFT = 72;
    private static final int RIGHT = 16;
    private static final int TOP = 34;
    private static final int PLOT_HEIGHT = 240;
    private static final int LEGEND_ROW = 18;
    /** A generous width of one character of the 11 px labels (DejaVu Sans, the widest common default). */
    static final double CHAR_PX = 7.2;
    /** Category labels are turned 35 degrees: their horizontal and vertical reach per pixel of length. */
    private static final double COS = Math.cos(Math.toRadians(35));
    private static final double SIN = Math.sin(Math.toRadians(35));

    private SvgBars() {
    }

    static String chart(final String title, final String yLabel, final List<String> categories,
                        final List<Series> series, final boolean stacked, final boolean log) {
        final int barsPerCategory = stacked ? 1 : series.size();
        final int barWidth = Math.max(6, Math.min(28, 180 / Math.max(1, barsPerCategory)));
        final int categoryWidth = barsPerCategory * barWidth + 14;
        // wide enough for the categories, and for the title (14 px bold: about 1.25 label widths per character)
        final int plotWidth = (int) Math.max(Math.max(420, categories.size() * categoryWidth),
                title.length() * CHAR_PX * 1.25 - MIN_LEFT);
        final int longest = categories.stream().mapToInt(String::length).max().orElse(0);
        final double reach = longest * CHAR_PX;
        // room for the first category's label on the left, and for every label below the plot
        final int left = (int) Math.max(MIN_LEFT, reach * COS - categoryWidth / 2.0 + 12);
        final int bottom = (int) (reach * SIN + 36);
        final int width = left + plotWidth + RIGHT;
        final List<int[]> legend = legendPositions(series.stream().map(Series::name).toList(), left, width);
        final int legendHeight = legend.isEmpty() ? 0 : (legend.getLast()[1] + 1) * LEGEND_ROW;
        final int plotTop = TOP + legendHeight;
        final int height = plotTop + PLOT_HEIGHT + bottom;

        final Axis axis = Axis.of(series, stacked, log);
        final StringBuilder sb = new StringBuilder(8192);
        sb.append(String.format(Locale.ROOT, "<svg class=\"chart\" role=\"img\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" aria-label=\"%s\">%n",
                width, height, width, height, Html.escape(title)));
        sb.append("<title>").append(Html.escape(title)).append("</title>\n");
        text(sb, left, 20, "start", "chart-title", title);
        for (int i = 0; i < series.size(); i++) {
            final int[] at = legend.get(i);
            final int y = TOP + at[1] * LEGEND_ROW;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>",
                    at[0], y - 9, color(i)));
            text(sb, at[0] + 14, y, "start", "legend", series.get(i).name());
        }
        // y axis: grid lines and ticks
        for (final double tick : axis.ticks()) {
            final double y = plotTop + PLOT_HEIGHT - axis.scale(tick) * PLOT_HEIGHT;
            sb.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>",
                    left, left + plotWidth, y, y));
            text(sb, left - 6, (int) Math.round(y + 4), "end", "tick", Axis.label(tick));
        }
        sb.append(String.format(Locale.ROOT, "<text class=\"axis-label\" transform=\"translate(14 %d) rotate(-90)\" "
                + "text-anchor=\"middle\">%s</text>%n", plotTop + PLOT_HEIGHT / 2, Html.escape(yLabel)));
        // bars
        for (int c = 0; c < categories.size(); c++) {
            final int x0 = left + c * categoryWidth + 7;
            double base = 0;
            for (int s = 0; s < series.size(); s++) {
                final double v = series.get(s).values()[c];
                if (Double.isNaN(v) || (log && v <= 0) || (!log && v == 0)) {
                    continue;
                }
                final double lo = stacked ? axis.scale(base) : axis.scale(axis.floor());
                final double hi = axis.scale(stacked ? base + v : v);
                final double y = plotTop + PLOT_HEIGHT - hi * PLOT_HEIGHT;
                final double h = Math.max(0.5, (hi - lo) * PLOT_HEIGHT);
                final int x = stacked ? x0 : x0 + s * barWidth;
                sb.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
                        + "fill=\"%s\"><title>%s, %s: %s</title></rect>%n", x, y, barWidth - 1,
                        h, color(s), Html.escape(categories.get(c)), Html.escape(series.get(s).name()), Axis.exact(v)));
                base += v;
            }
            final int cx = x0 + barsPerCategory * barWidth / 2;
            final int ly = plotTop + PLOT_HEIGHT + 14;
            sb.append(String.format(Locale.ROOT, "<text class=\"category\" transform=\"translate(%d %d) rotate(-35)\" "
                    + "text-anchor=\"end\">%s</text>%n", cx, ly, Html.escape(categories.get(c))));
        }
        sb.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>"
                + "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>%n",
                left, left + plotWidth, plotTop + PLOT_HEIGHT, plotTop + PLOT_HEIGHT, left, left, plotTop,
                plotTop + PLOT_HEIGHT));
        return sb.append("</svg>\n").toString();
    }

    /** Legend entries flow left to right and wrap: {x, row} for each series. */
    static List<int[]> legendPositions(final List<String> names, final int left, final int width) {
        final List<int[]> at = new java.util.ArrayList<>();
        int x = left;
        int row = 0;
        for (final String name : names) {
            final int w = 30 + (int) Math.ceil(CHAR_PX * name.length());
            if (x + w > width - RIGHT && x > left) {
                x = left;
                row++;
            }
            at.add(new int[]{x, row});
            x += w;
        }
        return at;
    }

    static String color(final int i) {
        return PALETTE[i % PALETTE.length];
    }

    static void text(final StringBuilder sb, final int x, final int y, final String anchor,
                             final String cls, final String text) {
        sb.append(String.format(Locale.ROOT, "<text class=\"%s\" x=\"%d\" y=\"%d\" text-anchor=\"%s\">%s</text>%n",
                cls, x, y, anchor, Html.escape(text)));
    }

    /** A value axis: maps a value to 0..1 of the plot's extent, linear from 0 or log10 between decades. */
    record Axis(boolean log, double min, double max) {

        static Axis of(final List<Series> series, final boolean stacked, final boolean log) {
            double max = 0;
            double minPositive = Double.POSITIVE_INFINITY;
            final int n = series.isEmpty() ? 0 : series.getFirst().values().length;
            for (int c = 0; c < n; c++) {
                double sum = 0;
                for (final Series s : series) {
                    final double v = s.values()[c];
                    if (Double.isNaN(v)) {
                        continue;
                    }
                    sum += v;
                    max = Math.max(max, v);
                    if (v > 0) {
                        minPositive = Math.min(minPositive, v);
                    }
                }
                if (stacked) {
                    max = Math.max(max, sum);
                }
            }
            return of(minPositive, max, log);
        }

        /**
         * An axis over values up to {@code max}: log10 from the decade below {@code minPositive}
         * (the smallest value above zero, or infinity when there is none) to the decade above
         * {@code max}, or linear from 0 to a round step above {@code max}.
         */
        static Axis of(final double minPositive, final double max, final boolean log) {
            if (log) {
                final double lo = minPositive == Double.POSITIVE_INFINITY ? 1
                        : Math.pow(10, Math.floor(Math.log10(minPositive)));
                final double hi = Math.pow(10, Math.ceil(Math.log10(Math.max(max, lo * 10))));
                return new Axis(true, lo, hi == lo ? lo * 10 : hi);
            }
            return new Axis(false, 0, max <= 0 ? 1 : niceStep(max / 5) * Math.ceil(max / niceStep(max / 5)));
        }

        double floor() {
            return min;
        }

        double scale(final double v) {
            if (log) {
                return v <= min ? 0 : (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
            }
            return v / max;
        }

        List<Double> ticks() {
            final List<Double> ticks = new java.util.ArrayList<>();
            if (log) {
                for (double t = min; t <= max * 1.0001; t *= 10) {
                    ticks.add(t);
                }
            } else {
                final double step = niceStep(max / 5);
                for (double t = 0; t <= max * 1.0001; t += step) {
                    ticks.add(t);
                }
            }
            return ticks;
        }

        /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
        private static double niceStep(final double raw) {
            final double decade = Math.pow(10, Math.floor(Math.log10(raw)));
            for (final double m : new double[]{1, 2, 5, 10}) {
                if (m * decade >= raw) {
                    return m * decade;
                }
            }
            return 10 * decade;
        }

        static String label(final double v) {
            if (v >= 1e9) {
                return trim(v / 1e9) + "G";
            }
            if (v >= 1e6) {
                return trim(v / 1e6) + "M";
            }
            if (v >= 1e4) {
                return trim(v / 1e3) + "k";
            }
            return trim(v);
        }

        static String exact(final double v) {
            return trim(v);
        }

        private static String trim(final double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3f", v)
                    .replaceAll("0+$", "").replaceAll("\\.$", "");
        }
    }
}

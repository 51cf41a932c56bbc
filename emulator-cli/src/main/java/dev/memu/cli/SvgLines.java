package dev.memu.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Line charts as inline SVG text, in {@link SvgBars}' style (palette, fonts, grid, legend): one
 * line per series over a shared x axis, linear or log10 y axis, a marker with a {@code <title>}
 * tooltip of its exact value on every point. The x axis is linear with round ticks, or has the
 * caller's own ticks (a latency curve's "nines": 50%, 90%, 99%, 99.9%).
 *
 * <p>A point whose y is NaN (or not above zero on a log axis) is left out and breaks its line:
 * the line never pretends there was a value in between. Each series is one {@code <g
 * class="series">}, each unbroken run of points one {@code <polyline class="line">}.
 */
final class SvgLines {

    /** One series: its name (legend) and its points, {@code x[i]} with {@code y[i]}. */
    record Series(String name, double[] x, double[] y) {
        Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException(name + ": " + x.length + " x values for " + y.length + " y values");
            }
        }
    }

    /** A labelled tick on the x axis. */
    record Tick(double at, String label) {
    }

    private static final int LEFT = 72;
    private static final int RIGHT = 24;
    private static final int TOP = 34;
    private static final int PLOT_WIDTH = 560;
    private static final int PLOT_HEIGHT = 240;
    private static final int BOTTOM = 44;
    private static final int LEGEND_ROW = 18;
    /** Series past the palette's ten colours repeat a colour: their lines are dashed to tell them apart. */
    private static final String DASHED = " stroke-dasharray=\"6 3\"";

    private SvgLines() {
    }

    /**
     * @param xTicks the x axis's ticks, or null for round linear ticks over the points' range
     */
    static String chart(final String title, final String xLabel, final List<Tick> xTicks, final String yLabel,
                        final boolean logY, final List<Series> series) {
        final int width = LEFT + PLOT_WIDTH + RIGHT;
        final List<int[]> legend = SvgBars.legendPositions(series.stream().map(Series::name).toList(), LEFT, width);
        final int legendHeight = legend.isEmpty() ? 0 : (legend.getLast()[1] + 1) * LEGEND_ROW;
        final int plotTop = TOP + legendHeight;
        final int height = plotTop + PLOT_HEIGHT + BOTTOM;

        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMax = 0;
        double yMinPositive = Double.POSITIVE_INFINITY;
        for (final Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (!drawn(s.y()[i], logY) || Double.isNaN(s.x()[i])) {
                    continue;
                }
                xMin = Math.min(xMin, s.x()[i]);
                xMax = Math.max(xMax, s.x()[i]);
                yMax = Math.max(yMax, s.y()[i]);
                if (s.y()[i] > 0) {
                    yMinPositive = Math.min(yMinPositive, s.y()[i]);
                }
            }
        }
        final List<Tick> ticks = xTicks != null ? xTicks : linearTicks(xMin, xMax);
        if (!ticks.isEmpty()) {
            xMin = Math.min(xMin, ticks.getFirst().at());
            xMax = Math.max(xMax, ticks.getLast().at());
        }
        if (!(xMax > xMin)) {   // one point, or none: a unit range around it
            xMin = xMin == Double.POSITIVE_INFINITY ? 0 : xMin - 0.5;
            xMax = xMin + 1;
        }
        final SvgBars.Axis y = SvgBars.Axis.of(yMinPositive, yMax, logY);
        final double x0 = xMin;
        final double xSpan = xMax - xMin;

        final StringBuilder sb = new StringBuilder(8192);
        sb.append(String.format(Locale.ROOT, "<svg class=\"chart\" role=\"img\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" aria-label=\"%s\">%n", width, height, width, height, Html.escape(title)));
        sb.append("<title>").append(Html.escape(title)).append("</title>\n");
        SvgBars.text(sb, LEFT, 20, "start", "chart-title", title);
        for (int i = 0; i < series.size(); i++) {
            final int[] at = legend.get(i);
            final int ly = TOP + at[1] * LEGEND_ROW;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>",
                    at[0], ly - 9, SvgBars.color(i)));
            SvgBars.text(sb, at[0] + 14, ly, "start", "legend", series.get(i).name());
        }
        for (final double tick : y.ticks()) {
            final double py = plotTop + PLOT_HEIGHT - y.scale(tick) * PLOT_HEIGHT;
            sb.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>",
                    LEFT, LEFT + PLOT_WIDTH, py, py));
            SvgBars.text(sb, LEFT - 6, (int) Math.round(py + 4), "end", "tick", SvgBars.Axis.label(tick));
        }
        for (final Tick t : ticks) {
            final double px = LEFT + (t.at() - x0) / xSpan * PLOT_WIDTH;
            sb.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>",
                    px, px, plotTop, plotTop + PLOT_HEIGHT));
            SvgBars.text(sb, (int) Math.round(px), plotTop + PLOT_HEIGHT + 16, "middle", "tick", t.label());
        }
        sb.append(String.format(Locale.ROOT, "<text class=\"axis-label\" transform=\"translate(14 %d) rotate(-90)\" "
                + "text-anchor=\"middle\">%s</text>%n", plotTop + PLOT_HEIGHT / 2, Html.escape(yLabel)));
        SvgBars.text(sb, LEFT + PLOT_WIDTH / 2, plotTop + PLOT_HEIGHT + 36, "middle", "axis-label", xLabel);
        for (int s = 0; s < series.size(); s++) {
            final Series line = series.get(s);
            final String color = SvgBars.color(s);
            sb.append("<g class=\"series\" data-series=\"").append(Html.escape(line.name())).append("\">\n");
            final StringBuilder points = new StringBuilder();
            final StringBuilder markers = new StringBuilder();
            for (int i = 0; i <= line.x().length; i++) {
                final boolean last = i == line.x().length;
                if (last || !drawn(line.y()[i], logY) || Double.isNaN(line.x()[i])) {
                    if (!points.isEmpty()) {
                        sb.append("<polyline class=\"line\" fill=\"none\" stroke=\"").append(color)
                                .append("\" stroke-width=\"2\"").append(s >= SvgBars.PALETTE_SIZE ? DASHED : "")
                                .append(" points=\"").append(points).append("\"/>\n");
                        points.setLength(0);
                    }
                    continue;
                }
                final double px = LEFT + (line.x()[i] - x0) / xSpan * PLOT_WIDTH;
                final double py = plotTop + PLOT_HEIGHT - y.scale(line.y()[i]) * PLOT_HEIGHT;
                if (!points.isEmpty()) {
                    points.append(' ');
                }
                points.append(String.format(Locale.ROOT, "%.1f,%.1f", px, py));
                markers.append(String.format(Locale.ROOT, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
                        + "fill=\"%s\"><title>%s, %s: %s</title></circle>%n", px, py, color, Html.escape(line.name()),
                        Html.escape(xName(line.x()[i], xTicks)), SvgBars.Axis.exact(line.y()[i])));
            }
            sb.append(markers).append("</g>\n");
        }
        sb.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>"
                + "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>%n",
                LEFT, LEFT + PLOT_WIDTH, plotTop + PLOT_HEIGHT, plotTop + PLOT_HEIGHT, LEFT, LEFT, plotTop,
                plotTop + PLOT_HEIGHT));
        return sb.append("</svg>\n").toString();
    }

    private static boolean drawn(final double v, final boolean log) {
        return !Double.isNaN(v) && (!log || v > 0);
    }

    /** A point's x in its tooltip: the label of the caller's tick there, else the number. */
    private static String xName(final double x, final List<Tick> ticks) {
        if (ticks != null) {
            for (final Tick t : ticks) {
                if (t.at() == x) {
                    return t.label();
                }
            }
        }
        return SvgBars.Axis.exact(x);
    }

    /** Round ticks (1, 2 or 5 times a power of ten apart) from the first at or below {@code min} past {@code max}. */
    private static List<Tick> linearTicks(final double min, final double max) {
        final List<Tick> ticks = new ArrayList<>();
        if (min == Double.POSITIVE_INFINITY) {
            return ticks;
        }
        final double span = max > min ? max - min : Math.max(1, Math.abs(min));
        final double decade = Math.pow(10, Math.floor(Math.log10(span / 6)));
        double step = 10 * decade;
        for (final double m : new double[]{1, 2, 5}) {
            if (m * decade * 6 >= span) {
                step = m * decade;
                break;
            }
        }
        final double first = Math.floor(min / step) * step;
        for (double t = first; t <= max + step * 1e-9; t += step) {
            ticks.add(new Tick(t, SvgBars.Axis.label(t)));
        }
        if (ticks.size() == 1) {
            ticks.add(new Tick(first + step, SvgBars.Axis.label(first + step)));
        }
        return ticks;
    }

    /**
     * The "nines" of a percentile, {@code -log10(1 - p/100)}: 50% is 0.30, 90% is 1, 99% is 2,
     * 99.9% is 3; the x of a latency percentile curve, on which each nine gets the same width.
     */
    static double nines(final double percentile) {
        return -Math.log10(1 - percentile / 100);
    }
}

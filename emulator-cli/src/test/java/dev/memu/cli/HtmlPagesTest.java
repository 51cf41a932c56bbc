package dev.memu.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.memu.cli.HtmlReportTest.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTML pages of replay, rmap, bench llfree and the fragment workload, and {@code memu plot}
 * of their saved JSON: the charts are there, their series and points are the JSON's, and a saved
 * file renders the charts the command drew.
 */
class HtmlPagesTest {

    private static final String TRACE = CommandRun.coreResource("traces/real-6.18-small.trace");
    private static final String[] RMAP = {"--mem", "32M", "--procs", "2", "--ops", "300"};
    private static final String[] BENCH = {"--mem", "16M", "--rounds", "1", "--warmup", "0", "--no-fork",
            "--threads", "1"};

    @TempDir
    Path tmp;

    // ---- replay ----

    @Test
    void replayPageHasOneLinePerOrderThroughEverySnapshot() throws Exception {
        final Path json = tmp.resolve("replay.json");
        final Path html = tmp.resolve("replay.html");
        for (final String[] f : List.of(new String[]{"json", json.toString()}, new String[]{"html", html.toString()})) {
            final CommandRun r = CommandRun.run(new ReplayCommand(), "--layout", "linux64,memdesc8", "--snapshots",
                    "6", "--format", f[0], "--out", f[1], TRACE);
            assertEquals(0, r.exit(), r.err());
        }
        final Map<?, ?> replay = (Map<?, ?>) ((List<?>) Json.at(Json.parse(Files.readString(json)), "replays")).getFirst();
        final List<?> snapshots = (List<?>) replay.get("freeBlocksByOrder");
        assertEquals(6, snapshots.size());
        final String page = Files.readString(html);
        assertSelfContained(page);
        assertEquals(3, count(page, "<svg class=\"chart\""), page);
        final String lines = svg(page, "Free blocks by order over the replay (linux64");
        // one series per order that had a free block in some snapshot, each through all 6 snapshots
        final List<Integer> orders = new ArrayList<>();
        for (int o = 0; o < ((List<?>) Json.at(snapshots.getFirst(), "blocks")).size(); o++) {
            for (final Object s : snapshots) {
                if (((Number) ((List<?>) Json.at(s, "blocks")).get(o)).longValue() > 0) {
                    orders.add(o);
                    break;
                }
            }
        }
        assertFalse(orders.isEmpty());
        assertEquals(orders.size(), count(lines, "<g class=\"series\""), lines);
        for (final int o : orders) {
            assertTrue(lines.contains("data-series=\"order " + o + "\""), "order " + o);
        }
        // the last snapshot's order-0 count, at its event, as the point's tooltip
        final Object last = snapshots.getLast();
        final String tooltip = "<title>order 0, " + Json.at(last, "afterEvent") + ": "
                + ((List<?>) Json.at(last, "blocks")).getFirst() + "</title>";
        assertTrue(lines.contains(tooltip), tooltip + " in " + lines);
        // both layouts' cachelines, and the text report under the charts
        final String bars = svg(page, "Cachelines per op");
        assertTrue(bars.contains(">linux64</text>") && bars.contains(">memdesc8</text>"), bars);
        assertTrue(page.contains("<pre>memu replay "), page);
    }

    @Test
    void plotOfSavedReplayJsonDrawsTheCommandsCharts() throws Exception {
        final Path json = tmp.resolve("r.json");
        final Path html = tmp.resolve("r.html");
        assertEquals(0, CommandRun.run(new ReplayCommand(), "--format", "json", "--out", json.toString(), TRACE).exit());
        assertEquals(0, CommandRun.run(new ReplayCommand(), "--format", "html", "--out", html.toString(), TRACE).exit());
        final Path plot = tmp.resolve("plot.html");
        final Cli cli = Cli.run("plot", json.toString(), "--out", plot.toString());
        assertEquals(0, cli.exit(), cli.err());
        assertEquals(charts(Files.readString(html)), charts(Files.readString(plot)));
        assertTrue(Files.readString(plot).contains("&quot;replays&quot;"), "the saved JSON as the exact figures");
    }

    // ---- rmap ----

    @Test
    void rmapPageScoresEverySchemeButExact() throws Exception {
        final Path json = tmp.resolve("rmap.json");
        final Path html = tmp.resolve("rmap.html");
        assertEquals(0, Cli.run(with(RMAP, "rmap", "--workload", "mixed", "--format", "json", "--out", json.toString()))
                .exit());
        final Cli cli = Cli.run(with(RMAP, "rmap", "--workload", "mixed", "--format", "html", "--out", html.toString()));
        assertEquals(0, cli.exit(), cli.err());
        final String page = Files.readString(html);
        assertSelfContained(page);
        final String consumers = svg(page, "Wrong consumer decisions vs exact");
        final String queries = svg(page, "Query answers that differ from exact");
        final String lines = svg(page, "Scheme cachelines per operation");
        assertTrue(page.contains("aria-label=\"/proc figures"), page);
        final List<?> results = (List<?>) Json.at(Json.parse(Files.readString(json)), "results");
        int scored = 0;
        for (final Object r : results) {
            final String scheme = (String) Json.at(r, "scheme");
            if (!Boolean.TRUE.equals(Json.at(r, "supported"))) {
                continue;
            }
            final boolean exact = scheme.equals("exact");
            assertEquals(!exact, consumers.contains(">" + scheme + "</text>"), scheme);
            assertEquals(!exact, queries.contains(">" + scheme + "</text>"), scheme);
            assertTrue(lines.contains(">" + scheme + "</text>"), scheme);
            scored += exact ? 0 : 1;
            // each wrong decision rate is drawn as the JSON has it (a 0% draws no bar)
            for (final Object c : (List<?>) Json.at(r, "consumers")) {
                final double wrong = ((Number) Json.at(c, "wrong")).doubleValue();
                final double decisions = ((Number) Json.at(c, "decisions")).doubleValue();
                if (!exact && wrong > 0) {
                    final String title = scheme + ", " + Json.at(c, "consumer") + ": "
                            + SvgBars.Axis.exact(100 * wrong / decisions) + "</title>";
                    assertTrue(consumers.contains(title), title + " in " + consumers);
                }
            }
        }
        assertTrue(scored >= 4, "schemes scored: " + scored);
        assertTrue(page.contains("<pre>rmap mixed: "), page);
        final Path plot = tmp.resolve("plot.html");
        assertEquals(0, Cli.run("plot", json.toString(), "--out", plot.toString()).exit());
        assertEquals(charts(page), charts(Files.readString(plot)));
    }

    // ---- bench ----

    @Test
    void benchPageHasABarPerRowAndPhaseWithItsNs() throws Exception {
        final Path json = tmp.resolve("bench.json");
        assertEquals(0, Cli.run(with(BENCH, "bench", "llfree", "--allocator", "buddy,potad", "--format", "json",
                "--out", json.toString())).exit());
        final Path plot = tmp.resolve("plot.html");
        final Cli cli = Cli.run("plot", json.toString(), "--out", plot.toString());
        assertEquals(0, cli.exit(), cli.err());
        final String page = Files.readString(plot);
        assertSelfContained(page);
        final String chart = svg(page, "ns per op");
        // bulk and rand time get and put, repeat the pair: 5 categories, one bar per allocator in each
        assertEquals(10, count(chart, "<rect class=\"bar\""), chart);
        for (final String category : List.of("bulk get o0 T1", "bulk put o0 T1", "repeat pair o0 T1", "rand get o0 T1",
                "rand put o0 T1")) {
            assertTrue(chart.contains(">" + category + "</text>"), category);
        }
        for (final Object row : (List<?>) Json.at(Json.parse(Files.readString(json)), "results")) {
            final String phase = "repeat".equals(Json.at(row, "shape")) ? "pair" : "get";
            final String title = Json.at(row, "shape") + " " + phase + " o0 T1, " + Json.at(row, "allocator")
                    + "/memdesc8: " + SvgBars.Axis.exact(Json.number(row, phase + "Ns")) + "</title>";
            assertTrue(chart.contains(title), title + " in " + chart);
        }
        // the text table rebuilt from the rows
        assertTrue(page.contains("<pre>shape   allocator"), page);
        assertEquals(2, count(page, "\nrepeat  "), page);
    }

    @Test
    void benchAsHtml() {
        final Cli cli = Cli.run(with(BENCH, "bench", "llfree", "--shape", "bulk", "--format", "html"));
        assertEquals(0, cli.exit(), cli.err());
        assertEquals(1, count(cli.out(), "<svg class=\"chart\""), cli.out());
        assertEquals(2, count(cli.out(), "<rect class=\"bar\""), cli.out());
        assertTrue(cli.out().contains("<h2>memu bench llfree</h2>"), cli.out());
    }

    // ---- fragment ----

    @Test
    void fragmentRecordsFreeBlocksAfterFillFreesAndEachEighthOfTheProbes() {
        final Cli cli = Cli.run(Cli.small("run", "--workload", "fragment", "--layout", "memdesc8", "--allocator",
                "buddy", "--format", "json"));
        assertEquals(0, cli.exit(), cli.err());
        final Map<?, ?> r = (Map<?, ?>) ((List<?>) Json.at(Json.parse(cli.out()), "results")).getFirst();
        assertEquals("counting", Json.at(r, "freeBlocksOverTime.pass"));
        final List<?> points = (List<?>) Json.at(r, "freeBlocksOverTime.points");
        final List<String> names = new ArrayList<>(List.of("filled", "freed"));
        for (int k = 1; k <= 8; k++) {
            names.add("probes " + k + "/8");
        }
        assertEquals(names, points.stream().map(p -> Json.at(p, "after")).toList());
        assertEquals(0L, Json.at(points.get(1), "probeAttempts"), "no probe before the frees end");
        // one thread: the counting pass ran the timed pass's ops, so its last point is the end state
        assertEquals(r.get("freeBlocksByOrder"), Json.at(points.getLast(), "blocks"));
        assertEquals(Json.at(r, "highOrder.attempts"), Json.at(points.getLast(), "probeAttempts"));
        assertEquals(Json.at(r, "highOrder.successes"), Json.at(points.getLast(), "probeSuccesses"));
        // the random frees made free blocks: more after them than after the fill
        assertTrue(sum(Json.at(points.get(1), "blocks")) > sum(Json.at(points.getFirst(), "blocks")), points.toString());
        long previous = -1;
        for (final Object p : points.subList(2, points.size())) {
            final long attempts = ((Number) Json.at(p, "probeAttempts")).longValue();
            assertTrue(attempts >= previous, points.toString());
            previous = attempts;
        }
        // the text report lists the points, the last with all probes made
        final Cli text = Cli.run(Cli.small("run", "--workload", "fragment", "--layout", "memdesc8", "--allocator",
                "buddy"));
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("free blocks by order over the run (counting pass"), text.out());
        final String attempts = Json.at(r, "highOrder.attempts").toString();
        assertTrue(Pattern.compile("after probes 8/8 +" + Json.at(r, "highOrder.successes") + "/" + attempts + " ")
                .matcher(text.out()).find(), text.out());
        // CSV leaves the table of points out
        final Cli csv = Cli.run(Cli.small("run", "--workload", "fragment", "--format", "csv"));
        assertEquals(0, csv.exit(), csv.err());
        assertFalse(csv.out().contains("freeBlocksOverTime"), csv.out());
    }

    @Test
    void fragmentCompareChartsEachConfigurationsPoints() {
        final Cli cli = Cli.run(Cli.small("compare", "--no-fork", "--workload", "fragment", "--layouts", "memdesc8",
                "--allocators", "buddy,potad", "--format", "html"));
        assertEquals(0, cli.exit(), cli.err());
        for (final String label : List.of("memdesc8 buddy t1", "memdesc8 potad t1")) {
            final String chart = svg(cli.out(), "Free blocks by order over the run (" + label);
            assertTrue(chart.contains(">filled</text>") && chart.contains(">freed</text>")
                    && chart.contains(">8/8</text>"), chart);
            final Matcher series = Pattern.compile("<g class=\"series\".*?</g>", Pattern.DOTALL).matcher(chart);
            int most = 0;
            while (series.find()) {
                // a point per step (filled, freed, 8 probe checkpoints) where the order has a free block
                final int points = count(series.group(), "<circle class=\"point\"");
                assertTrue(points <= 10, series.group());
                most = Math.max(most, points);
            }
            assertEquals(10, most, chart);
        }
    }

    // ---- latency curves ----

    @Test
    void latencyCurvesHaveALinePerResultThroughItsPercentiles() throws Exception {
        final Path json = tmp.resolve("c.json");
        assertEquals(0, Cli.run(Cli.small("compare", "--no-fork", "--layouts", "memdesc8,linux64", "--allocators",
                "buddy", "--format", "json", "--out", json.toString())).exit());
        final Cli cli = Cli.run("plot", json.toString());
        assertEquals(0, cli.exit(), cli.err());
        final String chart = svg(cli.out(), "Latency of alloc (ns, log scale): percentile curves");
        assertEquals(2, count(chart, "<g class=\"series\""), chart);
        for (final Object r : (List<?>) Json.at(Json.parse(Files.readString(json)), "results")) {
            final String label = Json.at(r, "layout") + " buddy t1";
            for (final String[] p : List.of(new String[]{"p50", "p50"}, new String[]{"p99", "p99"},
                    new String[]{"p999", "p99.9"}, new String[]{"max", "max"})) {
                final String title = "<title>" + label + ", " + p[1] + ": " + Json.at(r, "latencyNs.alloc." + p[0])
                        + "</title>";
                assertTrue(chart.contains(title), title + " in " + chart);
            }
        }
    }

    // ---- plot ----

    @Test
    void plotRefusesToMixKindsAndWritesNothing() throws Exception {
        final Path replay = tmp.resolve("replay.json");
        final Path run = tmp.resolve("run.json");
        assertEquals(0, CommandRun.run(new ReplayCommand(), "--format", "json", "--out", replay.toString(), TRACE).exit());
        assertEquals(0, Cli.run(Cli.small("run", "--format", "json", "--out", run.toString())).exit());
        final Path out = tmp.resolve("out.html");
        final Cli cli = Cli.run("plot", run.toString(), replay.toString(), "--out", out.toString());
        assertEquals(2, cli.exit(), cli.err());
        assertEquals(1, cli.errLines(), cli.err());
        assertTrue(cli.err().contains(replay.toString()) && cli.err().contains("one kind"), cli.err());
        assertFalse(Files.exists(out));
    }

    // ---- SvgLines ----

    @Test
    void aMissingValueBreaksTheLineAndALogAxisSkipsZero() {
        final String svg = SvgLines.chart("t", "x", null, "y", true, List.of(
                new SvgLines.Series("a", new double[]{0, 1, 2, 3, 4}, new double[]{10, Double.NaN, 100, 0, 1000}),
                new SvgLines.Series("b<c", new double[]{0, 4}, new double[]{5, 50})));
        assertEquals(2, count(svg, "<g class=\"series\""), svg);
        // a: 10 | 100 | 1000, three runs of one point each; b: one run of two
        assertEquals(4, count(svg, "<polyline class=\"line\""), svg);
        assertEquals(5, count(svg, "<circle class=\"point\""), svg);
        assertTrue(svg.contains("<title>a, 4: 1000</title>") && svg.contains("data-series=\"b&lt;c\""), svg);
        for (final String tick : List.of(">1</text>", ">10</text>", ">100</text>", ">1000</text>")) {
            assertTrue(svg.contains(tick), tick);
        }
    }

    @Test
    void callersTicksNameThePoints() {
        final List<SvgLines.Tick> nines = List.of(new SvgLines.Tick(SvgLines.nines(50), "50%"),
                new SvgLines.Tick(SvgLines.nines(99), "99%"), new SvgLines.Tick(SvgLines.nines(99.9), "99.9%"));
        final String svg = SvgLines.chart("t", "percentile", nines, "ns", false, List.of(new SvgLines.Series("alloc",
                new double[]{SvgLines.nines(50), SvgLines.nines(99), SvgLines.nines(99.9)}, new double[]{100, 200, 400})));
        assertTrue(svg.contains("<title>alloc, 99%: 200</title>"), svg);
        assertEquals(2.0, SvgLines.nines(99), 1e-9);
        // points evenly apart in nines: 50% at 0.30, 99% at 2, 99.9% at 3
        final Matcher m = Pattern.compile("<circle class=\"point\" cx=\"([\\d.]+)\"").matcher(svg);
        final List<Double> xs = new ArrayList<>();
        while (m.find()) {
            xs.add(Double.parseDouble(m.group(1)));
        }
        assertEquals(3, xs.size());
        assertEquals((xs.get(2) - xs.get(1)) * (2 - SvgLines.nines(50)), xs.get(1) - xs.getFirst(), 0.2);
    }

    // ---- helpers ----

    private static void assertSelfContained(final String page) {
        assertTrue(page.startsWith("<!DOCTYPE html>\n") && page.endsWith("</html>\n"), page);
        assertEquals(count(page, "<svg "), count(page, "</svg>"));
        for (final String outside : List.of("http:", "https:", "<script", "src=", "href=", "url(", "@import")) {
            assertFalse(page.contains(outside), outside);
        }
    }

    /** The one chart whose label starts with {@code title}. */
    private static String svg(final String page, final String title) {
        final int at = page.indexOf("aria-label=\"" + Html.escape(title));
        assertTrue(at >= 0, "no chart '" + title + "' in " + page);
        final int start = page.lastIndexOf("<svg ", at);
        return page.substring(start, page.indexOf("</svg>", at) + 6);
    }

    /** All charts of a page, in order. */
    private static List<String> charts(final String page) {
        final List<String> out = new ArrayList<>();
        for (int i = page.indexOf("<svg "); i >= 0; i = page.indexOf("<svg ", i + 1)) {
            out.add(page.substring(i, page.indexOf("</svg>", i) + 6));
        }
        return out;
    }

    private static long sum(final Object list) {
        long s = 0;
        for (final Object o : (List<?>) list) {
            s += ((Number) o).longValue();
        }
        return s;
    }

    private static String[] with(final String[] tail, final String... head) {
        final String[] all = new String[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}

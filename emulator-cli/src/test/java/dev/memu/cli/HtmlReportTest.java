package dev.memu.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTML report's structure: one self-contained page, the charts there when their data is. */
class HtmlReportTest {

    private static final List<String> CHARTS = List.of("Bytes per page by region", "Cachelines per op",
            "Latency of alloc", "Latency of free", "Free blocks by order");

    @Test
    void compareAsHtmlIsOneSelfContainedPageWithEveryChart() {
        final Cli cli = Cli.run(Cli.small("compare", "--no-fork", "--layouts", "memdesc8,linux64",
                "--allocators", "potad,buddy", "--format", "html"));
        assertEquals(0, cli.exit(), cli.err());
        final String page = cli.out();
        assertTrue(page.startsWith("<!DOCTYPE html>\n") && page.endsWith("</html>\n"), page);
        assertEquals(CHARTS.size(), count(page, "<svg class=\"chart\""));
        assertEquals(count(page, "<svg "), count(page, "</svg>"));
        for (final String chart : CHARTS) {
            assertTrue(page.contains("aria-label=\"" + chart), chart);
        }
        for (final String label : List.of("memdesc8 potad t1", "memdesc8 buddy t1", "linux64 potad t1",
                "linux64 buddy t1")) {
            assertTrue(page.contains(">" + label + "</text>"), label);
        }
        // nothing fetched, nothing run: no URL, no script, no external stylesheet or image
        for (final String outside : List.of("http:", "https:", "<script", "src=", "href=", "url(", "@import")) {
            assertFalse(page.contains(outside), outside);
        }
        // the text report for the exact figures, escaped
        assertTrue(page.contains("<pre>memu compare: churn workload"), page);
        // linux64's stacked memmap bar is 64 B/page tall: its tooltip carries the exact value
        assertTrue(page.contains("linux64 potad t1, memmap: 64</title>"), page);
    }

    @Test
    void runAsHtmlHasTheSameCharts() {
        final Cli cli = Cli.run(Cli.small("run", "--layout", "memdesc16", "--allocator", "potad", "--format", "html"));
        assertEquals(0, cli.exit(), cli.err());
        assertEquals(CHARTS.size(), count(cli.out(), "<svg class=\"chart\""));
        assertTrue(cli.out().contains("<h2>memu run</h2>"), cli.out());
    }

    @Test
    void plotPutsSeveralSavedResultsSideBySide(@TempDir final Path dir) throws Exception {
        final Path a = dir.resolve("a.json");
        final Path b = dir.resolve("b.json");
        assertEquals(0, Cli.run(Cli.small("run", "--layout", "memdesc8", "--allocator", "potad", "--format", "json",
                "--out", a.toString())).exit());
        assertEquals(0, Cli.run(Cli.small("compare", "--no-fork", "--layouts", "memdesc32", "--allocators", "buddy",
                "--format", "json", "--out", b.toString())).exit());
        final Path html = dir.resolve("plot.html");
        final Cli cli = Cli.run("plot", a.toString(), b.toString(), "--out", html.toString());
        assertEquals(0, cli.exit(), cli.err());
        final String page = Files.readString(html);
        assertTrue(page.contains(">a.json: memdesc8 potad t1</text>"), page);
        assertTrue(page.contains(">b.json: memdesc32 buddy t1</text>"), page);
        assertTrue(page.contains("<h2>a.json</h2>") && page.contains("<h2>b.json</h2>"), page);
        assertEquals(CHARTS.size(), count(page, "<svg class=\"chart\""));
        // free blocks by order: one series per result, in the legend
        assertTrue(page.contains("<text class=\"legend\"") && page.contains(">b.json: memdesc32 buddy t1</text>"));
    }

    @Test
    void plotRejectsWhatIsNotAResultAndWritesNothing(@TempDir final Path dir) throws Exception {
        final Path layouts = dir.resolve("layouts.json");
        Files.writeString(layouts, Json.write(java.util.Map.of("layouts", List.of())));
        final Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"config\": {");
        final Path out = dir.resolve("out.html");
        for (final String[] args : List.of(
                new String[]{"plot", layouts.toString(), "--out", out.toString()},
                new String[]{"plot", broken.toString(), "--out", out.toString()},
                new String[]{"plot", dir.resolve("missing.json").toString(), "--out", out.toString()})) {
            final Cli cli = Cli.run(args);
            assertEquals(2, cli.exit(), cli.err());
            assertEquals(1, cli.err().lines().count(), cli.err());
            assertTrue(cli.err().contains(args[1]), cli.err());
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void aLogAxisSpansWholeDecadesAndDrawsNoBarForZero() {
        final String svg = SvgBars.chart("t", "ns", List.of("a<b", "c"),
                List.of(new SvgBars.Series("p50", new double[]{150, 0}), new SvgBars.Series("max", new double[]{24_000, 9})),
                false, true);
        assertEquals(3, count(svg, "<rect class=\"bar\""), svg); // the 0 has no bar on a log axis
        for (final String tick : List.of(">1</text>", ">10</text>", ">100</text>", ">1000</text>", ">10k</text>",
                ">100k</text>")) {
            assertTrue(svg.contains(tick), tick + " in " + svg);
        }
        assertTrue(svg.contains(">a&lt;b</text>") && !svg.contains("a<b"), svg);
    }

    @Test
    void stackedBarsSitOnEachOther() {
        final String svg = SvgBars.chart("t", "B", List.of("x"),
                List.of(new SvgBars.Series("memmap", new double[]{8}), new SvgBars.Series("alloc", new double[]{2})),
                true, false);
        // linear axis 0..10 over 240 px: memmap from 240 down to 48 px, alloc above it to 0
        final Matcher m = Pattern.compile("<rect class=\"bar\" x=\"\\d+\" y=\"([\\d.]+)\" width=\"\\d+\" height=\"([\\d.]+)\"")
                .matcher(svg);
        assertTrue(m.find());
        final double memmapTop = Double.parseDouble(m.group(1));
        assertEquals(192.0, Double.parseDouble(m.group(2)), 0.01);
        assertTrue(m.find());
        assertEquals(48.0, Double.parseDouble(m.group(2)), 0.01);
        assertEquals(memmapTop, Double.parseDouble(m.group(1)) + 48.0, 0.01);
    }

    static int count(final String text, final String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}

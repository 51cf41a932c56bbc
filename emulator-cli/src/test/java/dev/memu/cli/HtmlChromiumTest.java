package dev.memu.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code memu compare --format html} (and the replay, rmap, bench and fragment pages) opened in a real browser: headless Chromium (Debian's
 * package) renders the page through {@code scripts/check-html.sh}, which finds the SVG charts in
 * the DOM Chromium built and takes a screenshot. Runs only where {@code /usr/bin/chromium} is
 * installed.
 */
class HtmlChromiumTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path SCRIPT = Path.of("..", "scripts", "check-html.sh");
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G'};

    @Test
    void chromiumRendersEveryChart(@TempDir final Path dir) throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + " (apt-get install chromium)");
        final Path page = dir.resolve("compare.html");
        final Cli cli = Cli.run(Cli.small("compare", "--no-fork", "--layouts", "memdesc8,memdesc16",
                "--allocators", "potad,buddy", "--format", "html", "--out", page.toString()));
        assertEquals(0, cli.exit(), cli.err());
        final Path shot = dir.resolve("compare.png");
        checkedInChromium(5, page.toString(), shot.toString());
        final byte[] png = Files.readAllBytes(shot);
        assertTrue(png.length > 10_000, "screenshot of " + png.length + " bytes");
        assertArrayEquals(PNG, java.util.Arrays.copyOf(png, 4));
    }

    /**
     * Runs the check script on a page ({@code args}: the page, then optionally where to put a
     * screenshot), asks for at least {@code charts} charts, checks that it passed and counted
     * exactly that many, and returns what it printed.
     */
    private static String checkedInChromium(final int charts, final String... args) throws Exception {
        final java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("bash", SCRIPT.toString()));
        command.addAll(java.util.List.of(args));
        final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("MIN_CHARTS", Integer.toString(charts));
        pb.environment().put("CHROMIUM", CHROMIUM.toString());
        final Process p = pb.start();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), output);
        assertFalse(p.isAlive());
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains(": " + charts + " SVG charts, "), output);
        return output;
    }

    /** The other pages: Chromium builds every chart, with its bars and its lines where it has them. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "replay;3;true", "rmap;4;false", "bench;1;false", "fragment;6;true"})
    void chromiumRendersTheOtherPages(final String page, final int charts, final boolean lines,
                                      @TempDir final Path dir) throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + " (apt-get install chromium)");
        final Path html = dir.resolve(page + ".html");
        final int exit = switch (page) {
            case "replay" -> CommandRun.run(new ReplayCommand(), "--layout", "linux64,memdesc8", "--format", "html",
                    "--out", html.toString(), CommandRun.coreResource("traces/real-6.18-small.trace")).exit();
            case "rmap" -> Cli.run("rmap", "--mem", "32M", "--procs", "2", "--ops", "300", "--format", "html",
                    "--out", html.toString()).exit();
            case "bench" -> Cli.run("bench", "llfree", "--no-fork", "--mem", "16M", "--rounds", "1", "--warmup", "0",
                    "--threads", "1", "--format", "html", "--out", html.toString()).exit();
            default -> Cli.run(Cli.small("compare", "--no-fork", "--workload", "fragment", "--layouts", "memdesc8",
                    "--allocators", "buddy,potad", "--format", "html", "--out", html.toString())).exit();
        };
        assertEquals(0, exit, page);
        final String output = checkedInChromium(charts, html.toString());
        assertEquals(lines, !output.contains(" bars, 0 lines "), output);
    }
}

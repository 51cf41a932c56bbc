package dev.memu.cli;

import dev.memu.driver.ProgressListener;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleProgressTest {

    @Test
    void ttyRewritesOneLineAndClearsItWhenThePassEnds() {
        final StringWriter sw = new StringWriter();
        final ProgressListener p = ConsoleProgress.of("tty", new PrintWriter(sw));
        p.progress("memdesc8/buddy/1t timed", 2_000_000, 4_000_000, 3.5e6);
        p.progress("memdesc8/buddy/1t timed", 3_000_000, 4_000_000, 3.5e6);
        p.passDone("memdesc8/buddy/1t timed");
        final String out = sw.toString();
        assertFalse(out.contains("\n"), "a terminal gets no new lines: " + out);
        assertTrue(out.startsWith("\rmemu: memdesc8/buddy/1t timed: 2,000,000 of ~4,000,000 ops (50%), 3.50 Mops/s"), out);
        assertTrue(out.endsWith("\r"), "the line is blanked at the end");
    }

    @Test
    void linesModePrintsPlainLinesAndOffPrintsNothing() {
        final StringWriter sw = new StringWriter();
        final ProgressListener p = ConsoleProgress.of("lines", new PrintWriter(sw));
        p.progress("x", 1, 2, 1e6);
        p.passDone("x");
        assertEquals("memu: x: 1 of ~2 ops (50%), 1.00 Mops/s" + System.lineSeparator(), sw.toString());
        assertSame(ProgressListener.NONE, ConsoleProgress.of("off", new PrintWriter(sw)));
    }
}

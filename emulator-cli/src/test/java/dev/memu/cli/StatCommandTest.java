package dev.memu.cli;

import dev.memu.stat.CountersFile;
import dev.memu.stat.Phase;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatCommandTest {

    @TempDir
    Path dir;

    @Test
    void onceListsEveryCounterWithItsLabelAndValue() {
        final Path path = dir.resolve("a.counters");
        try (CountersFile file = CountersFile.create(path, "memdesc8/buddy/1t")) {
            file.phase(Phase.MEASURED);
            file.timed(123_456, 1000, 999, 7);
            file.freeBlocks(4242, new long[]{5, 6, 7});
            final Cli text = Cli.run("stat", "--once", path.toString());
            assertEquals(0, text.exit(), text.err());
            assertTrue(text.out().startsWith("memu pid " + ProcessHandle.current().pid()
                    + ", memdesc8/buddy/1t, phase measured\n"), text.out());
            assertTrue(text.out().contains("             123,456 - ops done, timed pass (setup included)\n"), text.out());
            assertTrue(text.out().contains("                   7 - measured allocs that found no free block"), text.out());
            assertTrue(text.out().contains("                   6 - free blocks of order 1\n"), text.out());
            final Cli json = Cli.run("stat", "--once", "--format", "json", path.toString());
            assertEquals(0, json.exit(), json.err());
            final Object tree = Json.parse(json.out());
            assertEquals("measured", Json.at(tree, "phase"));
            assertEquals(123_456L, Json.at(tree, "counters.ops"));
            assertEquals(4242L, Json.at(tree, "counters.freePages"));
            assertEquals(java.util.List.of(5L, 6L, 7L), Json.at(tree, "counters.freeBlocksByOrder"));
        }
        assertFalse(Files.exists(path));
    }

    @Test
    void followingAFinishedRunPrintsOneLineAndExits() {
        final Path path = dir.resolve("b.counters");
        try (CountersFile file = CountersFile.create(path, "x")) {
            file.timed(10, 4, 3, 0);
            file.done();
            final Cli c = Cli.run("stat", "--interval", "0.01", path.toString());
            assertEquals(0, c.exit(), c.err());
            final String[] lines = c.out().split("\n");
            assertEquals(3, lines.length, c.out());
            assertTrue(lines[2].contains(" done "), lines[2]);
        }
    }

    @Test
    void badInputIsOneLineAndExit2() throws Exception {
        final Path notCounters = Files.writeString(dir.resolve("notes.txt"), "hello ".repeat(100));
        final Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        assertFalse(gone.isAlive());
        for (final String[] args : new String[][]{
                {"stat", "--pid", Long.toString(gone.pid())},
                {"stat", "--pid", "abc"},
                {"stat", "--once", notCounters.toString()},
                {"stat", "--once", dir.resolve("missing").toString()},
                {"stat", "--once", dir.toString()},
                {"stat", "--interval", "0", notCounters.toString()},
                {"stat", "--interval", "x", notCounters.toString()},
                {"stat", "--format", "xml", "--once", notCounters.toString()}}) {
            final Cli c = Cli.run(args);
            assertEquals(2, c.exit(), String.join(" ", args) + ": " + c.err());
            assertEquals(1, c.errLines(), c.err());
            assertTrue(c.err().startsWith("memu: "), c.err());
            assertEquals("", c.out());
        }
    }

    @Test
    void runRefusesCountersAndHistogramLogPathsItCannotUse() throws Exception {
        final Path text = Files.writeString(dir.resolve("keep.txt"), "precious");
        for (final String[] args : new String[][]{
                {"run", "--counters", dir.toString()},
                {"run", "--counters", dir.resolve("no/such/dir/c").toString()},
                {"run", "--counters", text.toString()},
                {"run", "--counters", "none", "--histogram-log", dir.toString()},
                {"run", "--counters", "none", "--histogram-log", dir.resolve("no/such/dir/h.hlog").toString()}}) {
            final Cli c = Cli.run(Cli.small(args));
            assertEquals(2, c.exit(), String.join(" ", args) + ": " + c.err());
            assertEquals(1, c.errLines(), c.err());
            assertEquals("", c.out());
        }
        assertEquals("precious", Files.readString(text));
        assertTrue(Files.isDirectory(dir));
    }

    @Test
    void histogramLogTotalsAreTheRunsSampledLatencyCounts() throws Exception {
        final Path log = dir.resolve("run.hlog");
        final Path counters = dir.resolve("run.counters");
        final Cli c = Cli.run("run", "--mem", "64M", "--ops", "40k", "--progress", "off", "--format", "json",
                "--counters", counters.toString(), "--histogram-log", log.toString());
        assertEquals(0, c.exit(), c.err());
        assertFalse(Files.exists(counters), "the counters file is removed when the run ends");
        final Object result = ((java.util.List<?>) Json.at(Json.parse(c.out()), "results")).getFirst();
        final Map<String, Long> counts = new HashMap<>();
        try (var in = Files.newInputStream(log)) {
            final HistogramLogReader reader = new HistogramLogReader(in);
            for (EncodableHistogram h = reader.nextIntervalHistogram(); h != null; h = reader.nextIntervalHistogram()) {
                counts.merge(h.getTag(), ((org.HdrHistogram.Histogram) h).getTotalCount(), Long::sum);
            }
        }
        assertEquals(java.util.Set.of("alloc", "free"), counts.keySet());
        assertEquals(Json.at(result, "latencyNs.alloc.count"), counts.get("alloc"));
        assertEquals(Json.at(result, "latencyNs.free.count"), counts.get("free"));
    }

    /** SIGTERM ends a run through the shutdown hooks: its counters file goes with it. */
    @Test
    void aTerminatedRunLeavesNoCountersFile() throws Exception {
        final Path out = dir.resolve("term.log");
        final Process child = MemuProcess.memu(out, "run", "--mem", "64M", "--ops", "1000000000", "--progress", "off");
        try {
            Optional<Path> file = Optional.empty();
            for (int poll = 0; poll < 600 && file.isEmpty() && child.isAlive(); poll++) {
                file = dev.memu.stat.CountersFileReader.ofPid(child.pid());
                if (file.isEmpty()) {
                    Thread.sleep(50);
                }
            }
            assertTrue(file.isPresent(), "the run publishes its counters: " + Files.readString(out));
            MemuProcess.signal(child, "TERM");
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the run ends on SIGTERM");
            assertFalse(child.isAlive());
            assertFalse(Files.exists(file.get()), "the shutdown hook removed " + file.get());
        } finally {
            child.destroyForcibly();
        }
    }

    /** A real run in its own JVM, read by 'memu stat --pid' while it goes; its file is gone once it exits. */
    @Test
    void statReadsALiveRunInAnotherProcess() throws Exception {
        final Path out = dir.resolve("child.log");
        final Process child = MemuProcess.memu(out, "run", "--mem", "64M", "--ops", "3M", "--progress", "off",
                "--format", "json");
        try {
            Optional<Path> file = Optional.empty();
            for (int poll = 0; poll < 600 && file.isEmpty() && child.isAlive(); poll++) {
                file = dev.memu.stat.CountersFileReader.ofPid(child.pid());
                if (file.isEmpty()) {
                    Thread.sleep(50);
                }
            }
            org.junit.jupiter.api.Assumptions.assumeTrue(file.isPresent(),
                    "the child ended before its counters were seen: " + Files.readString(out));
            final Cli once = Cli.run("stat", "--once", "--format", "json", "--pid", Long.toString(child.pid()));
            assertEquals(0, once.exit(), once.err());
            assertEquals(child.pid(), Json.at(Json.parse(once.out()), "pid"));
            assertEquals("memdesc8/buddy/1t", Json.at(Json.parse(once.out()), "run"));
            final Cli follow = Cli.run("stat", "--interval", "0.05", "--pid", Long.toString(child.pid()));
            assertEquals(0, follow.exit(), follow.err());
            final String[] lines = follow.out().split("\n");
            assertTrue(lines[0].startsWith("memu pid " + child.pid() + ", memdesc8/buddy/1t, "), follow.out());
            assertTrue(lines.length >= 3, follow.out());
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child run ends");
            assertEquals(0, child.exitValue(), Files.readString(out));
            assertFalse(Files.exists(file.get()), "the counters file is gone after the run");
            assertTrue(lines[lines.length - 1].contains(" done ") || lines[lines.length - 1].contains(" counting "),
                    follow.out());
        } finally {
            child.destroyForcibly();
        }
    }
}

package dev.memu.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code memu bench llfree} in-process on a 16 MiB machine with one round: shape and errors, never times. */
class BenchCommandTest {

    /** 4096 frames: with T_max = 2 each thread's order-0 share is 4096 / 2 / 2 = 1024 blocks. */
    private static final String[] SMALL = {"--mem", "16M", "--rounds", "1", "--warmup", "0", "--no-fork"};

    @TempDir
    Path tmp;

    private static String[] small(final String... args) {
        final String[] all = new String[args.length + SMALL.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(SMALL, 0, all, args.length, SMALL.length);
        return all;
    }

    /** The table's rows: the header and the notes under the table (JIT, huge pages) left out. */
    private static List<String> rows(final String table) {
        return table.lines().skip(1).filter(l -> !l.startsWith("  ")).toList();
    }

    @Test
    void everyShapeAndThreadCountGetsARow() {
        final Cli r = Cli.run(small("bench", "llfree", "--shape", "all", "--threads", "1,2"));
        assertEquals(0, r.exit(), r.err());
        final List<String> rows = rows(r.out());
        assertEquals(6, rows.size(), r.out());
        assertEquals(1, r.out().lines().filter(l -> l.startsWith("  JIT: ")).count(),
                "one line on the JIT under the table: " + r.out());
        assertEquals(1, r.out().lines().filter(l -> l.startsWith("  metadata on huge pages: ")).count(),
                "one line on huge pages under the table: " + r.out());
        for (final String shape : List.of("bulk", "repeat", "rand")) {
            assertEquals(2, rows.stream().filter(l -> l.startsWith(shape + " ")).count(), r.out());
        }
        // T_max = 2 sets every row's share, the one-thread rows included
        assertTrue(rows.stream().allMatch(l -> l.matches(".*\\s1024\\s+1\\s.*")), r.out());
        assertTrue(r.err().contains("memu bench llfree: bulk buddy/memdesc8 order 0 T=1"), r.err());
    }

    @Test
    void jsonGoesWholeToOut() throws IOException {
        final Path out = tmp.resolve("bench.json");
        final Cli r = Cli.run(small("bench", "llfree", "--shape", "rand", "--threads", "2", "--allocator", "buddy",
                "--layout", "linux64,memdesc16", "--format", "json", "--out", out.toString()));
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out());
        final String json = Files.readString(out);
        assertTrue(json.startsWith("{\"config\":{\"benchmark\":\"llfree-shapes\""), json);
        assertTrue(json.contains("\"layout\":\"linux64\"") && json.contains("\"layout\":\"memdesc16\""), json);
        assertEquals(2, json.split("\"shape\":\"rand\"", -1).length - 1, json);
        assertTrue(json.contains("{\"thread\":1,\"vcpu\":1,"), json);
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(out), files.toList(), "no temporary file is left");
        }
    }

    @Test
    void anOrderAboveTheMaxIsSkippedWithANote() {
        final Cli r = Cli.run(small("bench", "llfree", "--shape", "bulk", "--threads", "1", "--order", "0,11"));
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, rows(r.out()).size(), r.out());
        assertTrue(r.err().contains("order 11 T=1 mem 16 MiB: skipped"), r.err());
    }

    @Test
    void badInputIsOneLineExitTwoAndNoFile() {
        final Path out = tmp.resolve("never.json");
        for (final String[] bad : List.of(
                new String[]{"--shape", "zigzag"},
                new String[]{"--allocator", "nosuch"},
                new String[]{"--layout", "memdesc99"},
                new String[]{"--threads", "one"},
                new String[]{"--mem", "lots"},
                new String[]{"--mem", "16K", "--order", "3"},
                new String[]{"--format", "csv"},
                new String[]{"--order", "11"},
                new String[]{"--put-batch", "0"},
                new String[]{"--put-batch", "many"},
                new String[]{"--threads", "0"},
                new String[]{"--threads", "1,,2"},
                new String[]{"--order", "63"},
                new String[]{"--rounds", "0"},
                new String[]{"--warmup", "-1"},
                new String[]{"--seed", "x"},
                new String[]{"--max-threads", "1", "--threads", "1,2"})) {
            // the bad input, then SMALL's options that it does not give itself (an option given
            // twice would be refused for that, not for its value)
            final List<String> args = new java.util.ArrayList<>(List.of("bench", "llfree"));
            args.addAll(List.of(bad));
            args.addAll(List.of("--out", out.toString()));
            for (int i = 0; i < SMALL.length; i++) {
                final boolean valued = i + 1 < SMALL.length && !SMALL[i + 1].startsWith("--");
                if (!List.of(bad).contains(SMALL[i])) {
                    args.add(SMALL[i]);
                    if (valued) {
                        args.add(SMALL[i + 1]);
                    }
                }
                if (valued) {
                    i++;
                }
            }
            final Cli r = Cli.run(args.toArray(String[]::new));
            assertEquals(2, r.exit(), String.join(" ", bad) + ": " + r.err());
            final List<String> errors = r.err().lines().filter(l -> !l.contains(": skipped,")).toList();
            assertEquals(1, errors.size(), r.err());
            assertTrue(errors.get(0).startsWith("memu: ") && errors.get(0).contains(bad[0] + " '" + bad[1] + "'"),
                    "the error names the input: " + r.err());
            assertFalse(Files.exists(out), String.join(" ", bad));
        }
    }

    @Test
    void eachRowRunsInItsOwnJvmByDefault() {
        final Cli r = Cli.run("bench", "llfree", "--mem", "64M", "--rounds", "1", "--warmup", "0", "--shape", "bulk",
                "--threads", "1,2", "--order", "0,11", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        final Object results = Json.at(Json.parse(r.out()), "results");
        assertTrue(results instanceof List<?> l && l.size() == 2, "order 11 is skipped on buddy: " + r.out());
        assertEquals(Boolean.TRUE, Json.at(Json.parse(r.out()), "config.forked"), r.out());
        assertEquals(2L, ((Number) Json.at(((List<?>) results).get(1), "threads")).longValue());

        // The children's progress and notes come through this command's stderr.
        assertTrue(r.err().contains("memu bench llfree: bulk buddy/memdesc8 order 0 T=2"), r.err());
        assertTrue(r.err().contains("order 11 T=1 mem 64 MiB: skipped"), r.err());
    }

    /** Where the JIT's threads can be read (Linux procfs), a child's JIT report comes back in the parent's JSON. */
    @Test
    void aChildsJitReportComesBackInTheJson() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no procfs");
        final Cli r = Cli.run("bench", "llfree", "--mem", "16M", "--rounds", "2", "--warmup", "4", "--shape", "bulk",
                "--threads", "1", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        final List<?> rows = (List<?>) Json.at(Json.parse(r.out()), "results");
        assertEquals(1, rows.size(), r.out());
        assertTrue(Json.at(rows.get(0), "jit.quiet") instanceof Boolean, r.out());
        assertTrue(Json.number(rows.get(0), "jit.compilerMsWhileTimed") >= 0, r.out());
        assertTrue(Json.number(rows.get(0), "jit.waitedMs") >= 0, r.out());
        assertTrue(Json.number(rows.get(0), "jit.warmUpWaitedMs") >= 0, r.out());
        // What the host backed with huge pages, read from the child's own smaps.
        assertTrue(Json.at(rows.get(0), "hugePages.thpMode") instanceof String, r.out());
        assertTrue(Json.number(rows.get(0), "hugePages.byRegion.memmap.mappedBytes") > 0, r.out());
        assertTrue(Json.number(rows.get(0), "hugePages.byRegion.memmap.residentBytes") > 0,
                "the bulk rounds wrote the memmap: " + r.out());
    }

    @Test
    void aPutBatchIsLabelledInTheTableAndReachesEachChild() {
        final Cli table = Cli.run(small("bench", "llfree", "--shape", "rand", "--threads", "2", "--allocator", "potad",
                "--put-batch", "31"));
        assertEquals(0, table.exit(), table.err());
        assertTrue(rows(table.out()).stream().allMatch(l -> l.startsWith("rand-b31 ")), table.out());
        final Cli forked = Cli.run("bench", "llfree", "--mem", "16M", "--rounds", "1", "--warmup", "0",
                "--shape", "bulk,rand", "--threads", "1", "--allocator", "potad", "--put-batch", "16", "--format", "json");
        assertEquals(0, forked.exit(), forked.err());
        final List<?> rows = (List<?>) Json.at(Json.parse(forked.out()), "results");
        assertEquals(2, rows.size(), forked.out());
        for (final Object row : rows) {
            assertEquals(16L, ((Number) Json.at(row, "putBatch")).longValue(), forked.out());
        }
    }

    @Test
    void benchAloneShowsItsSubcommand() {
        final Cli r = Cli.run("bench");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("llfree"), r.err());
    }
}

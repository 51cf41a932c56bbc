package dev.memu.cli;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.HistogramLogProcessor;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --histogram-log} on {@code compare} and {@code bench llfree}: one HdrHistogram log,
 * read back with HdrHistogram's own reader, one tag per configuration, its counts the
 * configuration's; bad paths refused before anything runs; no temporary log left behind.
 */
class CompareHistogramLogTest {

    @TempDir
    Path tmp;

    @Test
    void compareInThisJvmTagsEachConfigurationAndCountsItsSamples() throws Exception {
        final Path log = tmp.resolve("compare.hlog");
        final Set<Path> before = temporaryLogs();
        final Cli cli = Cli.run(Cli.small("compare", "--no-fork", "--layouts", "memdesc8,linux64", "--allocators",
                "buddy", "--format", "json", "--histogram-log", log.toString()));
        assertEquals(0, cli.exit(), cli.err());
        final Map<String, Long> counts = read(log);
        assertEquals(Set.of("memdesc8/buddy/1t/alloc", "memdesc8/buddy/1t/free", "linux64/buddy/1t/alloc",
                "linux64/buddy/1t/free"), counts.keySet());
        for (final Object r : (List<?>) Json.at(Json.parse(cli.out()), "results")) {
            final String label = Json.at(r, "layout") + "/" + Json.at(r, "allocator") + "/1t";
            for (final String kind : List.of("alloc", "free")) {
                assertEquals(((Number) Json.at(r, "latencyNs." + kind + ".count")).longValue(),
                        counts.get(label + "/" + kind), label + "/" + kind);
            }
        }
        assertEquals(before, temporaryLogs(), "the configurations' own logs are removed");
        // HdrHistogram's processor reads one configuration out of it
        final Path percentiles = tmp.resolve("alloc.txt");
        new HistogramLogProcessor(new String[]{"-i", log.toString(), "-tag", "linux64/buddy/1t/alloc",
                "-outputValueUnitRatio", "1", "-o", percentiles.toString()}).run();
        final String summary = Files.readString(Path.of(percentiles + ".hgrm"));
        assertTrue(summary.contains("Total count"), summary);
    }

    @Test
    void forkedChildrenWriteTheirLogsForTheParentToJoin() throws Exception {
        final Path log = tmp.resolve("forked.hlog");
        // churn: compare --child times, this JVM counts; fragment: a whole memu run in the child
        for (final String workload : List.of("churn", "fragment")) {
            final Cli cli = Cli.run(Cli.small("compare", "--workload", workload, "--layouts", "memdesc8",
                    "--allocators", "buddy", "--format", "json", "--histogram-log", log.toString()));
            assertEquals(0, cli.exit(), cli.err());
            final Map<String, Long> counts = read(log);
            final Object r = ((List<?>) Json.at(Json.parse(cli.out()), "results")).getFirst();
            assertEquals(((Number) Json.at(r, "latencyNs.free.count")).longValue(),
                    counts.get("memdesc8/buddy/1t/free"), workload + ": " + counts);
            assertTrue(counts.keySet().stream().allMatch(t -> t.startsWith("memdesc8/buddy/1t/")), counts.toString());
        }
    }

    @Test
    void benchLogsEveryTimedRoundOfEveryThreadAndPhase() throws Exception {
        final Path log = tmp.resolve("bench.hlog");
        final Cli cli = Cli.run("bench", "llfree", "--no-fork", "--mem", "16M", "--rounds", "3", "--warmup", "0",
                "--threads", "1,2", "--shape", "bulk,repeat", "--format", "json", "--histogram-log", log.toString());
        assertEquals(0, cli.exit(), cli.err());
        final Map<String, EncodableHistogram> byTag = histograms(log);
        assertEquals(Set.of("bulk/buddy/memdesc8/o0/t1/get", "bulk/buddy/memdesc8/o0/t1/put",
                "bulk/buddy/memdesc8/o0/t2/get", "bulk/buddy/memdesc8/o0/t2/put", "repeat/buddy/memdesc8/o0/t1/pair",
                "repeat/buddy/memdesc8/o0/t2/pair"), byTag.keySet());
        for (final Object row : (List<?>) Json.at(Json.parse(cli.out()), "results")) {
            final int threads = ((Number) Json.at(row, "threads")).intValue();
            final String phase = "repeat".equals(Json.at(row, "shape")) ? "pair" : "get";
            final var h = (org.HdrHistogram.DoubleHistogram) byTag.get(Json.at(row, "shape")
                    + "/buddy/memdesc8/o0/t" + threads + "/" + phase);
            assertEquals(3L * threads, h.getTotalCount(), "a value per round and thread");
            // equal shares: the mean of the per-round values is the row's mean ns per op
            final double ns = Json.number(row, phase + "Ns");
            assertEquals(ns, h.getMean(), ns * 0.01, "mean of " + h.getTag());
        }
    }

    @Test
    void forkedBenchRowsJoinInOneLog() throws Exception {
        final Path log = tmp.resolve("bench.hlog");
        final Cli cli = Cli.run("bench", "llfree", "--mem", "16M", "--rounds", "2", "--warmup", "0", "--threads", "1",
                "--shape", "rand", "--allocator", "buddy,potad", "--histogram-log", log.toString());
        assertEquals(0, cli.exit(), cli.err());
        final Map<String, Long> counts = read(log);
        assertEquals(Map.of("rand/buddy/memdesc8/o0/t1/get", 2L, "rand/buddy/memdesc8/o0/t1/put", 2L,
                "rand/potad/memdesc8/o0/t1/get", 2L, "rand/potad/memdesc8/o0/t1/put", 2L), counts);
    }

    @Test
    void badPathsAreRefusedBeforeAnythingRuns() throws Exception {
        final Path missing = tmp.resolve("no-such-dir").resolve("x.hlog");
        for (final String[] args : List.of(
                Cli.small("compare", "--no-fork", "--layouts", "memdesc8", "--allocators", "buddy",
                        "--histogram-log", missing.toString()),
                Cli.small("compare", "--no-fork", "--layouts", "memdesc8", "--allocators", "buddy",
                        "--histogram-log", tmp.toString()),
                new String[]{"bench", "llfree", "--no-fork", "--mem", "16M", "--rounds", "1", "--warmup", "0",
                        "--threads", "1", "--shape", "bulk", "--histogram-log", missing.toString()})) {
            final Set<Path> before = temporaryLogs();
            final Cli cli = Cli.run(args);
            assertEquals(2, cli.exit(), cli.err());
            assertEquals(1, cli.errLines(), cli.err());
            assertTrue(cli.err().startsWith("memu: --histogram-log '"), cli.err());
            assertEquals("", cli.out(), "nothing ran");
            assertFalse(Files.exists(missing));
            assertEquals(before, temporaryLogs());
        }
    }

    @Test
    void aFailedCompareLeavesNoLog() throws Exception {
        final Path log = tmp.resolve("c.hlog");
        final Path out = tmp.resolve("sub").resolve("report.txt");   // --out's directory is missing
        final Cli cli = Cli.run(Cli.small("compare", "--no-fork", "--layouts", "memdesc8", "--allocators", "buddy",
                "--histogram-log", log.toString(), "--out", out.toString()));
        assertEquals(2, cli.exit(), cli.err());
        assertFalse(Files.exists(log));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList(), "no staged file either");
        }
    }

    private static Map<String, Long> read(final Path log) throws IOException {
        final Map<String, Long> counts = new TreeMap<>();
        histogramsDo(log, h -> counts.merge(h.getTag(), totalCount(h), Long::sum));
        return counts;
    }

    private static Map<String, EncodableHistogram> histograms(final Path log) throws IOException {
        final Map<String, EncodableHistogram> byTag = new TreeMap<>();
        histogramsDo(log, h -> assertEquals(null, byTag.put(h.getTag(), h), "one interval per tag: " + h.getTag()));
        return byTag;
    }

    private static void histogramsDo(final Path log, final java.util.function.Consumer<EncodableHistogram> each)
            throws IOException {
        final HistogramLogReader reader = new HistogramLogReader(log.toString());
        try {
            for (EncodableHistogram h = reader.nextIntervalHistogram(); h != null; h = reader.nextIntervalHistogram()) {
                each.accept(h);
            }
        } finally {
            reader.close();
        }
    }

    private static long totalCount(final EncodableHistogram h) {
        return h instanceof org.HdrHistogram.AbstractHistogram a ? a.getTotalCount()
                : ((org.HdrHistogram.DoubleHistogram) h).getTotalCount();
    }

    /** The temporary directories of joined logs in the temporary directory. */
    private static Set<Path> temporaryLogs() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(p -> p.getFileName().toString().startsWith("memu-hlog-")).collect(Collectors.toSet());
        }
    }
}

package dev.memu.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code memu rmap} in-process on a 32 MiB machine: all six schemes side by side, JSON, bad input. */
class RmapCommandTest {

    private static final String[] SMALL = {"--mem", "32M", "--procs", "2", "--ops", "300"};

    @TempDir
    Path tmp;

    private static String[] small(final String... args) {
        final String[] all = new String[args.length + SMALL.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(SMALL, 0, all, args.length, SMALL.length);
        return all;
    }

    @Test
    void allSchemesSideBySideAndExactNeverWrong() {
        final Cli r = Cli.run(small("rmap", "--schemes", "all", "--workload", "fork-cow"));
        assertEquals(0, r.exit(), r.err());
        for (final String s : List.of("page-mapcount", "no-page-mapcount", "vma-pt-tuples", "troll", "mapped-pages",
                "exact")) {
            assertEquals(3, r.out().lines().filter(l -> l.startsWith(s + " ")).count(), s + " in all three tables\n"
                    + r.out());
        }
        final String exactAccuracy = r.out().lines().filter(l -> l.startsWith("exact ")).toList().get(1);
        assertTrue(exactAccuracy.matches("exact\\s+\\d+(\\s+0\\.0%){8}\\s+0"), exactAccuracy);
        final String exactConsumers = r.out().lines().filter(l -> l.startsWith("exact ")).toList().get(2);
        assertTrue(exactConsumers.matches("exact(\\s+0\\.0% of \\d+|\\s+-){4}(\\s+\\+0\\.0%|\\s+-){3}"), exactConsumers);
        assertTrue(r.out().contains("every folio and page-table page returned"), r.out());
    }

    @Test
    void jsonHasResultsPerScheme() throws IOException {
        final Path out = tmp.resolve("rmap.json");
        final Cli r = Cli.run(small("rmap", "--schemes", "no-page-mapcount,exact", "--workload", "madvise",
                "--layout", "memdesc8", "--format", "json", "--out", out.toString()));
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out());
        final Object tree = Json.parse(Files.readString(out));
        final List<?> results = (List<?>) Json.at(tree, "results");
        assertEquals(2, results.size());
        assertEquals("no-page-mapcount", Json.at(results.get(0), "scheme"));
        assertEquals("exact", Json.at(results.get(1), "scheme"));
        assertEquals(0.0, Json.number(results.get(1), "accuracy.partiallyMapped.wrong"));
        assertTrue(Json.number(results.get(0), "accuracy.mapcount.queries") > 0);
        assertTrue(Json.number(tree, "opCounts.zap") > 0);
        assertEquals(Boolean.TRUE, Json.at(tree, "leakFree"));
    }

    @Test
    void badInputIsOneLineAndExit2() {
        for (final String[] args : List.of(new String[] {"rmap", "--schemes", "page-mapcount,nope"},
                new String[] {"rmap", "--workload", "spin"}, new String[] {"rmap", "--folio-orders", "0,12"},
                new String[] {"rmap", "--procs", "64", "--mem", "32M"})) {
            final Cli r = Cli.run(args);
            assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertEquals("", r.out());
        }
    }
}

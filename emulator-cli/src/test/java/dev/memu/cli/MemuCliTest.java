package dev.memu.cli;

import dev.memu.alloc.Allocators;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemuCliTest {

    /** The JSON names the schema promises for every result. */
    private static final List<String> REQUIRED_NUMBERS = List.of("threads", "ops", "opsPerSec",
            "latencyNs.alloc.p50", "latencyNs.alloc.p99", "latencyNs.alloc.p999", "latencyNs.alloc.max",
            "latencyNs.free.p50", "latencyNs.free.p99", "latencyNs.free.p999", "latencyNs.free.max",
            "cachelinesPerOp.alloc.total", "cachelinesPerOp.free.total", "bytesPerPage.total", "percentOfRam");

    private static void assertOneErrorLine(final Cli cli, final int exit, final String... fragments) {
        assertEquals(exit, cli.exit(), cli.err());
        assertEquals("", cli.out(), "nothing on stdout on error");
        final List<String> lines = cli.err().lines().toList();
        assertEquals(1, lines.size(), "exactly one line on stderr: " + cli.err());
        assertTrue(lines.getFirst().startsWith("memu: "), lines.getFirst());
        for (final String f : fragments) {
            assertTrue(lines.getFirst().contains(f), "'" + lines.getFirst() + "' should contain '" + f + "'");
        }
        assertFalse(cli.err().contains("\tat "), "no stack trace");
    }

    @Test
    void layoutsTextShowsEveryLayoutPaholeStyle() {
        final Cli cli = Cli.run("layouts");
        assertEquals(0, cli.exit(), cli.err());
        for (final Layout layout : Layouts.all()) {
            assertTrue(cli.out().contains("struct page /* " + layout.name() + ": " + layout.bytesPerPage() + " bytes */ {"),
                    cli.out());
            for (final var f : layout.fields()) {
                assertTrue(cli.out().contains(f.name() + ";"), f.name());
            }
        }
        assertTrue(cli.out().contains("/* size: 64, cachelines: 1"), cli.out());
    }

    @Test
    void layoutsJsonListsFieldsWithOffsetsAndWidths() {
        final Cli cli = Cli.run("layouts", "--format", "json");
        assertEquals(0, cli.exit(), cli.err());
        final List<?> layouts = (List<?>) Json.at(Json.parse(cli.out()), "layouts");
        assertEquals(Layouts.all().size(), layouts.size());
        for (int i = 0; i < layouts.size(); i++) {
            final Layout expected = Layouts.all().get(i);
            assertEquals(expected.name(), Json.at(layouts.get(i), "name"));
            assertEquals((long) expected.bytesPerPage(), Json.at(layouts.get(i), "bytesPerPage"));
            final List<?> fields = (List<?>) Json.at(layouts.get(i), "fields");
            assertEquals(expected.fields().size(), fields.size());
            assertEquals((long) expected.fields().getLast().bitWidth(), Json.at(fields.getLast(), "bitWidth"));
        }
        assertEquals(dev.memu.memdesc.MemdescType.REVISION, Json.at(Json.parse(cli.out()), "revision"));
        final List<?> tags = (List<?>) Json.at(Json.parse(cli.out()), "typeTags");
        assertEquals(dev.memu.memdesc.MemdescType.values().length, tags.size());
        assertEquals("free", Json.at(tags.get(1), "type"));
        assertEquals(1L, Json.at(tags.get(1), "tag"), "the 2025 revision puts Buddy at 1");
    }

    @Test
    void runJsonSaysHowTheHostBackedTheMetadata() {
        final Cli cli = Cli.run(Cli.small("run", "--layout", "memdesc8", "--format", "json"));
        assertEquals(0, cli.exit(), cli.err());
        final Object r = ((List<?>) Json.at(Json.parse(cli.out()), "results")).getFirst();
        assertInstanceOf(String.class, Json.at(r, "hugePages.thpMode"));
        final double memmapPerPage = ((Number) Json.at(r, "bytesPerPage.byRegion.memmap")).doubleValue();
        final long pages = ((Number) Json.at(r, "pages")).longValue();
        assertEquals((long) (memmapPerPage * pages), ((Number) Json.at(r, "hugePages.byRegion.memmap.mappedBytes")).longValue(),
                "the report covers exactly the memmap the machine mapped");
        final long huge = ((Number) Json.at(r, "hugePages.byRegion.memmap.hugeBytes")).longValue();
        final long resident = ((Number) Json.at(r, "hugePages.byRegion.memmap.residentBytes")).longValue();
        assertTrue(huge >= 0 && huge <= resident, huge + " huge of " + resident + " resident");
    }

    @Test
    void runJsonHasTheRequiredShape() {
        final Cli cli = Cli.run(Cli.small("run", "--layout", "linux64", "--format", "json"));
        assertEquals(0, cli.exit(), cli.err());
        final Object root = Json.parse(cli.out());
        assertInstanceOf(Map.class, Json.at(root, "config"));
        assertEquals(67108864L, Json.at(root, "config.memBytes"));
        final List<?> results = (List<?>) Json.at(root, "results");
        assertEquals(1, results.size());
        final Object r = results.getFirst();
        assertEquals("linux64", Json.at(r, "layout"));
        assertEquals("buddy", Json.at(r, "allocator"));
        assertEquals(4000L, Json.at(r, "ops"));
        for (final String path : REQUIRED_NUMBERS) {
            assertInstanceOf(Number.class, Json.at(r, path), path);
        }
        for (final String kind : List.of("alloc", "free")) {
            final Map<?, ?> byRegion = (Map<?, ?>) Json.at(r, "cachelinesPerOp." + kind + ".byRegion");
            assertEquals(List.of("memmap", "allocator", "memdesc", "lookup", "pageData"), List.copyOf(byRegion.keySet()));
        }
        final Map<?, ?> bytes = (Map<?, ?>) Json.at(r, "bytesPerPage.byRegion");
        assertEquals(64.0, ((Number) bytes.get("memmap")).doubleValue(), 1e-9);
        final List<?> blocks = (List<?>) Json.at(r, "freeBlocksByOrder");
        assertEquals(((Number) Json.at(r, "maxOrder")).intValue() + 1, blocks.size());
        assertEquals(Boolean.TRUE, Json.at(r, "verify.ok"));
    }

    @Test
    void runTextPrintsWhatRanAndTheRow() {
        final Cli cli = Cli.run(Cli.small("run", "--workload", "fragment", "--orders", "0:1"));
        assertEquals(0, cli.exit(), cli.err());
        assertTrue(cli.out().contains("memu run: fragment workload on 64 MiB"), cli.out());
        assertTrue(cli.out().contains("lines/alloc") && cli.out().contains("high-order ok"), cli.out());
        assertTrue(cli.out().lines().anyMatch(l -> l.startsWith("memdesc8  buddy")), cli.out());
        assertTrue(cli.out().contains("order-9 allocations succeeded"), cli.out());
        assertTrue(cli.out().contains("verify: ok"), cli.out());
        assertTrue(cli.out().lines().anyMatch(l -> l.startsWith("  JIT: ")), cli.out());
    }

    @Test
    void csvHasOneHeaderAndOneRowPerResult() {
        final Cli cli = Cli.run(Cli.small("compare", "--no-fork", "--layouts", "memdesc16,memdesc8", "--format", "csv"));
        assertEquals(0, cli.exit(), cli.err());
        final List<String> lines = cli.out().lines().toList();
        assertEquals(1 + 2 * Allocators.names().size(), lines.size(), cli.out());
        final List<String> header = List.of(lines.getFirst().split(",", -1));
        for (final String column : List.of("layout", "allocator", "threads", "ops", "opsPerSec", "latencyNs.alloc.p50",
                "latencyNs.free.p999", "cachelinesPerOp.alloc.total", "cachelinesPerOp.free.byRegion.pageData",
                "bytesPerPage.total", "bytesPerPage.byRegion.memmap", "percentOfRam", "freeBlocksByOrder.0")) {
            assertTrue(header.contains(column), column + " in " + header);
        }
        for (final String row : lines.subList(1, lines.size())) {
            final String[] cells = row.split(",", -1);
            assertEquals(header.size(), cells.length, row);
            Double.parseDouble(cells[header.indexOf("opsPerSec")]);
        }
        assertTrue(lines.get(1).startsWith("memdesc16,"));
        assertTrue(lines.get(lines.size() - 1).startsWith("memdesc8,"));
    }

    @Test
    void compareRunsEveryCombinationInOrder() {
        final Cli cli = Cli.run(Cli.small("compare", "--no-fork", "--layouts", "linux64,memdesc8",
                "--allocators", "buddy", "--threads", "1,2", "--format", "json"));
        assertEquals(0, cli.exit(), cli.err());
        final Object root = Json.parse(cli.out());
        final List<?> results = (List<?>) Json.at(root, "results");
        final List<String> seen = results.stream()
                .map(r -> Json.at(r, "layout") + "/" + Json.at(r, "allocator") + "/" + Json.at(r, "threads")).toList();
        assertEquals(List.of("linux64/buddy/1", "linux64/buddy/2", "memdesc8/buddy/1", "memdesc8/buddy/2"), seen);
        assertEquals(2, ((List<?>) Json.at(results.get(1), "perThread")).size());
        assertEquals(List.of(1L, 2L), Json.at(root, "config.threads"));
    }

    @Test
    void compareDefaultsToEveryLayoutAndEveryRegisteredAllocator() {
        final Cli cli = Cli.run("compare", "--no-fork", "--format", "json", "--mem", "64M", "--ops", "1k",
                "--progress", "off");
        assertEquals(0, cli.exit(), cli.err());
        final List<?> results = (List<?>) Json.at(Json.parse(cli.out()), "results");
        assertEquals(Layouts.all().size() * Allocators.names().size(), results.size());
    }

    @Test
    void compareForksAChildJvmPerConfiguration() {
        final Cli cli = Cli.run(Cli.small("compare", "--layouts", "memdesc8", "--allocators", "buddy", "--format", "json"));
        assertEquals(0, cli.exit(), cli.err());
        final Object root = Json.parse(cli.out());
        assertEquals(Boolean.TRUE, Json.at(root, "config.forked"));
        final List<?> results = (List<?>) Json.at(root, "results");
        assertEquals(1, results.size());
        assertEquals(4000L, Json.at(results.getFirst(), "ops"));
        assertEquals(Boolean.TRUE, Json.at(results.getFirst(), "verify.ok"));
        // churn: the child timed, this JVM counted, and the counts are those of a whole run
        assertEquals(Boolean.TRUE, Json.at(root, "config.countedApart"));
        final Cli whole = Cli.run(Cli.small("compare", "--no-fork", "--layouts", "memdesc8", "--allocators", "buddy",
                "--format", "json"));
        assertEquals(0, whole.exit(), whole.err());
        final Object inOne = ((List<?>) Json.at(Json.parse(whole.out()), "results")).getFirst();
        assertEquals(Json.at(inOne, "cachelinesPerOp"), Json.at(results.getFirst(), "cachelinesPerOp"));
        assertEquals(4000.0, Json.number(results.getFirst(), "cachelinesPerOp.alloc.ops")
                + Json.number(results.getFirst(), "cachelinesPerOp.free.ops"), "every measured op counted");
        assertTrue(Json.number(results.getFirst(), "harnessNsPerOp") > 0, "the child measured the harness");
        if (java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/task"))) {
            // the child watched its JIT: it waited a quiet window before its clock and says what it saw
            assertTrue(Json.number(results.getFirst(), "jit.waitedMs") >= dev.memu.driver.JitSettle.WINDOW_NS / 1e6,
                    cli.out());
            assertTrue(Json.number(results.getFirst(), "jit.compilerMsWhileTimed") >= 0, cli.out());
            assertTrue(Json.at(results.getFirst(), "jit.quiet") instanceof Boolean, cli.out());
        }
    }

    @Test
    void countingAlongsideTheChildCountsWhatCountingAfterItCounts() {
        final Cli alongside = Cli.run(Cli.small("compare", "--layouts", "memdesc8,linux64", "--allocators", "potad",
                "--format", "json"));
        assertEquals(0, alongside.exit(), alongside.err());
        final Cli after = Cli.run(Cli.small("compare", "--layouts", "memdesc8,linux64", "--allocators", "potad",
                "--no-alongside", "--format", "json"));
        assertEquals(0, after.exit(), after.err());
        final Object a = Json.parse(alongside.out());
        final Object b = Json.parse(after.out());
        assertEquals(Boolean.TRUE, Json.at(a, "config.countedAlongside"));
        assertEquals(Boolean.FALSE, Json.at(b, "config.countedAlongside"));
        final List<?> ra = (List<?>) Json.at(a, "results");
        final List<?> rb = (List<?>) Json.at(b, "results");
        assertEquals(2, ra.size());
        for (int i = 0; i < ra.size(); i++) {
            assertEquals(Json.at(rb.get(i), "cachelinesPerOp"), Json.at(ra.get(i), "cachelinesPerOp"), "row " + i);
            assertEquals(Json.at(rb.get(i), "ops"), Json.at(ra.get(i), "ops"));
            assertEquals(Boolean.TRUE, Json.at(ra.get(i), "verify.ok"));
        }
        assertFalse(alongside.out().contains(QuietHandshake.ASK), "the handshake is not part of the result");
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of(List.of("run", "--mem", "banana"), "--mem 'banana': not a size"),
                Arguments.of(List.of("run", "--mem", "0"), "--mem '0': must be positive"),
                Arguments.of(List.of("run", "--mem", "-4G"), "--mem '-4G'"),
                Arguments.of(List.of("run", "--mem", "1000"), "--mem '1000'"),
                Arguments.of(List.of("run", "--mem", "1P"), "--mem '1P'"),
                Arguments.of(List.of("run", "--layout", "memdesc9"), "--layout 'memdesc9': unknown layout"),
                Arguments.of(List.of("run", "--allocator", "slub"), "--allocator 'slub': unknown allocator"),
                Arguments.of(List.of("run", "--workload", "steady"), "--workload 'steady': unknown workload"),
                Arguments.of(List.of("run", "--format", "xml"), "--format 'xml'"),
                Arguments.of(List.of("layouts", "--format", "csv"), "--format 'csv'"),
                Arguments.of(List.of("run", "--orders", "0:1,11:1"), "--orders '0:1,11:1': order 11 is above the max order 10"),
                Arguments.of(List.of("run", "--orders", "0:1,x"), "--orders '0:1,x': entry 'x'"),
                Arguments.of(List.of("run", "--orders", ""), "--orders ''"),
                Arguments.of(List.of("run", "--workload", "fragment", "--probe-order", "11"), "--probe-order '11'"),
                Arguments.of(List.of("run", "--threads", "0"), "--threads '0'"),
                Arguments.of(List.of("run", "--threads", "two"), "--threads 'two'"),
                Arguments.of(List.of("run", "--ops", "0"), "--ops '0'"),
                Arguments.of(List.of("run", "--ops", "lots"), "--ops 'lots'"),
                Arguments.of(List.of("run", "--occupancy", "1"), "--occupancy '1'"),
                Arguments.of(List.of("run", "--seed", "x"), "--seed 'x'"),
                Arguments.of(List.of("run", "--out", "/nonexistent-dir/r.json"), "--out '/nonexistent-dir/r.json'"),
                Arguments.of(List.of("run", "--bogus"), "Unknown option: '--bogus'"),
                Arguments.of(List.of("compare", "--layouts", "linux64,nope"), "--layouts 'nope'"),
                Arguments.of(List.of("compare", "--allocators", "buddy,"), "--allocators 'buddy,'"),
                Arguments.of(List.of("compare", "--threads", "1,0"), "--threads '0'"),
                Arguments.of(List.of("frobnicate"), "frobnicate"));
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void badInputIsOneLineNamingItAndExitCode2(final List<String> args, final String fragment) {
        final List<String> all = new ArrayList<>(args);
        if (args.getFirst().equals("run") || args.getFirst().equals("compare")) {
            // Should validation ever let one through, keep the run it starts small.
            if (!args.contains("--ops")) {
                all.addAll(List.of("--ops", "1k"));
            }
            all.addAll(List.of("--progress", "off"));
        }
        if (args.getFirst().equals("compare")) {
            all.add("--no-fork");
        }
        assertOneErrorLine(Cli.run(all.toArray(String[]::new)), 2, fragment);
    }

    @Test
    void outLeavesNoFileOnErrorAndAWholeFileOnSuccess(@TempDir final Path dir) throws IOException {
        final Path out = dir.resolve("result.json");
        assertOneErrorLine(Cli.run(Cli.small("run", "--orders", "0:1,12:1", "--out", out.toString())), 2, "--orders");
        assertFalse(Files.exists(out));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "no temporary file left behind");
        }
        final Cli ok = Cli.run(Cli.small("run", "--format", "json", "--out", out.toString()));
        assertEquals(0, ok.exit(), ok.err());
        assertEquals("", ok.out(), "the report went to the file");
        final Object root = Json.parse(Files.readString(out));
        assertEquals(1, ((List<?>) Json.at(root, "results")).size());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(out), files.toList(), "only the report, no temporary file");
        }
    }

    @Test
    void outNamingADirectoryIsRejectedBeforeRunning(@TempDir final Path dir) {
        assertOneErrorLine(Cli.run(Cli.small("run", "--out", dir.toString())), 2, "is a directory");
    }

    @Test
    void internalErrorsAreOneLineWithExit1AndAStackTraceOnlyWithDebug() {
        final Cli quiet = Cli.run(cl -> cl.addSubcommand("boom", new Boom()), "boom");
        assertOneErrorLine(quiet, 1, "internal error", "kaboom");
        final Cli loud = Cli.run(cl -> cl.addSubcommand("boom", new Boom()), "boom", "--debug");
        assertEquals(1, loud.exit());
        assertTrue(loud.err().contains("\tat "), "stack trace with --debug: " + loud.err());
    }

    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("kaboom");
        }
    }

    @Test
    void helpAndVersionWork() {
        final Cli help = Cli.run("run", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--mem") && help.out().contains("--max-fill"), help.out());
        final Cli version = Cli.run("--version");
        assertEquals(0, version.exit());
        assertTrue(version.out().startsWith("memu " + Memu.VERSION), version.out());
        final Cli bare = Cli.run();
        assertEquals(2, bare.exit());
        assertNotNull(bare.err());
        assertTrue(bare.err().contains("Usage: memu"), bare.err());
    }
}

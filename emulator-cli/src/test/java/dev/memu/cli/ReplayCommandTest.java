package dev.memu.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayCommandTest {

    private static final String MALFORMED = CommandRun.coreResource("traces/malformed.trace");
    private static final String SMALL = CommandRun.coreResource("traces/real-6.18-small.trace");

    @TempDir
    Path tmp;

    @Test
    void reportsEveryOddityAsText() {
        final CommandRun r = CommandRun.run(new ReplayCommand(), MALFORMED);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("16 events: 7 alloc, 7 free, 2 free_batched"), r.out());
        assertTrue(r.out().contains("1 LOST markers (92 events lost), 5 events overwritten"), r.out());
        assertTrue(r.out().contains("3 unparsable lines (2 truncated, 1 garbage, 0 pfn out of range, 0 bad order"), r.out());
        assertTrue(r.out().contains("1 unmatched frees (1 pages"), r.out());
        assertTrue(r.out().contains("2 duplicate frees (2 free_batched after free), 1 partial frees, 1 allocs over live pages, 1/1 allocs/frees out of range"), r.out());
        assertTrue(r.out().contains("linux64"), r.out());
    }

    @Test
    void jsonForEveryLayout() throws IOException {
        final Path out = tmp.resolve("r.json");
        final CommandRun r = CommandRun.run(new ReplayCommand(), "--layout", "all", "--format", "json",
                "--out", out.toString(), SMALL);
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out(), "the report went to the file");
        final String json = Files.readString(out);
        final Object tree = Json.parse(json);
        assertEquals(64L, Json.at(tree, "sequence.unmatchedFrees"), json);
        assertEquals(417L, Json.at(tree, "sequence.duplicateBatchedAfterFree"), json);
        final List<?> replays = (List<?>) Json.at(tree, "replays");
        final List<?> layouts = replays.stream().map(m -> ((Map<?, ?>) m).get("layout")).toList();
        for (final String layout : new String[] {"linux64", "memdesc16", "memdesc8"}) {
            assertTrue(layouts.contains(layout), layout + " in " + layouts);
        }
        assertTrue(json.startsWith("{") && json.strip().endsWith("}"));
        if (out.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)),
                    "an ordinary file, not the temporary file's 0600");
        }
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "no temporary file left behind");
        }
    }

    @Test
    void unwritableOutFailsBeforeReplaying() {
        final Path out = tmp.resolve("no-such-dir").resolve("r.json");
        final CommandRun r = CommandRun.run(new ReplayCommand(), "--out", out.toString(), SMALL);
        assertEquals(2, r.exit());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().startsWith("memu: --out") && r.err().contains("does not exist"), r.err());
        assertEquals("", r.out());
        assertFalse(Files.exists(out.getParent()));
    }

    @Test
    void allocatorPlacementWithLittleRamShowsFailures() {
        final CommandRun r = CommandRun.run(new ReplayCommand(), "--placement", "allocator", "--mem", "4M", SMALL);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("FAILED"), r.out());
        assertTrue(r.out().contains("allocator buddy, RAM 4 MiB"), r.out());
    }

    @Test
    void readsGzipFromStandardInput() throws IOException {
        final ReplayCommand cmd = new ReplayCommand();
        try (InputStream in = new FileInputStream(MALFORMED + ".gz")) {
            cmd.stdin = in;
            final CommandRun r = CommandRun.run(cmd, "-");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("memu replay <stdin>"), r.out());
            assertTrue(r.out().contains("16 events"), r.out());
        }
    }

    @Test
    void strictExitsTwoWithTheLineAndWritesNothing() {
        final Path out = tmp.resolve("never.txt");
        final CommandRun r = CommandRun.run(new ReplayCommand(), "--strict", "--out", out.toString(), MALFORMED);
        assertEquals(2, r.exit());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains("malformed.trace:16"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void strictCatchesSequenceOdditiesOfACleanText() {
        final CommandRun r = CommandRun.run(new ReplayCommand(), "--strict", SMALL);
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("real-6.18-small.trace:42") && r.err().contains("never allocated"), r.err());
    }

    @Test
    void badInputsExitTwoNamingTheInput() throws IOException {
        final Path out = tmp.resolve("never.txt");
        CommandRun r = CommandRun.run(new ReplayCommand(), "--out", out.toString(), "/no/such/trace");
        assertEquals(2, r.exit());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains("/no/such/trace"), r.err());
        r = CommandRun.run(new ReplayCommand(), "--layout", "nosuch", SMALL);
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("nosuch"), r.err());
        r = CommandRun.run(new ReplayCommand(), "--placement", "where", SMALL);
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("where"), r.err());
        r = CommandRun.run(new ReplayCommand(), "--mem", "lots", SMALL);
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("lots"), r.err());
        assertFalse(Files.exists(out));
        try (var s = Files.list(tmp)) {
            assertEquals(0, s.count(), "no temporary file left behind");
        }
    }

    private CommandRun refused(final String... args) {
        final CommandRun r = CommandRun.run(new ReplayCommand(), args);
        assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
        assertEquals(1, r.errLines(), r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), r.err());
        assertEquals("", r.out());
        return r;
    }

    @Test
    void vcpusMemAndAllocatorAreCheckedBeforeAnyWork() {
        assertTrue(refused("--vcpus", "1000000000", SMALL).err().contains("--vcpus 1000000000: must be 1..1024"));
        assertTrue(refused("--vcpus", "1025", "--placement", "allocator", "--allocator", "buddy+pcp", SMALL).err()
                .contains("must be 1..1024"));
        assertTrue(refused("--mem", "1P", SMALL).err().contains("--mem '1P': RAM 1 PiB"));
        assertTrue(refused("--mem", "100T", "--placement", "allocator", SMALL).err().contains("--mem '100T'"));
        assertTrue(refused("--allocator", "potad", SMALL).err()
                .contains("--allocator applies only with --placement allocator"));
        assertTrue(refused("--snapshots", "100000", SMALL).err().contains("--snapshots"));
        assertEquals(0, CommandRun.run(new ReplayCommand(), "--vcpus", "1024", "--placement", "allocator",
                "--allocator", "potad+pcp", SMALL).exit());
    }

    @Test
    void aDirectoryIsNamedAsOne() {
        final CommandRun r = refused(tmp.toString());
        assertEquals("memu: " + tmp + ": is a directory, not a trace file", r.err().strip());
    }

    @Test
    void noEventsIsSaidPlainlyAndNeverAsNaN() throws IOException {
        final Path empty = Files.createFile(tmp.resolve("empty.trace"));
        final Path random = tmp.resolve("random.bin");
        final byte[] bytes = new byte[20000];
        new java.util.Random(3).nextBytes(bytes);
        Files.write(random, bytes);
        final Path utf16 = tmp.resolve("utf16.trace");
        Files.write(utf16, Files.readString(Path.of(SMALL)).substring(0, 4000)
                .getBytes(java.nio.charset.StandardCharsets.UTF_16));
        final Path stub = tmp.resolve("stub.gz");
        Files.write(stub, new byte[] {0x1f, (byte) 0x8b, 8, 0, 0});
        for (final Path p : List.of(empty, random, utf16, stub)) {
            for (final String format : List.of("text", "json")) {
                final CommandRun r = CommandRun.run(new ReplayCommand(), "--format", format, p.toString());
                assertEquals(0, r.exit(), p + ": " + r.err());
                assertFalse(r.out().contains("NaN"), r.out());
                if (format.equals("text")) {
                    assertFalse(r.out().contains(" -1 "), "no percentile of nothing: " + r.out());
                    assertTrue(r.out().contains("no events: "), r.out());
                } else {
                    assertEquals(0L, Json.at(Json.parse(r.out()), "trace.events"));
                }
            }
            final CommandRun strict = refused("--strict", p.toString());
            assertTrue(strict.err().contains(p.toString()), strict.err());
            assertFalse(strict.err().contains("null"), strict.err());
        }
    }

    @Test
    void aFarPfnIsCountedAsOutOfRange() throws IOException {
        final Path f = tmp.resolve("far.trace");
        Files.writeString(f, "  bash-1  [000] ..... 1.000001: mm_page_alloc: page=0000000011 pfn=0x7fffffffffffffff order=0 "
                + "migratetype=1 gfp_flags=GFP_KERNEL\n"
                + "  bash-1  [000] ..... 1.000002: mm_page_free: page=0000000011 pfn=0x1000 order=99\n");
        final CommandRun r = CommandRun.run(new ReplayCommand(), f.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("2 unparsable lines (0 truncated, 0 garbage, 1 pfn out of range, 1 bad order"), r.out());
    }
}

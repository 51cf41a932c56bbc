package dev.memu.cli;

import dev.memu.access.ExplainingAccess;
import dev.memu.access.Region;
import dev.memu.alloc.linux.LinuxConfig;
import dev.memu.alloc.linux.PcpStruct;
import dev.memu.alloc.linux.ZoneStruct;
import dev.memu.explain.ExplainOp;
import dev.memu.explain.ExplainSpec;
import dev.memu.explain.ExplainState;
import dev.memu.explain.Explanation;
import dev.memu.layout.LayoutField;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExplainCommandTest {

    /** Small and quick: 2048 pages and a short warm-up. */
    private static final String[] SMALL = {"--mem", "8M", "--warmup", "256"};

    @TempDir
    Path tmp;

    private static String[] explain(final String... args) {
        final String[] all = new String[1 + args.length + SMALL.length];
        all[0] = "explain";
        System.arraycopy(args, 0, all, 1, args.length);
        System.arraycopy(SMALL, 0, all, 1 + args.length, SMALL.length);
        return all;
    }

    @SuppressWarnings("unchecked")
    @Test
    void jsonListsPotadsThreeLinesWithTheirFields() throws IOException {
        final Path file = tmp.resolve("explain.json");
        final Cli cli = Cli.run(explain("--layout", "memdesc8", "--allocator", "potad", "--op", "alloc", "--order", "0",
                "--format", "json", "--out", file.toString()));
        assertEquals(0, cli.exit(), cli.err());
        assertEquals("", cli.out(), "the report went to the file");
        final Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(file));
        assertEquals(3L, root.get("distinctLines"));
        assertEquals("potad", root.get("allocator"));
        assertEquals("steady", root.get("state"));
        assertEquals(0L, root.get("unlabeledLines"));
        final long pfn = (Long) root.get("pfn");
        final List<Map<String, Object>> lines = (List<Map<String, Object>>) root.get("lines");
        assertEquals(3, lines.size());
        assertEquals(List.of("allocator", "allocator", "memmap"), lines.stream().map(l -> l.get("region")).toList());
        assertTrue(((List<String>) lines.get(0).get("fields")).contains("potad.slot[vcpu 0].reservation"));
        assertTrue(((List<String>) lines.get(1).get("fields")).getFirst().startsWith("potad.bits[region 0x"
                + Long.toHexString(pfn >>> 9) + "]"));
        assertTrue(((List<String>) lines.get(2).get("fields")).contains("memmap[pfn 0x" + Long.toHexString(pfn) + "].memdesc"));
        assertEquals((pfn * 8) & -64L, lines.get(2).get("offset"));
        assertEquals(List.of("PotadAllocator.alloc"), lines.get(2).get("where"));
        final Map<String, Object> byRegion = (Map<String, Object>) root.get("linesByRegion");
        assertEquals(2L, byRegion.get("allocator"));
        assertEquals(1L, byRegion.get("memmap"));
    }

    /** Every line of the Linux baseline has a label, so the '?' rows are shown on lines built to have none. */
    @Test
    void textSaysHowManyLinesLackALabel() {
        try (Machine machine = Machine.create(1 << 20)) {
            final MemorySegment known = machine.allocate(Region.ALLOCATOR, 4096);
            final MemorySegment unknown = machine.allocate(Region.ALLOCATOR, 4096);
            final ExplainingAccess access = new ExplainingAccess();
            access.setLabelers(List.of((segment, offset, bytes, out) -> {
                if (segment.address() == known.address()) {
                    out.add("known.word");
                }
            }));
            access.beginOp();
            access.getLong(Region.ALLOCATOR, unknown, 0);
            access.getLong(Region.ALLOCATOR, known, 0);
            access.setLong(Region.ALLOCATOR, unknown, 64, 1);
            access.endOp();
            final Explanation e = new Explanation(ExplainSpec.of(1 << 20, "memdesc8", "buddy", ExplainOp.ALLOC, 0,
                    ExplainState.STEADY), machine.pages(), 0, 0, -1, access.lastOpLines(), Map.of());
            final String out = ExplainCommand.text(e, "1M");
            final String unlabeled = out.lines().filter(l -> l.contains("without a label")).findFirst().orElseThrow();
            final long questionMarks = out.lines().filter(l -> l.matches("\\s*\\d+\\s+\\S+\\s+0x\\p{XDigit}+\\s+\\?\\s.*")).count();
            assertEquals(2, questionMarks, out);
            assertTrue(unlabeled.startsWith("2 lines without a label"), unlabeled);
            assertTrue(out.contains("known.word"), out);
        }
    }

    /**
     * The acceptance case through the command: linux64 buddy+pcp order-0 alloc on a pcp hit
     * lists the watermark, vm_stat, pcp and the page's list-link lines with their Linux fields.
     */
    @SuppressWarnings("unchecked")
    @Test
    void linuxPcpHitListsWatermarkStatsPcpAndPcpListFields() {
        final Cli cli = Cli.run(explain("--layout", "linux64", "--allocator", "buddy+pcp", "--op", "alloc", "--order", "0",
                "--state", "pcp-hit", "--format", "json"));
        assertEquals(0, cli.exit(), cli.err());
        final Map<String, Object> root = (Map<String, Object>) Json.parse(cli.out());
        assertEquals(0L, root.get("unlabeledLines"));
        final String pfn = "0x" + Long.toHexString((Long) root.get("pfn"));
        final List<String> fields = ((List<Map<String, Object>>) root.get("lines")).stream()
                .flatMap(l -> ((List<String>) l.get("fields")).stream()).toList();
        final List<String> wanted = new ArrayList<>();
        ZoneStruct.FIELDS.label("zone", ZoneStruct.WATERMARK + 8L * ZoneStruct.WMARK_HIGH, 8, wanted);
        ZoneStruct.FIELDS.label("zone", ZoneStruct.vmStat(ZoneStruct.NR_FREE_PAGES), 8, wanted);
        PcpStruct.FIELDS.label("pcp", PcpStruct.LOCK, 4, wanted);
        PcpStruct.FIELDS.label("pcp", PcpStruct.COUNT, 4, wanted);
        PcpStruct.FIELDS.label("pcp", PcpStruct.listNext(PcpStruct.orderToPindex(LinuxConfig.MIGRATE_MOVABLE, 0)), 8, wanted);
        wanted.add("memmap[pfn " + pfn + "]." + Layouts.byName("linux64").fields().stream().map(LayoutField::name)
                .filter(n -> n.startsWith("lru.next")).findFirst().orElseThrow());
        assertEquals(6, wanted.size(), wanted.toString());
        assertTrue(fields.containsAll(wanted), "missing " + wanted.stream().filter(w -> !fields.contains(w)).toList()
                + " in " + fields);
    }

    @Test
    void helpListsEveryState() {
        final Cli cli = Cli.run("explain", "--help");
        assertEquals(0, cli.exit(), cli.err());
        for (final ExplainState s : ExplainState.values()) {
            assertTrue(cli.out().contains("  " + s.key() + " ") && cli.out().contains(s.description()),
                    "--help should describe state " + s.key() + ": " + s.description());
        }
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of(List.of("--layout", "memdesc4"), "--layout 'memdesc4'"),
                Arguments.of(List.of("--allocator", "slab"), "--allocator 'slab'"),
                Arguments.of(List.of("--op", "realloc"), "--op 'realloc'"),
                Arguments.of(List.of("--allocator", "buddy", "--order", "11"), "--order '11': above the max order 10"),
                Arguments.of(List.of("--allocator", "potad", "--state", "pcp-hit"), "--state 'pcp-hit'"),
                Arguments.of(List.of("--allocator", "buddy", "--op", "alloc", "--state", "merge"), "--state 'merge'"),
                Arguments.of(List.of("--allocator", "buddy+pcp", "--op", "alloc", "--state", "bulk-free"), "--state 'bulk-free'"),
                Arguments.of(List.of("--state", "cold"), "--state 'cold'"),
                Arguments.of(List.of("--format", "csv"), "--format 'csv'"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badInputs")
    void badInputIsOneLineExitTwoAndNoFile(final List<String> args, final String expected) throws IOException {
        final Path file = tmp.resolve("out.json");
        final String[] withOut = Stream.concat(args.stream(), Stream.of("--out", file.toString())).toArray(String[]::new);
        final Cli cli = Cli.run(explain(withOut));
        assertEquals(2, cli.exit(), cli.err());
        assertEquals("", cli.out());
        final List<String> lines = cli.err().lines().toList();
        assertEquals(1, lines.size(), cli.err());
        assertTrue(lines.getFirst().startsWith("memu: ") && lines.getFirst().contains(expected),
                lines.getFirst() + " should contain " + expected);
        assertFalse(cli.err().contains("\tat "));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList(), "no output file, no temporary left behind");
        }
    }

    @Test
    void textGroupsTheFieldsOfOneInstance() {
        assertEquals(List.of("memmap[pfn 0x1].*", "memmap[pfn 0x2].type", "potad.bits[region 0x1].word[0]",
                        "radix.leaf@0x1000.{slot[0x1], slot[0x2]}", "radix.dir[pfn 0x0..0x1ff]"),
                ExplainCommand.compact(List.of("memmap[pfn 0x1].type", "memmap[pfn 0x1].memdesc", "memmap[pfn 0x2].type",
                        "potad.bits[region 0x1].word[0]", "radix.leaf@0x1000.slot[0x1]", "radix.leaf@0x1000.slot[0x2]",
                        "radix.dir[pfn 0x0..0x1ff]"), java.util.Set.of("type", "memdesc")));
    }
}

package dev.memu.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input is one line, exit 2, before any work: ranges of the numeric options, options that do
 * not apply to what was asked, errors that blame the option actually at fault.
 */
class BadInputTest {

    private static final String FAKE_PROC = CommandRun.coreResource("host/proc");

    @TempDir
    Path tmp;

    private static void assertOneLine(final Cli r, final int exit, final String... fragments) {
        assertEquals(exit, r.exit(), r.err() + r.out());
        assertEquals("", r.out(), "nothing on stdout");
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().startsWith("memu: "), r.err());
        for (final String f : fragments) {
            assertTrue(r.err().contains(f), "'" + r.err().strip() + "' should contain '" + f + "'");
        }
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(List.of("run", "--ops", "9223372036854775807"),
                        List.of("--ops '9223372036854775807': must be 1..10^12")),
                Arguments.of(List.of("run", "--warmup", "9223372036854775807"), List.of("--warmup")),
                Arguments.of(List.of("run", "--swap", "16T"), List.of("--swap '16T': at most 1 TiB")),
                Arguments.of(List.of("run", "--swap", "64G", "--swap-ops", "0"), List.of("--swap-ops '0'")),
                Arguments.of(List.of("run", "--threads", "1025"), List.of("--threads '1025': must be 1..1024")),
                Arguments.of(List.of("run", "--swap-ops", "1000"),
                        List.of("--swap-ops '1000': applies only with --swap")),
                Arguments.of(List.of("run", "--probe-order", "5"),
                        List.of("--probe-order '5': applies to --workload fragment only")),
                Arguments.of(List.of("run", "--workload", "kernel-mix", "--free-fraction", "0.3"),
                        List.of("--free-fraction '0.3': applies to --workload fragment only, not kernel-mix")),
                Arguments.of(List.of("run", "--workload", "kernel-mix", "--orders", "0:1"),
                        List.of("--orders '0:1': does not apply to --workload kernel-mix")),
                Arguments.of(List.of("run", "--workload", "kernel-mix", "--mix", "file=1,file=2"),
                        List.of("--mix", "file given twice")),
                Arguments.of(List.of("run", "--max-fill", "1Gb"), List.of("--max-fill '1Gb'", "bits")),
                Arguments.of(List.of("host", "--proc", FAKE_PROC, "--max-order", "21"),
                        List.of("--max-order '21': must be 0..20")),
                Arguments.of(List.of("host", "--proc", FAKE_PROC, "--format", "xml"), List.of("--format 'xml'")),
                Arguments.of(List.of("trace", "capture", "--seconds", "-1", "--out", "x"), List.of("--seconds '-1'")));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void isOneLineAndExitTwo(final List<String> args, final List<String> fragments) {
        final boolean run = args.getFirst().equals("run") && !args.contains("--ops");
        final String[] all = run ? Cli.small(args.toArray(String[]::new)) : args.toArray(String[]::new);
        assertOneLine(Cli.run(all), 2, fragments.toArray(String[]::new));
    }

    @Test
    void aTooSmallMemBlamesMemNotTheOrdersNobodyGave() {
        assertOneLine(Cli.run("run", "--mem", "4096", "--ops", "1k", "--progress", "off"), 2,
                "--mem '4096': too small for the default --orders");
        assertOneLine(Cli.run("run", "--mem", "1M", "--workload", "kernel-mix", "--ops", "1k", "--progress", "off"), 2,
                "--mem '1M': too small for --workload kernel-mix");
        assertOneLine(Cli.run("run", "--mem", "1M", "--orders", "0:1,9:1", "--ops", "1k", "--progress", "off"), 2,
                "--orders '0:1,9:1'");
    }

    @Test
    void aRunTheHostCannotHoldIsRefusedSayingHowMuchItNeeds() {
        assertOneLine(Cli.run("run", "--mem", "8P", "--layout", "linux64", "--progress", "off"), 2,
                "--mem '8P': needs about", "MemAvailable");
    }

    @Test
    void manyThreadsWithLongStreamsAreRefusedForTheirTapesNotAnOutOfMemoryError() {
        // 1024 threads, each with a full tape (2^20 ops of 16 bytes): 16 GiB of Java heap
        Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() < 16L << 30, "a heap that would hold the tapes");
        assertOneLine(Cli.run("run", "--threads", "1024", "--ops", "10G", "--progress", "off"), 2,
                "--mem '1G': needs about 16.0 GiB of Java heap for the op tapes of 1024 thread(s)",
                "plus 64 MiB for the run itself", "MEMU_JVM_OPTS=-Xmx");
        assertOneLine(Cli.run("compare", "--layouts", "memdesc8", "--allocators", "buddy", "--threads", "1,1024",
                "--ops", "10G", "--progress", "off"), 2, "the op tapes of 1024 thread(s)");
    }

    @Test
    void failuresOnAHostSnapshotAreRefusedNotACrash() throws IOException {
        final Path snap = tmp.resolve("host.snap");
        assertEquals(0, Cli.run("host", "--proc", FAKE_PROC, "--save", snap.toString()).exit());
        assertOneLine(Cli.run("run", "--from-host", snap.toString(), "--workload", "kernel-mix", "--fail-rate", "1000",
                "--ops", "4k", "--progress", "off"), 2, "--fail-rate '1000': does not combine with --from-host");
    }

    @Test
    void hostOutputsAreCheckedBeforeTheScanAndNoDirectoryIsMade() throws IOException {
        // an unreadable /proc would fail the scan with exit 1: the output checks come first
        final String noRoot = CommandRun.coreResource("host/noroot");
        assertOneLine(Cli.run("host", "--proc", noRoot, "--save", tmp.toString()), 2, "--save '" + tmp + "': is a directory");
        assertOneLine(Cli.run("host", "--proc", noRoot, "--save", tmp.resolve("new/h.snap").toString()), 2,
                "does not exist");
        assertOneLine(Cli.run("host", "--proc", noRoot, "--out", tmp.resolve("new/h.txt").toString()), 2, "does not exist");
        assertOneLine(Cli.run("host", "--proc", noRoot, "--save", "-"), 2, "--save '-'");
        final String same = tmp.resolve("h.out").toString();
        assertOneLine(Cli.run("host", "--proc", noRoot, "--save", same, "--out", same), 2, "the same file as --out");
        assertFalse(Files.exists(tmp.resolve("new")));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(), s.toList());
        }
    }

    @Test
    void theOtherCommandsRefuseAMissingDirectoryToo() {
        final String out = tmp.resolve("new/r.json").toString();
        assertOneLine(Cli.run(Cli.small("run", "--out", out)), 2, "does not exist");
        assertOneLine(Cli.run(Cli.small("compare", "--no-fork", "--out", out)), 2, "does not exist");
        assertOneLine(Cli.run("layouts", "--out", out), 2, "does not exist");
        assertFalse(Files.exists(tmp.resolve("new")));
    }

    @Test
    void anUnreadableProcSaysNeedsRootOnlyToWhoIsNotRoot() {
        final Cli r = Cli.run("host", "--proc", CommandRun.coreResource("host/noroot"));
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().startsWith("memu: "), r.err());
        if (Privilege.root()) {
            assertFalse(r.err().contains("needs root"), r.err());
        }
    }

    @Test
    void helpTextsStateTheRangesAndWhatComparesWarmupIs() {
        final String run = Cli.run("run", "--help").out().replaceAll("\\s+", " ");
        assertTrue(run.contains("1..10^12") && run.contains("1..1024") && run.contains("4K..1T"), run);
        assertTrue(run.contains("lowercase b means bits"), run);
        final String compare = Cli.run("compare", "--help").out().replaceAll("\\s+", " ");
        assertTrue(compare.contains("compare's: twice --ops"), compare);
    }

    @Test
    void aBadHugePagesPropertyIsSaidBeforeAnyCommandRuns() {
        final String key = dev.memu.machine.HugePagePolicy.MAX_MAPPING_PROPERTY;
        final String before = System.getProperty(key);
        try {
            System.clearProperty(key);
            assertEquals(null, Memu.badSystemProperty());
            System.setProperty(key, "8G");
            assertEquals(null, Memu.badSystemProperty());
            System.setProperty(key, "lots");
            assertEquals("-Dmemu.hugepages.maxMapping='lots': not a size (bytes, or with K, M, G or T: e.g. 512M, 64G)",
                    Memu.badSystemProperty());
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }
}

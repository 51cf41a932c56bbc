package dev.memu.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceCaptureCommandTest {

    private static final List<String> EVENTS = List.of("mm_page_alloc", "mm_page_free", "mm_page_free_batched");

    @TempDir
    Path tmp;

    private Path fakeTracefs() throws IOException {
        final Path t = tmp.resolve("tracing");
        Files.createDirectories(t.resolve("per_cpu/cpu0"));
        Files.writeString(t.resolve("tracing_on"), "1\n");
        Files.writeString(t.resolve("buffer_size_kb"), "1410\n");
        Files.writeString(t.resolve("current_tracer"), "nop\n");
        Files.writeString(t.resolve("trace"), "");
        Files.writeString(t.resolve("per_cpu/cpu0/stats"), "overrun: 7\n");
        for (final String e : EVENTS) {
            Files.createDirectories(t.resolve("events/kmem/" + e));
            Files.writeString(t.resolve("events/kmem/" + e + "/enable"), "0\n");
        }
        return t;
    }

    /** The settings files' contents, to compare before and after. */
    private static Map<String, String> settings(final Path t) throws IOException {
        final Map<String, String> m = new LinkedHashMap<>();
        for (final String f : List.of("tracing_on", "buffer_size_kb", "current_tracer", "events/kmem/mm_page_alloc/enable",
                "events/kmem/mm_page_free/enable", "events/kmem/mm_page_free_batched/enable")) {
            m.put(f, Files.readString(t.resolve(f)).strip());
        }
        return m;
    }

    private Path state() {
        return tmp.resolve("run/trace-capture.state");
    }

    private Cli capture(final TraceCaptureRecorder recorder, final String... args) {
        final String[] all = Stream.concat(Stream.of("trace", "capture", "--state-file", state().toString()),
                Stream.of(args)).toArray(String[]::new);
        return Cli.run(cl -> {
            if (recorder != null) {
                ((TraceCaptureCommand) cl.getSubcommands().get("trace").getSubcommands().get("capture").getCommand())
                        .recorder = recorder::record;
            }
        }, all);
    }

    /** The recorder type, named so tests can pass lambdas. */
    @FunctionalInterface
    interface TraceCaptureRecorder {
        void record(Path tracefs, java.time.Duration d) throws IOException, InterruptedException;
    }

    private static void assertOneLine(final Cli r, final int exit, final String fragment) {
        assertEquals(exit, r.exit(), r.err());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().startsWith("memu: ") && r.err().contains(fragment), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void capturesIntoAFileAndReportsLostEvents() throws IOException {
        final Path t = fakeTracefs();
        final Map<String, String> before = settings(t);
        final Path out = tmp.resolve("cap.trace");
        final Cli r = capture((dir, d) -> Files.copy(Path.of(CommandRun.coreResource("traces/malformed.trace")),
                dir.resolve("trace"), StandardCopyOption.REPLACE_EXISTING),
                "--seconds", "0.1", "--out", out.toString(), "--tracefs", t.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("captured 22 event lines"), r.out());
        assertTrue(r.out().contains("events lost to ring-buffer overruns: 7"), r.out());
        assertEquals(Files.readString(Path.of(CommandRun.coreResource("traces/malformed.trace"))), Files.readString(out));
        assertEquals(before, settings(t), "settings restored");
        assertFalse(Files.exists(state()), "state file removed");
    }

    @Test
    void gzipOutputIsCompressedAndItsSizeReported() throws IOException {
        final Path t = fakeTracefs();
        final Path out = tmp.resolve("cap.trace.gz");
        final Cli r = capture((dir, d) -> Files.copy(Path.of(CommandRun.coreResource("traces/malformed.trace")),
                dir.resolve("trace"), StandardCopyOption.REPLACE_EXISTING),
                "--seconds", "0.1", "--out", out.toString(), "--tracefs", t.toString());
        assertEquals(0, r.exit(), r.err());
        final byte[] bytes = Files.readAllBytes(out);
        assertEquals(0x1f, bytes[0] & 0xff);
        assertTrue(r.out().contains("(" + bytes.length + " bytes)"), r.out());
    }

    @Test
    void badOptionsExitTwoBeforeTouchingTracefs() throws IOException {
        final Path t = fakeTracefs();
        final Map<String, String> before = settings(t);
        final Path out = tmp.resolve("never.trace");
        assertOneLine(capture(null, "--seconds", "0", "--out", out.toString(), "--tracefs", t.toString()), 2, "--seconds '0'");
        assertOneLine(capture(null, "--seconds", "1e9", "--out", out.toString(), "--tracefs", t.toString()), 2, "at most 86400");
        assertOneLine(capture(null, "--seconds", "1", "--buffer-kb", "3", "--out", out.toString(), "--tracefs", t.toString()),
                2, "--buffer-kb '3'");
        assertOneLine(capture(null, "--seconds", "1", "--buffer-kb", "99999999999", "--out", out.toString()), 2, "--buffer-kb");
        assertOneLine(capture(null, "--seconds", "1", "--out", tmp.resolve("no/dir/x.trace").toString(),
                "--tracefs", t.toString()), 2, "does not exist");
        assertOneLine(capture(null, "--seconds", "1", "--out", tmp.toString(), "--tracefs", t.toString()), 2, "is a directory");
        assertEquals(2, capture(null, "--out", out.toString()).exit(), "picocli: --seconds is required");
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(tmp.resolve("no")), "no directory created");
        assertEquals(before, settings(t));
    }

    @Test
    void aDirectoryThatIsNotTracefsExitsOne() {
        final Path out = tmp.resolve("never.trace");
        assertOneLine(capture(null, "--seconds", "1", "--out", out.toString(), "--tracefs", tmp.resolve("nothing").toString()),
                1, "nothing");
        assertFalse(Files.exists(out));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT", "HUP"})
    void aSignalDuringTheCaptureRestoresEverySettingAndLeavesNoFile(final String signal) throws Exception {
        final Path t = fakeTracefs();
        final Map<String, String> before = settings(t);
        final Path outDir = Files.createDirectories(tmp.resolve("out"));
        final Process p = MemuProcess.memu(tmp.resolve("child.log"), "trace", "capture", "--seconds", "60",
                "--out", outDir.resolve("cap.trace").toString(), "--tracefs", t.toString(),
                "--state-file", state().toString());
        try {
            awaitRecording(t, p);
            MemuProcess.signal(p, signal);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the capture ends on SIG" + signal);
        } finally {
            p.destroyForcibly().waitFor();
        }
        assertFalse(p.isAlive());
        assertEquals(before, settings(t), "SIG" + signal + ": every setting back; log: " + Files.readString(tmp.resolve("child.log")));
        assertFalse(Files.exists(state()), "state file removed");
        try (Stream<Path> s = Files.list(outDir)) {
            assertEquals(List.of(), s.toList(), "no output and no temporary file");
        }
    }

    @Test
    void afterKillNineTheNextCaptureRefusesAndRestorePutsTheSettingsBack() throws Exception {
        final Path t = fakeTracefs();
        final Map<String, String> before = settings(t);
        final Path outDir = Files.createDirectories(tmp.resolve("out"));
        final Process p = MemuProcess.memu(tmp.resolve("child.log"), "trace", "capture", "--seconds", "60",
                "--out", outDir.resolve("cap.trace").toString(), "--tracefs", t.toString(),
                "--state-file", state().toString());
        try {
            awaitRecording(t, p);
        } finally {
            p.destroyForcibly().waitFor();
        }
        assertFalse(p.isAlive());
        assertEquals("1", Files.readString(t.resolve("events/kmem/mm_page_alloc/enable")).strip(), "left enabled by kill -9");
        assertTrue(Files.exists(state()), "the state file says what to put back");
        try (Stream<Path> s = Files.list(outDir)) {
            assertEquals(List.of(), s.toList(), "the unnamed temporary file went with the process");
        }

        final Path out = outDir.resolve("again.trace");
        assertOneLine(capture(null, "--seconds", "1", "--out", out.toString(), "--tracefs", t.toString()), 1,
                "memu trace restore");
        assertFalse(Files.exists(out));

        final Cli restored = Cli.run("trace", "restore", "--state-file", state().toString());
        assertEquals(0, restored.exit(), restored.err());
        assertTrue(restored.out().contains("pid " + p.pid()), restored.out());
        assertEquals(before, settings(t));
        assertFalse(Files.exists(state()));
        final Cli nothing = Cli.run("trace", "restore", "--state-file", state().toString());
        assertEquals(0, nothing.exit(), nothing.err());
        assertTrue(nothing.out().contains("nothing to restore"), nothing.out());
    }

    /** Waits until the child has set tracing up (events enabled, tracing on). */
    private static void awaitRecording(final Path t, final Process p) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (!p.isAlive()) {
                throw new AssertionError("the capture ended early, exit " + p.exitValue());
            }
            if (Files.readString(t.resolve("events/kmem/mm_page_free_batched/enable")).strip().equals("1")
                    && Files.readString(t.resolve("tracing_on")).strip().equals("1")
                    && Files.readString(t.resolve("buffer_size_kb")).strip().equals("16384")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the capture did not start recording within 30 s");
    }
}

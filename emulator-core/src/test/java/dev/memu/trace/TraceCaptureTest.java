package dev.memu.trace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Capture against a fake tracefs directory: the files ftrace has, as plain files. */
class TraceCaptureTest {

    @TempDir
    Path tmp;

    private Path fakeTracefs() throws IOException {
        final Path t = tmp.resolve("tracing");
        Files.createDirectories(t);
        Files.writeString(t.resolve("tracing_on"), "1\n");
        Files.writeString(t.resolve("buffer_size_kb"), "7 (expanded: 1408)\n");
        Files.writeString(t.resolve("current_tracer"), "function\n");
        Files.writeString(t.resolve("trace"), "old content\n");
        for (final String e : TraceCapture.EVENTS) {
            Files.createDirectories(t.resolve("events/kmem/" + e));
            Files.writeString(t.resolve("events/kmem/" + e + "/enable"), e.equals("mm_page_free") ? "1\n" : "0\n");
        }
        for (int cpu = 0; cpu < 2; cpu++) {
            Files.createDirectories(t.resolve("per_cpu/cpu" + cpu));
            Files.writeString(t.resolve("per_cpu/cpu" + cpu + "/stats"),
                    "entries: 10\noverrun: " + (cpu == 0 ? 3048 : 47837) + "\ncommit overrun: 0\n");
        }
        return t;
    }

    /** Plays the kernel: checks what capture set up, then fills the ring with a real trace. */
    private static void ring(final Path t, final Duration d) throws IOException {
        assertEquals("1", Files.readString(t.resolve("tracing_on")).strip());
        assertEquals("nop", Files.readString(t.resolve("current_tracer")).strip());
        assertEquals("16384", Files.readString(t.resolve("buffer_size_kb")).strip());
        assertEquals("", Files.readString(t.resolve("trace")).strip(), "ring cleared first");
        for (final String e : TraceCapture.EVENTS) {
            assertEquals("1", Files.readString(t.resolve("events/kmem/" + e + "/enable")).strip());
        }
        Files.copy(Path.of(TraceResources.path("malformed.trace")), t.resolve("trace"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void assertRestored(final Path t) throws IOException {
        assertEquals("1", Files.readString(t.resolve("tracing_on")).strip());
        assertEquals("function", Files.readString(t.resolve("current_tracer")).strip());
        assertEquals("1408", Files.readString(t.resolve("buffer_size_kb")).strip(), "the size the ring expands to");
        assertEquals("0", Files.readString(t.resolve("events/kmem/mm_page_alloc/enable")).strip());
        assertEquals("1", Files.readString(t.resolve("events/kmem/mm_page_free/enable")).strip());
        assertEquals("0", Files.readString(t.resolve("events/kmem/mm_page_free_batched/enable")).strip());
    }

    private Path state() {
        return tmp.resolve("run/memu/trace-capture.state");
    }

    private TraceCapture capture(final Path tracefs, final TraceCapture.Recorder recorder) {
        return new TraceCapture(tracefs, state(), recorder, false);
    }

    @Test
    void recordsRestoresAndReportsOverruns() throws Exception {
        final Path t = fakeTracefs();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final TraceCapture.Result r = capture(t, (dir, d) -> {
            assertTrue(Files.exists(state()), "the state file is written before any setting changes");
            ring(dir, d);
        }).capture(Duration.ofSeconds(1), 16384, out);
        assertRestored(t);
        assertFalse(Files.exists(state()), "state file removed once everything is back");
        assertEquals(3048 + 47837, r.overruns());
        final String expected = Files.readString(Path.of(TraceResources.path("malformed.trace")));
        assertEquals(expected, out.toString(StandardCharsets.UTF_8));
        assertEquals(expected.getBytes(StandardCharsets.UTF_8).length, r.traceBytes());
        assertEquals(30 - 7 - 1, r.eventLines(), "30 lines: 7 header lines and one blank");
    }

    @Test
    void aFailedRecordingRestoresSettingsAndRemovesTheState() throws Exception {
        final Path t = fakeTracefs();
        final TraceCapture capture = capture(t, (dir, d) -> {
            throw new IOException("interrupted by test");
        });
        assertThrows(IOException.class, () -> capture.capture(Duration.ofSeconds(1), 16384, OutputStream.nullOutputStream()));
        assertRestored(t);
        assertFalse(Files.exists(state()));
    }

    @Test
    void settingsLeftByAKilledCaptureAreRefusedThenRestored() throws Exception {
        final Path t = fakeTracefs();
        // what a capture killed while recording leaves: its state file and the changed settings
        final long deadPid = deadPid();
        Files.createDirectories(state().getParent());
        Files.writeString(state(), "pid=" + deadPid + "\ntracefs=" + t + "\nevents/kmem/mm_page_alloc/enable=0\n"
                + "events/kmem/mm_page_free/enable=1\nevents/kmem/mm_page_free_batched/enable=0\n"
                + "current_tracer=function\nbuffer_size_kb=1408\ntracing_on=1\n");
        Files.writeString(t.resolve("tracing_on"), "1\n");
        Files.writeString(t.resolve("buffer_size_kb"), "16384\n");
        Files.writeString(t.resolve("current_tracer"), "nop\n");
        for (final String e : TraceCapture.EVENTS) {
            Files.writeString(t.resolve("events/kmem/" + e + "/enable"), "1\n");
        }
        final IOException refused = assertThrows(TraceCapture.LeftoverStateException.class,
                () -> capture(t, TraceCaptureTest::ring).capture(Duration.ofSeconds(1), 16384, OutputStream.nullOutputStream()));
        assertTrue(refused.getMessage().contains("memu trace restore") && refused.getMessage().contains("" + deadPid),
                refused.getMessage());
        assertEquals("16384", Files.readString(t.resolve("buffer_size_kb")).strip(), "refused before touching anything");

        final List<String> done = TracingState.restore(state());
        assertEquals(6, done.size(), done.toString());
        assertRestored(t);
        assertFalse(Files.exists(state()));
        assertEquals(List.of(), TracingState.restore(state()), "nothing left to restore");
    }

    @Test
    void aRunningCapturesStateIsNotRestoredUnderIt() throws Exception {
        final Path t = fakeTracefs();
        final Process alive = new ProcessBuilder("sleep", "30").start();
        try {
            Files.createDirectories(state().getParent());
            Files.writeString(state(), "pid=" + alive.pid() + "\ntracefs=" + t + "\ntracing_on=1\n");
            assertThrows(IllegalStateException.class, () -> TracingState.restore(state()));
            final IOException e = assertThrows(TraceCapture.LeftoverStateException.class,
                    () -> capture(t, TraceCaptureTest::ring).capture(Duration.ofSeconds(1), 16384, OutputStream.nullOutputStream()));
            assertTrue(e.getMessage().contains("running"), e.getMessage());
            assertTrue(Files.exists(state()));
        } finally {
            alive.destroyForcibly().waitFor();
        }
        assertFalse(alive.isAlive());
    }

    /** A pid that was just in use and is no longer. */
    private static long deadPid() throws Exception {
        final Process p = new ProcessBuilder("true").start();
        p.waitFor();
        assertFalse(p.isAlive());
        return p.pid();
    }

    @Test
    void aDirectoryThatIsNotTracefsIsNamed() {
        final Path notTracefs = tmp.resolve("nothing");
        final IOException e = assertThrows(IOException.class, () -> capture(notTracefs, TraceCaptureTest::ring)
                .capture(Duration.ofSeconds(1), 1024, OutputStream.nullOutputStream()));
        assertTrue(e.getMessage().contains(notTracefs.toString()), e.getMessage());
        assertFalse(Files.exists(state()));
    }
}

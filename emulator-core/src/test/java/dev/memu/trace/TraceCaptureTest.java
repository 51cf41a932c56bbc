package dev.memu.trace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

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

    @Test
    void recordsRestoresAndReportsOverruns() throws Exception {
        final Path t = fakeTracefs();
        final Path out = tmp.resolve("out/capture.trace");
        final TraceCapture.Result r = new TraceCapture(t, TraceCaptureTest::ring)
                .capture(Duration.ofSeconds(1), out, 16384);
        assertRestored(t);
        assertEquals(3048 + 47837, r.overruns());
        assertEquals(Files.readString(Path.of(TraceResources.path("malformed.trace"))), Files.readString(out));
        assertEquals(30 - 7 - 1, r.eventLines(), "30 lines: 7 header lines and one blank");
        try (Stream<Path> s = Files.list(out.getParent())) {
            assertEquals(List.of(out), s.toList(), "no temporary file left");
        }
    }

    @Test
    void gzipOutputReadsBackAsTheSameTrace() throws Exception {
        final Path t = fakeTracefs();
        final Path out = tmp.resolve("capture.trace.gz");
        new TraceCapture(t, TraceCaptureTest::ring).capture(Duration.ofSeconds(1), out, 16384);
        final TraceLog log = FtraceParser.read(List.of(out.toString()), false, InputStream.nullInputStream());
        assertEquals(16, log.stats().events());
    }

    @Test
    void aFailedRecordingRestoresSettingsAndLeavesNoOutput() throws Exception {
        final Path t = fakeTracefs();
        final Path out = tmp.resolve("failed.trace");
        final TraceCapture capture = new TraceCapture(t, (dir, d) -> {
            throw new IOException("interrupted by test");
        });
        assertThrows(IOException.class, () -> capture.capture(Duration.ofSeconds(1), out, 16384));
        assertRestored(t);
        assertFalse(Files.exists(out));
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".part")));
        }
    }

    @Test
    void aDirectoryThatIsNotTracefsIsNamed() {
        final Path notTracefs = tmp.resolve("nothing");
        final IOException e = assertThrows(IOException.class, () -> new TraceCapture(notTracefs, TraceCaptureTest::ring)
                .capture(Duration.ofSeconds(1), tmp.resolve("x.trace"), 1024));
        assertTrue(e.getMessage().contains(notTracefs.toString()), e.getMessage());
    }
}

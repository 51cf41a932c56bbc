package dev.memu.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceCaptureCommandTest {

    @TempDir
    Path tmp;

    private Path fakeTracefs() throws IOException {
        final Path t = tmp.resolve("tracing");
        Files.createDirectories(t.resolve("per_cpu/cpu0"));
        Files.writeString(t.resolve("tracing_on"), "1\n");
        Files.writeString(t.resolve("buffer_size_kb"), "1408\n");
        Files.writeString(t.resolve("current_tracer"), "nop\n");
        Files.writeString(t.resolve("trace"), "");
        Files.writeString(t.resolve("per_cpu/cpu0/stats"), "overrun: 7\n");
        for (final String e : new String[] {"mm_page_alloc", "mm_page_free", "mm_page_free_batched"}) {
            Files.createDirectories(t.resolve("events/kmem/" + e));
            Files.writeString(t.resolve("events/kmem/" + e + "/enable"), "0\n");
        }
        return t;
    }

    @Test
    void capturesIntoAFileAndReportsLostEvents() throws IOException {
        final Path t = fakeTracefs();
        final Path out = tmp.resolve("cap.trace");
        final TraceCaptureCommand cmd = new TraceCaptureCommand();
        cmd.recorder = (dir, d) -> Files.copy(Path.of(CommandRun.coreResource("traces/malformed.trace")),
                dir.resolve("trace"), StandardCopyOption.REPLACE_EXISTING);
        final CommandRun r = CommandRun.run(cmd, "--seconds", "0.1", "--out", out.toString(), "--tracefs", t.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("captured 22 event lines"), r.out());
        assertTrue(r.out().contains("events lost to ring-buffer overruns: 7"), r.out());
        assertTrue(Files.size(out) > 0);
        assertEquals("1408", Files.readString(t.resolve("buffer_size_kb")).strip(), "settings restored");
        assertEquals("0", Files.readString(t.resolve("events/kmem/mm_page_alloc/enable")).strip());
    }

    @Test
    void badOptionsExitTwo() {
        final Path out = tmp.resolve("never.trace");
        CommandRun r = CommandRun.run(new TraceCaptureCommand(), "--seconds", "0", "--out", out.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--seconds"), r.err());
        r = CommandRun.run(new TraceCaptureCommand(), "--out", out.toString());
        assertEquals(2, r.exit(), "picocli: --seconds is required");
        assertFalse(Files.exists(out));
    }

    @Test
    void aDirectoryThatIsNotTracefsExitsOne() {
        final Path out = tmp.resolve("never.trace");
        final CommandRun r = CommandRun.run(new TraceCaptureCommand(), "--seconds", "1", "--out", out.toString(),
                "--tracefs", tmp.resolve("nothing").toString());
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains("nothing"), r.err());
        assertFalse(Files.exists(out));
    }
}

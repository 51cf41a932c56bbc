package dev.memu.cli;

import dev.memu.trace.TraceCapture;
import dev.memu.trace.TracingState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.GZIPOutputStream;

/**
 * {@code memu trace capture --seconds N --out FILE}: records the kmem page-allocator events with
 * ftrace (root), restores the previous tracing settings (also on SIGINT, SIGTERM and SIGHUP), and
 * says how many events were lost. Exit 0; 1 when tracefs cannot be used (not root, no
 * tracepoints) or an earlier capture's settings are still in place ({@code memu trace restore});
 * 2 on bad options.
 */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Record kmem:mm_page_alloc, mm_page_free and mm_page_free_batched with ftrace (root)",
                "into FILE (gzip when it ends in .gz), restoring the previous tracing settings when it ends,",
                "also on Ctrl-C, SIGTERM or SIGHUP. The settings it found are kept in a state file until they",
                "are back; after a kill -9 the next capture refuses to start until 'memu trace restore'."})
public final class TraceCaptureCommand implements Callable<Integer> {

    /** Largest ring per CPU: 1 GiB; the host must also have it (checked against MemAvailable). */
    static final int MAX_BUFFER_KB = 1 << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", required = true, paramLabel = "S",
            description = "How long to record, 0 < S <= 86400.")
    String seconds;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Trace file to write; it appears whole or not at all. Its directory must exist.")
    String out;

    @Option(names = "--buffer-kb", defaultValue = "16384", paramLabel = "KB",
            description = "Ring buffer per CPU in KiB, 4.." + MAX_BUFFER_KB + " (default: ${DEFAULT-VALUE}).")
    String bufferKb;

    @Option(names = "--tracefs", paramLabel = "DIR",
            description = "tracefs directory (default: /sys/kernel/tracing, mounted if needed).")
    Path tracefs;

    @Option(names = "--state-file", paramLabel = "FILE", hidden = true,
            description = "Where the settings to restore are kept (default: /run/memu/trace-capture.state).")
    Path stateFile;

    /** Tests substitute a recorder that plays the kernel. */
    TraceCapture.Recorder recorder;

    @Override
    public Integer call() throws IOException {
        final double secs = Inputs.number("--seconds", seconds, 0, false, 86_400);
        final int kb = (int) Inputs.integer("--buffer-kb", bufferKb, 4, MAX_BUFFER_KB);
        final int cpus = Runtime.getRuntime().availableProcessors();
        HostMemory.requireOffHeap("--buffer-kb '" + bufferKb + "'", (long) kb * 1024 * cpus,
                "the ring buffers (" + cpus + " CPUs)");
        final OutputTarget target = OutputTarget.file("--out", out);
        final boolean gzip = out.endsWith(".gz");
        final TraceCapture capture = new TraceCapture(tracefs == null ? TraceCapture.DEFAULT_TRACEFS : tracefs,
                stateFile == null ? TracingState.defaultFile() : stateFile,
                recorder != null ? recorder : (dir, d) -> Thread.sleep(d.toMillis()), Privilege.root());
        final TraceCapture.Result[] result = new TraceCapture.Result[1];
        final long[] fileBytes = new long[1];
        try {
            target.commit(os -> {
                final CountingStream counted = new CountingStream(os);
                final GZIPOutputStream gz = gzip ? new GZIPOutputStream(counted, 1 << 16) : null;
                try {
                    result[0] = capture.capture(Duration.ofMillis(Math.max(1, Math.round(secs * 1000))), kb,
                            gz != null ? gz : counted);
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted; tracing settings restored, no output written");
                }
                if (gz != null) {
                    gz.finish();
                }
                counted.flush();
                fileBytes[0] = counted.bytes;
            });
        } finally {
            target.abandon();
        }
        final var stdout = spec.commandLine().getOut();
        final TraceCapture.Result r = result[0];
        final Path written = target.destination();
        stdout.printf(Locale.ROOT, "captured %d event lines in %.1f s to %s (%d bytes)%n", r.eventLines(), secs,
                written, fileBytes[0]);
        stdout.printf(Locale.ROOT, "events lost to ring-buffer overruns: %d%s%n", r.overruns(),
                r.overruns() > 0 ? " (raise --buffer-kb or shorten --seconds)" : "");
        stdout.printf(Locale.ROOT, "replay it with: memu replay %s%n", written);
        stdout.flush();
        return 0;
    }

    /** Counts the bytes that reach the file (after gzip). */
    private static final class CountingStream extends FilterOutputStream {
        long bytes;

        CountingStream(final OutputStream out) {
            super(out);
        }

        @Override
        public void write(final int b) throws IOException {
            out.write(b);
            bytes++;
        }

        @Override
        public void write(final byte[] b, final int off, final int len) throws IOException {
            out.write(b, off, len);
            bytes += len;
        }

        @Override
        public void close() throws IOException {
            flush(); // the output is closed by its OutputTarget
        }
    }
}

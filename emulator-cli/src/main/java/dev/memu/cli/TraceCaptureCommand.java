package dev.memu.cli;

import dev.memu.trace.TraceCapture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code memu trace capture --seconds N --out FILE}: records the kmem page-allocator events with
 * ftrace (root), restores the previous tracing settings, and says how many events were lost.
 * Exit 0, 1 when tracefs cannot be used (not root, no tracepoints), 2 on bad options.
 */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Record kmem:mm_page_alloc, mm_page_free and mm_page_free_batched with ftrace (root)",
                "into FILE (gzip when it ends in .gz), restoring the previous tracing settings."})
public final class TraceCaptureCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", required = true, description = "how long to record")
    double seconds;

    @Option(names = "--out", required = true, description = "trace file to write (atomically)")
    Path out;

    @Option(names = "--buffer-kb", defaultValue = "16384", description = "ring buffer per CPU in KiB (default: ${DEFAULT-VALUE})")
    int bufferKb;

    @Option(names = "--tracefs", description = "tracefs directory (default: /sys/kernel/tracing, mounted if needed)")
    Path tracefs;

    /** Tests substitute a recorder that plays the kernel. */
    TraceCapture.Recorder recorder;

    /** Runs this command alone (until the lead registers it under {@code memu}). */
    @Override
    public Integer call() {
        final var err = spec.commandLine().getErr();
        final var stdout = spec.commandLine().getOut();
        try {
            if (!(seconds > 0) || seconds > 86_400) {
                err.println("memu trace capture: --seconds must be in (0, 86400], got " + seconds);
                return 2;
            }
            if (bufferKb < 4) {
                err.println("memu trace capture: --buffer-kb must be at least 4, got " + bufferKb);
                return 2;
            }
            final TraceCapture capture = new TraceCapture(tracefs == null ? TraceCapture.DEFAULT_TRACEFS : tracefs,
                    recorder != null ? recorder : (dir, d) -> Thread.sleep(d.toMillis()));
            final TraceCapture.Result r = capture.capture(Duration.ofMillis(Math.round(seconds * 1000)), out, bufferKb);
            stdout.printf(Locale.ROOT, "captured %d event lines in %.1f s to %s (%d bytes)%n", r.eventLines(), seconds,
                    r.output(), r.bytes());
            stdout.printf(Locale.ROOT, "events lost to ring-buffer overruns: %d%s%n", r.overruns(),
                    r.overruns() > 0 ? " (raise --buffer-kb or shorten --seconds)" : "");
            stdout.printf(Locale.ROOT, "replay it with: memu replay %s%n", r.output());
            stdout.flush();
            return 0;
        } catch (final AccessDeniedException e) {
            err.println("memu trace capture: " + e.getFile() + ": " + (e.getReason() == null ? "permission denied" : e.getReason()));
            return 1;
        } catch (final IOException e) {
            err.println("memu trace capture: " + e.getMessage());
            return 1;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("memu trace capture: interrupted; tracing settings restored, no output written");
            return 1;
        } finally {
            err.flush();
        }
    }
}

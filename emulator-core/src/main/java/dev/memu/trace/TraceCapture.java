package dev.memu.trace;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records {@code kmem:mm_page_alloc}, {@code mm_page_free} and {@code mm_page_free_batched} with
 * ftrace for a while and writes the text to a stream, leaving tracing as it found it.
 *
 * <ol>
 *   <li>Refuses to start while a state file ({@link TracingState}) says an earlier capture's
 *       changes are still in place (it was killed, or is still running).</li>
 *   <li>Mounts tracefs at {@code /sys/kernel/tracing} if it is not mounted (root only), and
 *       unmounts it again at the end.</li>
 *   <li>Reads {@code tracing_on}, {@code buffer_size_kb}, {@code current_tracer} and the three
 *       events' {@code enable} files and writes them to the state file, before changing any.</li>
 *   <li>Stops tracing, sets the nop tracer and a per-CPU ring of {@code bufferKb}, clears the
 *       ring, enables the three events and starts tracing.</li>
 *   <li>Waits, stops tracing, copies {@code trace} (the whole ring, not consumed) to the stream
 *       and reads each CPU's {@code overrun} count from {@code per_cpu/cpuN/stats}: the events
 *       the full ring overwrote.</li>
 *   <li>Restores every setting (tracing_on last) and removes the state file, whether the capture
 *       ends normally, by an exception, or by SIGINT, SIGTERM or SIGHUP: a shutdown hook runs the
 *       same idempotent restore, and once it has run no setup write of the capture goes through.</li>
 * </ol>
 * Reading {@code trace} at the end, rather than {@code trace_pipe} while recording, keeps the
 * reader from generating the very page allocations it records; a large ring (16 MiB per CPU by
 * default, about 80 k events) holds a few seconds of a busy machine, and the overrun count says
 * when it did not. Clearing the ring discards whatever an earlier user of ftrace left in it, and a
 * ring the kernel had not allocated yet ({@code buffer_size_kb} reading {@code 7 (expanded: 1408)})
 * comes back allocated at the size it would have had (1408, which the kernel rounds to whole
 * pages): enabling any event allocates it ({@code tracing_update_buffers()} in
 * kernel/trace/trace.c), and no tracefs write un-allocates it.
 */
public final class TraceCapture {

    public static final Path DEFAULT_TRACEFS = Path.of("/sys/kernel/tracing");
    public static final List<String> EVENTS = List.of("mm_page_alloc", "mm_page_free", "mm_page_free_batched");

    /** What a capture recorded: event lines, ring overruns and bytes of trace text copied. */
    public record Result(long eventLines, long overruns, long traceBytes) {
    }

    /** Waits out the recording; tests substitute one that writes a ring's text instead. */
    @FunctionalInterface
    public interface Recorder {
        void record(Path tracefs, Duration duration) throws IOException, InterruptedException;
    }

    /** An earlier capture's settings are still in place: restore them first. */
    public static final class LeftoverStateException extends IOException {
        LeftoverStateException(final String message) {
            super(message);
        }
    }

    private final Path tracefs;
    private final Path stateFile;
    private final Recorder recorder;
    private final boolean root;

    /**
     * @param root whether this process is root; only changes what the errors say
     */
    public TraceCapture(final Path tracefs, final Path stateFile, final Recorder recorder, final boolean root) {
        this.tracefs = tracefs;
        this.stateFile = stateFile;
        this.recorder = recorder;
        this.root = root;
    }

    /**
     * Records for {@code duration} into {@code sink} (left open).
     *
     * @throws LeftoverStateException when the state file names settings not yet restored
     * @throws IOException            naming the tracefs file that could not be read or written
     */
    public Result capture(final Duration duration, final int bufferKb, final OutputStream sink)
            throws IOException, InterruptedException {
        if (bufferKb < 4) {
            throw new IllegalArgumentException("buffer must be at least 4 KiB per CPU, got " + bufferKb);
        }
        refuseLeftovers();
        final boolean mounted = ensureMounted();
        final Path tracingOn = tracefs.resolve("tracing_on");
        if (!Files.isWritable(tracingOn)) {
            throw new AccessDeniedException(tracingOn.toString(), null,
                    root ? "not writable (is tracefs mounted read-only?)" : "capturing a trace needs root");
        }
        final Session session = new Session(new TracingState(ProcessHandle.current().pid(), tracefs, save(), mounted), stateFile);
        session.state.write(stateFile);
        final Thread hook = new Thread(session::restoreOnShutdown, "memu-trace-restore");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            session.write("tracing_on", "0");
            session.write("current_tracer", "nop");
            session.write("buffer_size_kb", Integer.toString(bufferKb));
            session.write("trace", "");
            for (final String e : EVENTS) {
                session.write("events/kmem/" + e + "/enable", "1");
            }
            session.write("tracing_on", "1");
            recorder.record(tracefs, duration);
            session.write("tracing_on", "0");
            final EventLineCounter counter = new EventLineCounter(sink);
            try (InputStream in = Files.newInputStream(tracefs.resolve("trace"))) {
                in.transferTo(counter);
            }
            counter.flush();
            final long overruns = overruns();
            return new Result(counter.eventLines, overruns, counter.bytes);
        } finally {
            session.restore();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (final IllegalStateException shuttingDown) {
                // the hook runs (and finds everything restored)
            }
        }
    }

    private void refuseLeftovers() throws IOException {
        final TracingState left = TracingState.read(stateFile);
        if (left == null) {
            return;
        }
        if (left.ownerAlive()) {
            throw new LeftoverStateException("another memu trace capture (pid " + left.pid() + ") is running on "
                    + left.tracefs() + " (state in " + stateFile + ")");
        }
        throw new LeftoverStateException("a memu trace capture (pid " + left.pid() + ") was stopped before it could "
                + "restore the tracing settings of " + left.tracefs() + "; run 'memu trace restore' first");
    }

    /** One capture's changes: writes go through until the restore, which runs once. */
    private static final class Session {
        final TracingState state;
        private final Path stateFile;
        private boolean restored;

        Session(final TracingState state, final Path stateFile) {
            this.state = state;
            this.stateFile = stateFile;
        }

        synchronized void write(final String file, final String value) throws IOException {
            if (restored) {
                throw new InterruptedIOException("capture stopped: tracing settings already restored");
            }
            Files.writeString(state.tracefs().resolve(file), value + "\n");
        }

        synchronized void restore() throws IOException {
            if (restored) {
                return;
            }
            restored = true;
            state.apply();   // on failure the state file stays, for memu trace restore
            Files.deleteIfExists(stateFile);
        }

        void restoreOnShutdown() {
            try {
                restore();
            } catch (final IOException e) {
                System.err.println("memu: " + e.getMessage() + "; 'memu trace restore' tries again");
            }
        }

    }

    /** @return whether this call mounted tracefs (and the restore should unmount it) */
    private boolean ensureMounted() throws IOException, InterruptedException {
        if (Files.exists(tracefs.resolve("tracing_on"))) {
            return false;
        }
        if (!tracefs.equals(DEFAULT_TRACEFS)) {
            throw new java.nio.file.NoSuchFileException(tracefs.resolve("tracing_on").toString(), null,
                    "not a tracefs directory");
        }
        final Process p = new ProcessBuilder("mount", "-t", "tracefs", "nodev", tracefs.toString())
                .redirectErrorStream(true).start();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0 || !Files.exists(tracefs.resolve("tracing_on"))) {
            throw new IOException("tracefs is not mounted at " + tracefs + " and mounting it failed"
                    + (output.isEmpty() ? "" : ": " + output) + (root ? "" : " (needs root)"));
        }
        return true;
    }

    /** The current settings, in restore order (tracing_on last). */
    private Map<String, String> save() throws IOException {
        final Map<String, String> saved = new LinkedHashMap<>();
        for (final String e : EVENTS) {
            final String enable = "events/kmem/" + e + "/enable";
            if (!Files.exists(tracefs.resolve(enable))) {
                throw new java.nio.file.NoSuchFileException(tracefs.resolve(enable).toString(), null,
                        "this kernel has no kmem:" + e + " tracepoint");
            }
            saved.put(enable, firstToken(Files.readString(tracefs.resolve(enable))));
        }
        saved.put("current_tracer", firstToken(Files.readString(tracefs.resolve("current_tracer"))));
        // "7 (expanded: 1408)": the ring was never expanded; its real size when used is 1408
        final String size = Files.readString(tracefs.resolve("buffer_size_kb")).strip();
        final int exp = size.indexOf("expanded:");
        saved.put("buffer_size_kb", exp >= 0 ? size.substring(exp + 9).replace(")", "").strip() : firstToken(size));
        saved.put("tracing_on", firstToken(Files.readString(tracefs.resolve("tracing_on"))));
        return saved;
    }

    private long overruns() throws IOException {
        final Path perCpu = tracefs.resolve("per_cpu");
        if (!Files.isDirectory(perCpu)) {
            return 0;
        }
        long sum = 0;
        final List<Path> cpus = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(perCpu, "cpu*")) {
            ds.forEach(cpus::add);
        }
        for (final Path cpu : cpus) {
            final Path stats = cpu.resolve("stats");
            if (!Files.exists(stats)) {
                continue;
            }
            for (final String line : Files.readAllLines(stats)) {
                if (line.startsWith("overrun:")) {
                    sum += Long.parseLong(line.substring(8).strip());
                }
            }
        }
        return sum;
    }

    /** Passes bytes through, counting them and the lines that are neither blank nor {@code #} comments. */
    private static final class EventLineCounter extends FilterOutputStream {
        long bytes;
        long eventLines;
        /** Still in the leading blanks of a line: its kind is not known yet. */
        private boolean lineStart = true;

        EventLineCounter(final OutputStream out) {
            super(out);
        }

        @Override
        public void write(final int b) throws IOException {
            out.write(b);
            count((byte) b);
        }

        @Override
        public void write(final byte[] b, final int off, final int len) throws IOException {
            out.write(b, off, len);
            for (int i = off; i < off + len; i++) {
                count(b[i]);
            }
        }

        private void count(final byte b) {
            bytes++;
            if (b == '\n') {
                lineStart = true;
            } else if (lineStart && !Character.isWhitespace(b)) {
                lineStart = false;
                if (b != '#') {
                    eventLines++;
                }
            }
        }
    }

    private static String firstToken(final String s) {
        final String t = s.strip();
        final int sp = t.indexOf(' ');
        return sp < 0 ? t : t.substring(0, sp);
    }
}

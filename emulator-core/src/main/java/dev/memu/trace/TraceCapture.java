package dev.memu.trace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Records {@code kmem:mm_page_alloc}, {@code mm_page_free} and {@code mm_page_free_batched} with
 * ftrace for a while and writes the text to a file, leaving tracing as it found it.
 *
 * <ol>
 *   <li>Mounts tracefs at {@code /sys/kernel/tracing} if it is not mounted (root only).</li>
 *   <li>Saves {@code tracing_on}, {@code buffer_size_kb}, {@code current_tracer} and the three
 *       events' {@code enable} files.</li>
 *   <li>Stops tracing, sets the nop tracer and a per-CPU ring of {@code bufferKb}, clears the
 *       ring, enables the three events and starts tracing.</li>
 *   <li>Waits, stops tracing, copies {@code trace} (the whole ring, not consumed) to a temporary
 *       file next to the output and reads each CPU's {@code overrun} count from
 *       {@code per_cpu/cpuN/stats}: the events the full ring overwrote.</li>
 *   <li>Restores every saved setting in a finally block, and only then moves the temporary file
 *       onto the output (gzip-compressed when its name ends in .gz): no partial output.</li>
 * </ol>
 * Reading {@code trace} at the end, rather than {@code trace_pipe} while recording, keeps the
 * reader from generating the very page allocations it records; a large ring (16 MiB per CPU by
 * default, about 80 k events) holds a few seconds of a busy machine, and the overrun count says
 * when it did not.
 */
public final class TraceCapture {

    public static final Path DEFAULT_TRACEFS = Path.of("/sys/kernel/tracing");
    public static final List<String> EVENTS = List.of("mm_page_alloc", "mm_page_free", "mm_page_free_batched");

    /** What a capture recorded. */
    public record Result(Path output, long eventLines, long overruns, long bytes) {
    }

    /** Waits out the recording; tests substitute one that writes a ring's text instead. */
    @FunctionalInterface
    public interface Recorder {
        void record(Path tracefs, Duration duration) throws IOException, InterruptedException;
    }

    private final Path tracefs;
    private final Recorder recorder;

    public TraceCapture(final Path tracefs, final Recorder recorder) {
        this.tracefs = tracefs;
        this.recorder = recorder;
    }

    public static TraceCapture onThisMachine() {
        return new TraceCapture(DEFAULT_TRACEFS, (dir, d) -> Thread.sleep(d.toMillis()));
    }

    /**
     * Records for {@code duration} into {@code out}.
     *
     * @throws IOException naming the tracefs file that could not be read or written (e.g. not root)
     */
    public Result capture(final Duration duration, final Path out, final int bufferKb)
            throws IOException, InterruptedException {
        if (bufferKb < 4) {
            throw new IllegalArgumentException("buffer must be at least 4 KiB per CPU, got " + bufferKb);
        }
        ensureMounted();
        final Path tracingOn = tracefs.resolve("tracing_on");
        if (!Files.isWritable(tracingOn)) {
            throw new AccessDeniedException(tracingOn.toString(), null, "capturing a trace needs root");
        }
        final Map<Path, String> saved = save();
        final Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        final Path tmp = Files.createTempFile(dir, "." + out.getFileName() + ".", ".part");
        ordinaryPermissions(tmp);
        boolean moved = false;
        try {
            long overruns;
            try {
                write("tracing_on", "0");
                write("current_tracer", "nop");
                write("buffer_size_kb", Integer.toString(bufferKb));
                write("trace", "");
                for (final String e : EVENTS) {
                    write("events/kmem/" + e + "/enable", "1");
                }
                write("tracing_on", "1");
                recorder.record(tracefs, duration);
                write("tracing_on", "0");
                copyTrace(tmp, out.getFileName().toString().endsWith(".gz"));
                overruns = overruns();
            } finally {
                restore(saved);
            }
            final long lines = countEventLines(tmp);
            final long bytes = Files.size(tmp);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
            return new Result(out, lines, overruns, bytes);
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private void ensureMounted() throws IOException, InterruptedException {
        if (Files.exists(tracefs.resolve("tracing_on"))) {
            return;
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
                    + (output.isEmpty() ? "" : ": " + output) + " (needs root)");
        }
    }

    private Map<Path, String> save() throws IOException {
        final Map<Path, String> saved = new LinkedHashMap<>();
        for (final String e : EVENTS) {
            final Path enable = tracefs.resolve("events/kmem/" + e + "/enable");
            if (!Files.exists(enable)) {
                throw new java.nio.file.NoSuchFileException(enable.toString(), null,
                        "this kernel has no kmem:" + e + " tracepoint");
            }
            saved.put(enable, firstToken(Files.readString(enable)));
        }
        saved.put(tracefs.resolve("current_tracer"), firstToken(Files.readString(tracefs.resolve("current_tracer"))));
        // "7 (expanded: 1408)": the ring was never expanded; its real size when used is 1408
        final String size = Files.readString(tracefs.resolve("buffer_size_kb")).strip();
        final int exp = size.indexOf("expanded:");
        saved.put(tracefs.resolve("buffer_size_kb"),
                exp >= 0 ? size.substring(exp + 9).replace(")", "").strip() : firstToken(size));
        saved.put(tracefs.resolve("tracing_on"), firstToken(Files.readString(tracefs.resolve("tracing_on"))));
        return saved;
    }

    /** Writes every saved value back, tracing_on last; keeps going past a failure and reports the first. */
    private void restore(final Map<Path, String> saved) throws IOException {
        IOException first = null;
        for (final Map.Entry<Path, String> e : saved.entrySet()) {
            try {
                Files.writeString(e.getKey(), e.getValue() + "\n");
            } catch (final IOException ex) {
                if (first == null) {
                    first = new IOException("could not restore " + e.getKey() + " to '" + e.getValue() + "'", ex);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void write(final String file, final String value) throws IOException {
        Files.writeString(tracefs.resolve(file), value + "\n");
    }

    private void copyTrace(final Path tmp, final boolean gzip) throws IOException {
        try (InputStream in = Files.newInputStream(tracefs.resolve("trace"));
             OutputStream raw = Files.newOutputStream(tmp);
             OutputStream os = gzip ? new GZIPOutputStream(raw, 1 << 16) : raw) {
            in.transferTo(os);
        }
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

    private static long countEventLines(final Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = new java.io.BufferedInputStream(raw)) {
            in.mark(2);
            final boolean gz = in.read() == 0x1f && in.read() == 0x8b;
            in.reset();
            final InputStream text = gz ? new java.util.zip.GZIPInputStream(in) : in;
            final BufferedReader r = new BufferedReader(new java.io.InputStreamReader(text, StandardCharsets.UTF_8));
            long n = 0;
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank() && !line.stripLeading().startsWith("#")) {
                    n++;
                }
            }
            return n;
        }
    }

    private static String firstToken(final String s) {
        final String t = s.strip();
        final int sp = t.indexOf(' ');
        return sp < 0 ? t : t.substring(0, sp);
    }
    /** Temporary files are created 0600; the result is an ordinary file, 0644 where POSIX. */
    private static void ordinaryPermissions(final java.nio.file.Path p) throws java.io.IOException {
        try {
            java.nio.file.Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (final UnsupportedOperationException ignored) {
            // not a POSIX file system: keep the default
        }
    }
}

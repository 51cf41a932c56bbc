package dev.memu.trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tracefs settings a capture found, kept in a state file for as long as they may differ from
 * what is in the kernel, so that a capture killed before it could put them back ({@code kill -9},
 * a crash) does not leave tracing on unnoticed: the next capture refuses to start, and
 * {@code memu trace restore} ({@link #restore}) writes them back.
 *
 * <p>The file is written (temporary file, then rename) <em>before</em> the capture changes any
 * setting and removed only after every setting is back. Its lines: {@code pid=N},
 * {@code tracefs=DIR}, then {@code FILE=VALUE} per setting, relative to the tracefs directory, in
 * the order they are restored ({@code tracing_on} last), and {@code mounted=1} when the capture
 * mounted tracefs itself (the restore unmounts it). The default place is
 * {@code /run/memu/trace-capture.state}: {@code /run} is emptied at boot, exactly when the kernel's
 * tracing settings are reset too.
 */
public final class TracingState {

    /** The default state file; {@code java.io.tmpdir} where there is no {@code /run}. */
    public static Path defaultFile() {
        final Path run = Path.of("/run");
        final Path dir = Files.isDirectory(run) && Files.isWritable(run) ? run.resolve("memu")
                : Path.of(System.getProperty("java.io.tmpdir"), "memu");
        return dir.resolve("trace-capture.state");
    }

    private final long pid;
    private final Path tracefs;
    private final Map<String, String> settings;
    /** The capture mounted tracefs itself: the restore unmounts it again. */
    private final boolean mounted;

    TracingState(final long pid, final Path tracefs, final Map<String, String> settings, final boolean mounted) {
        this.pid = pid;
        this.tracefs = tracefs;
        this.settings = settings;
        this.mounted = mounted;
    }

    public long pid() {
        return pid;
    }

    public Path tracefs() {
        return tracefs;
    }

    /** tracefs file (relative) to the value it had, in restore order. */
    public Map<String, String> settings() {
        return settings;
    }

    /** Whether the capture that wrote this state is still running (and so restores it itself). */
    public boolean ownerAlive() {
        return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Writes the state file atomically (its directory is created: it is memu's own, under /run). */
    void write(final Path file) throws IOException {
        final StringBuilder sb = new StringBuilder("# memu trace capture: tracing settings to restore "
                + "(memu trace restore)\n");
        sb.append("pid=").append(pid).append('\n');
        sb.append("tracefs=").append(tracefs).append('\n');
        if (mounted) {
            sb.append("mounted=1\n");
        }
        settings.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Files.createDirectories(file.toAbsolutePath().getParent());
        final Path tmp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The state in {@code file}, or null when there is none. */
    public static TracingState read(final Path file) throws IOException {
        final List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (final NoSuchFileException e) {
            return null;
        }
        long pid = -1;
        Path tracefs = null;
        boolean mounted = false;
        final Map<String, String> settings = new LinkedHashMap<>();
        for (final String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            final int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IOException(file + ": not a memu trace state file (line '" + line + "')");
            }
            final String k = line.substring(0, eq);
            final String v = line.substring(eq + 1);
            switch (k) {
                case "pid" -> pid = Long.parseLong(v);
                case "tracefs" -> tracefs = Path.of(v);
                case "mounted" -> mounted = v.equals("1");
                default -> {
                    if (k.startsWith("/") || k.contains("..")) {
                        throw new IOException(file + ": setting '" + k + "' is not a file inside tracefs");
                    }
                    settings.put(k, v);
                }
            }
        }
        if (pid < 0 || tracefs == null) {
            throw new IOException(file + ": not a memu trace state file (no pid or tracefs line)");
        }
        return new TracingState(pid, tracefs, settings, mounted);
    }

    /**
     * Writes every setting back: {@code tracing_on} to 0 first (recording stops at once), then
     * each in order, {@code tracing_on} last. Keeps going past a failure and reports the first.
     *
     * @return the settings written
     */
    List<String> apply() throws IOException {
        final List<String> done = new ArrayList<>();
        IOException first = null;
        try {
            Files.writeString(tracefs.resolve("tracing_on"), "0\n");
        } catch (final IOException e) {
            first = new IOException("could not stop tracing (" + tracefs.resolve("tracing_on") + ")", e);
        }
        for (final Map.Entry<String, String> e : settings.entrySet()) {
            final Path f = tracefs.resolve(e.getKey());
            try {
                Files.writeString(f, e.getValue() + "\n");
                done.add(e.getKey() + "=" + e.getValue());
            } catch (final IOException ex) {
                if (first == null) {
                    first = new IOException("could not restore " + f + " to '" + e.getValue() + "': "
                            + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()), ex);
                }
            }
        }
        if (first != null) {
            throw first;
        }
        if (mounted) {
            unmount();
            done.add("unmounted " + tracefs);
        }
        return done;
    }

    private void unmount() throws IOException {
        final Process p = new ProcessBuilder("umount", tracefs.toString()).redirectErrorStream(true).start();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (p.waitFor() != 0) {
                throw new IOException("could not unmount " + tracefs + ", which the capture mounted"
                        + (output.isEmpty() ? "" : ": " + output));
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while unmounting " + tracefs, e);
        }
    }

    /**
     * {@code memu trace restore}: puts back what a stopped capture left in {@code file} and removes it.
     *
     * @return the settings written; empty when there was no state file
     * @throws IllegalStateException when the capture that wrote it is still running
     */
    public static List<String> restore(final Path file) throws IOException {
        final TracingState s = read(file);
        if (s == null) {
            return List.of();
        }
        if (s.ownerAlive()) {
            throw new IllegalStateException("memu trace capture (pid " + s.pid + ") is still running and restores "
                    + "the settings itself when it ends (stop it with kill " + s.pid + ")");
        }
        final List<String> done = s.apply();
        Files.deleteIfExists(file);
        return done;
    }
}

package dev.memu.trace;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The trace files of one replay, checked up front and opened again for every pass: a replay reads
 * its text once for the counts that size the emulated RAM and once per layout replayed, holding
 * state per pfn and per live block, never per event. Standard input ({@code "-"}) can be read
 * only once, so it is copied to a temporary file (gzip-compressed, deleted on {@link #close}) as
 * it is first read.
 */
public final class TraceInputs implements AutoCloseable {

    private final List<String> names;
    private final List<Path> paths;
    private final Path spool;

    private TraceInputs(final List<String> names, final List<Path> paths, final Path spool) {
        this.names = names;
        this.paths = paths;
        this.spool = spool;
    }

    /**
     * Checks every input ({@code "-"} is {@code stdin}, at most once) and spools standard input.
     *
     * @throws NoSuchFileException naming an input that does not exist ("no such trace file")
     * @throws FileSystemException naming an input that is a directory, not a regular file, or
     *                             unreadable, with the reason
     * @throws IllegalArgumentException when there is no input or {@code "-"} is named twice
     */
    public static TraceInputs open(final List<String> inputs, final InputStream stdin) throws IOException {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("no trace file named");
        }
        if (inputs.stream().filter("-"::equals).count() > 1) {
            throw new IllegalArgumentException("'-' (standard input) can be named only once");
        }
        final List<Path> paths = new ArrayList<>();
        for (final String input : inputs) {
            paths.add("-".equals(input) ? null : check(input));
        }
        Path spool = null;
        final int dash = inputs.indexOf("-");
        if (dash >= 0) {
            spool = Files.createTempFile("memu-replay-stdin.", ".trace.gz");
            try {
                spool(stdin, spool);
            } catch (final IOException | RuntimeException e) {
                Files.deleteIfExists(spool);
                throw e;
            }
            paths.set(dash, spool);
        }
        return new TraceInputs(inputs.stream().map(i -> "-".equals(i) ? "<stdin>" : i).toList(), List.copyOf(paths),
                spool);
    }

    /**
     * Copies standard input to {@code to}, compressed unless it is gzip already: text compresses
     * about tenfold, and a pathological line of gigabytes of one character to almost nothing.
     */
    private static void spool(final InputStream stdin, final Path to) throws IOException {
        final BufferedInputStream in = new BufferedInputStream(stdin, 1 << 16);
        in.mark(2);
        final boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
        in.reset();
        try (OutputStream file = Files.newOutputStream(to);
             OutputStream out = gzip ? file : new GZIPOutputStream(file, 1 << 16) {
                 {
                     def.setLevel(Deflater.BEST_SPEED);
                 }
             }) {
            in.transferTo(out);
        }
    }

    private static Path check(final String input) throws FileSystemException {
        final Path path;
        try {
            path = Path.of(input);
        } catch (final InvalidPathException e) {
            throw new FileSystemException(input, null, "not a valid path");
        }
        if (Files.isDirectory(path)) {
            throw new FileSystemException(input, null, "is a directory, not a trace file");
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(input, null, "no such trace file");
        }
        if (!Files.isRegularFile(path)) {
            throw new FileSystemException(input, null, "not a regular file (a trace must be read more than once)");
        }
        if (!Files.isReadable(path)) {
            throw new AccessDeniedException(input, null, "not readable");
        }
        return path;
    }

    /** Number of inputs. */
    public int size() {
        return names.size();
    }

    /** How input {@code i} is named in reports and errors ({@code <stdin>} for {@code "-"}). */
    public String name(final int i) {
        return names.get(i);
    }

    public List<String> names() {
        return names;
    }

    /** A fresh stream over input {@code i}, from its first byte. */
    InputStream open(final int i) throws IOException {
        return Files.newInputStream(paths.get(i));
    }

    /** The copy of standard input, null when none (tests). */
    Path spool() {
        return spool;
    }

    @Override
    public void close() throws IOException {
        if (spool != null) {
            Files.deleteIfExists(spool);
        }
    }
}

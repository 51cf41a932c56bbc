package dev.memu.cli;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a command's output goes (every {@code --out}, {@code --save}): stdout, or a path that is
 * checked before any work starts and written the way the thing at that path needs.
 *
 * <table>
 *   <caption>what is at the path, and what memu does</caption>
 *   <tr><th>at the path</th><th>memu</th></tr>
 *   <tr><td>nothing (parent directory exists)</td><td>a new file, {@code 0666 & ~umask}, appearing whole ({@link StagedFile})</td></tr>
 *   <tr><td>regular file</td><td>replaced whole, keeping its owner and mode; rewritten in place (truncated,
 *       then written) when the owner cannot be kept or it has more than one hard link</td></tr>
 *   <tr><td>symbolic link</td><td>followed: what it finally names is written, the link stays</td></tr>
 *   <tr><td>character device, FIFO, {@code /dev/stdout}, {@code /proc/self/fd/N}</td>
 *       <td>written through directly ({@code O_APPEND}, never truncated or created); write errors
 *       such as ENOSPC on {@code /dev/full} are reported</td></tr>
 *   <tr><td>directory, block device, socket</td><td>refused before any work (exit 2)</td></tr>
 *   <tr><td>missing parent directory</td><td>refused (exit 2): memu creates no directories</td></tr>
 * </table>
 * Refusals are {@link UsageException}s naming the option; failures while writing are
 * {@link IOException}s naming it too (exit 1).
 */
final class OutputTarget {

    /** Paths that are another open file of this process: written through, never replaced. */
    private static final Pattern FD_PATH = Pattern.compile("/proc/(self|thread-self|\\d+)/fd/\\d+|/dev/fd/\\d+");

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFIFO = 0010000;
    private static final int MAX_LINKS = 40;

    /** How the content reaches the path. */
    private enum Kind { STDOUT, STAGED, DIRECT, IN_PLACE }

    /** Writes the whole output to a stream. */
    @FunctionalInterface
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private final String label;
    private final Kind kind;
    private final Path path;
    private final PrintWriter stdout;
    private final StagedFile staged;

    private OutputTarget(final String label, final Kind kind, final Path path, final PrintWriter stdout,
                         final StagedFile staged) {
        this.label = label;
        this.kind = kind;
        this.path = path;
        this.stdout = stdout;
        this.staged = staged;
    }

    /** {@code out} null or {@code -} is stdout; anything else as {@link #file}. */
    static OutputTarget open(final String out, final PrintWriter stdout) {
        return open("--out", out, stdout);
    }

    static OutputTarget open(final String option, final String out, final PrintWriter stdout) {
        if (out == null || out.equals("-")) {
            return new OutputTarget("stdout", Kind.STDOUT, null, stdout, null);
        }
        return file(option, out);
    }

    /**
     * A path given with {@code option}; checked now, written by {@link #commit}.
     *
     * @throws UsageException naming the option when nothing can or may be written there
     */
    static OutputTarget file(final String option, final String out) {
        final String label = option + " '" + out + "'";
        if (out == null || out.isBlank()) {
            throw new UsageException(option + ": needs a file name");
        }
        if (out.equals("-")) {
            throw new UsageException(label + ": needs a file (stdout is taken by the summary)");
        }
        Path cur;
        try {
            cur = Path.of(out).toAbsolutePath();
        } catch (final InvalidPathException e) {
            throw new UsageException(label + ": not a valid path");
        }
        for (int hops = 0; hops <= MAX_LINKS; hops++) {
            if (FD_PATH.matcher(cur.toString()).matches()) {
                return direct(label, cur);
            }
            final Path name = cur.getFileName();
            if (name == null || name.toString().equals(".") || name.toString().equals("..")) {
                throw new UsageException(label + ": is a directory");
            }
            cur = realParent(label, cur).resolve(name);
            if (FD_PATH.matcher(cur.toString()).matches()) {
                return direct(label, cur);
            }
            final Map<String, Object> a;
            try {
                a = Files.readAttributes(cur, "unix:mode,uid,gid,nlink", LinkOption.NOFOLLOW_LINKS);
            } catch (final NoSuchFileException e) {
                return staged(label, cur, null);
            } catch (final IOException | UnsupportedOperationException e) {
                throw new UsageException(label + ": " + reason(e));
            }
            final int mode = (Integer) a.get("mode");
            switch (mode & S_IFMT) {
                case S_IFLNK -> cur = cur.resolveSibling(readLink(label, cur));
                case S_IFREG -> {
                    if (!Files.isWritable(cur)) {
                        throw new UsageException(label + ": file is not writable");
                    }
                    if ((Integer) a.get("nlink") > 1) {
                        return new OutputTarget(label, Kind.IN_PLACE, cur, null, null); // a rename would split the hard links
                    }
                    return staged(label, cur, new StagedFile.Owner((Integer) a.get("uid"), (Integer) a.get("gid"), mode));
                }
                case S_IFCHR, S_IFIFO -> {
                    return direct(label, cur);
                }
                case S_IFDIR -> throw new UsageException(label + ": is a directory");
                case S_IFBLK -> throw new UsageException(label + ": is a block device (memu writes files, never disks)");
                case S_IFSOCK -> throw new UsageException(label + ": is a socket");
                default -> throw new UsageException(label + ": not a file memu can write");
            }
        }
        throw new UsageException(label + ": too many levels of symbolic links");
    }

    /** Writes the complete text. */
    void commit(final String text) throws IOException {
        if (kind == Kind.STDOUT) {
            stdout.print(text);
            stdout.flush();
            if (stdout.checkError()) {
                throw new IOException("stdout: write error (closed pipe or full device?)");
            }
            return;
        }
        commit(out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Writes the complete output produced by {@code body}; on failure nothing replaces what was
     * there. A failure to write the output names the option ({@code --out '/dev/full': No space
     * left on device}); an exception of the body's own passes through as it is.
     */
    void commit(final Body body) throws IOException {
        switch (kind) {
            case STDOUT -> throw new IllegalStateException("stream output to stdout");
            case STAGED -> {
                try {
                    final OutputStream os = new BufferedOutputStream(guard(staged.stream()), 1 << 16);
                    body.writeTo(os);
                    os.flush();
                    try {
                        staged.commit();
                    } catch (final IOException e) {
                        throw failure(e);
                    }
                } finally {
                    staged.discard();
                }
            }
            case DIRECT, IN_PLACE -> {
                final OutputStream raw;
                try {
                    raw = Files.newOutputStream(path, StandardOpenOption.WRITE,
                            kind == Kind.DIRECT ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
                } catch (final IOException e) {
                    throw failure(e);
                }
                try (OutputStream os = new BufferedOutputStream(guard(raw), 1 << 16)) {
                    body.writeTo(os);
                }
            }
        }
    }

    /** The output's own stream, whose failures name the option. */
    private OutputStream guard(final OutputStream os) {
        return new FilterOutputStream(os) {
            @Override
            public void write(final int b) throws IOException {
                try {
                    out.write(b);
                } catch (final IOException e) {
                    throw failure(e);
                }
            }

            @Override
            public void write(final byte[] b, final int off, final int len) throws IOException {
                try {
                    out.write(b, off, len);
                } catch (final IOException e) {
                    throw failure(e);
                }
            }

            @Override
            public void flush() throws IOException {
                try {
                    out.flush();
                } catch (final IOException e) {
                    throw failure(e);
                }
            }

            @Override
            public void close() throws IOException {
                try {
                    out.close();
                } catch (final IOException e) {
                    throw failure(e);
                }
            }
        };
    }

    /** Drops what was staged, if anything; safe to call more than once and after commit. */
    void abandon() {
        if (staged != null) {
            staged.discard();
        }
    }

    /** The file written (symbolic links resolved), or null for stdout. */
    Path destination() {
        return path;
    }

    private static OutputTarget direct(final String label, final Path p) {
        if (!Files.isWritable(p)) {
            throw new UsageException(label + ": not writable");
        }
        return new OutputTarget(label, Kind.DIRECT, p, null, null);
    }

    private static OutputTarget staged(final String label, final Path p, final StagedFile.Owner keep) {
        final StagedFile s;
        try {
            s = StagedFile.create(p, keep);
        } catch (final IOException e) {
            throw new UsageException(label + ": cannot write in " + p.getParent() + " (" + reason(e) + ")");
        }
        return s == null ? new OutputTarget(label, Kind.IN_PLACE, p, null, null)
                : new OutputTarget(label, Kind.STAGED, p, null, s);
    }

    private static Path realParent(final String label, final Path p) {
        final Path parent = p.getParent();
        try {
            final Path real = parent.toRealPath();
            if (!Files.isDirectory(real)) {
                throw new UsageException(label + ": " + parent + " is not a directory");
            }
            return real;
        } catch (final NoSuchFileException e) {
            throw new UsageException(label + ": directory " + parent + " does not exist (memu creates no directories)");
        } catch (final IOException e) {
            throw new UsageException(label + ": " + reason(e));
        }
    }

    private static Path readLink(final String label, final Path link) {
        try {
            return Files.readSymbolicLink(link);
        } catch (final IOException e) {
            throw new UsageException(label + ": " + reason(e));
        }
    }

    /** A failure of the output itself: one line naming the option. */
    static final class OutputFailure extends IOException {
        OutputFailure(final String message, final IOException cause) {
            super(message, cause);
        }
    }

    private IOException failure(final IOException e) {
        return e instanceof OutputFailure ? e : new OutputFailure(label + ": " + reason(e), e);
    }

    static String reason(final Exception e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}

package dev.memu.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where a command's report goes: stdout, or a file that appears whole or not at all.
 *
 * <p>For a file, {@link #open} checks the destination and creates a temporary file next to it
 * <em>before</em> anything runs, so an unwritable {@code --out} fails in a second, not after the
 * measurement. {@link #commit} writes the report to the temporary file and renames it into place
 * (atomically where the file system can); {@link #abandon} deletes it. A killed JVM's temporary
 * file is removed by a shutdown hook (deleteOnExit), so no partial report is ever left under the
 * requested name. The report ends up an ordinary 0644 file (on POSIX file systems), not the
 * temporary file's 0600.
 */
final class OutputTarget {

    private final Path destination;
    private final Path temp;
    private final PrintWriter stdout;

    private OutputTarget(final Path destination, final Path temp, final PrintWriter stdout) {
        this.destination = destination;
        this.temp = temp;
        this.stdout = stdout;
    }

    /** @throws UsageException naming {@code --out} when the file cannot be written there */
    static OutputTarget open(final String out, final PrintWriter stdout) {
        if (out == null || out.equals("-")) {
            return new OutputTarget(null, null, stdout);
        }
        final Path destination;
        try {
            destination = Path.of(out).toAbsolutePath().normalize();
        } catch (final InvalidPathException e) {
            throw new UsageException("--out '" + out + "': not a valid path");
        }
        final Path dir = destination.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UsageException("--out '" + out + "': directory " + dir + " does not exist");
        }
        if (Files.isDirectory(destination)) {
            throw new UsageException("--out '" + out + "': is a directory");
        }
        if (Files.exists(destination) && !Files.isWritable(destination)) {
            throw new UsageException("--out '" + out + "': file is not writable");
        }
        final Path temp;
        try {
            temp = Files.createTempFile(dir, "." + destination.getFileName() + ".", ".tmp");
        } catch (final IOException | SecurityException e) {
            throw new UsageException("--out '" + out + "': cannot write in " + dir + " (" + reason(e) + ")");
        }
        try {
            ordinaryPermissions(temp);
        } catch (final IOException | SecurityException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (final IOException ignored) {
                // deleteOnExit is not registered yet; nothing else to do
            }
            throw new UsageException("--out '" + out + "': cannot write in " + dir + " (" + reason(e) + ")");
        }
        temp.toFile().deleteOnExit();
        return new OutputTarget(destination, temp, stdout);
    }

    /** Writes the complete report: to stdout, or to the file via its temporary twin. */
    void commit(final String report) throws IOException {
        if (destination == null) {
            stdout.print(report);
            stdout.flush();
            return;
        }
        try {
            Files.writeString(temp, report, StandardCharsets.UTF_8);
            try {
                Files.move(temp, destination, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (final AtomicMoveNotSupportedException e) {
                Files.move(temp, destination, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            abandon();
        }
    }

    /** Removes the temporary file, if any is left; safe to call more than once. */
    void abandon() {
        if (temp != null) {
            try {
                Files.deleteIfExists(temp);
            } catch (final IOException e) {
                // best effort: deleteOnExit tries again
            }
        }
    }

    Path destination() {
        return destination;
    }

    /** Temporary files are created 0600; the report is an ordinary file, 0644 where the file system is POSIX. */
    private static void ordinaryPermissions(final Path p) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (final UnsupportedOperationException ignored) {
            // not a POSIX file system: keep its default
        }
    }

    private static String reason(final Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}

package dev.memu.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes a command's whole output to stdout, or to a file through a temporary file and a move. */
final class AtomicOut {

    private AtomicOut() {
    }

    static void write(final String text, final Path out, final PrintWriter stdout) throws IOException {
        if (out == null) {
            stdout.print(text);
            stdout.flush();
            return;
        }
        final Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        final Path tmp = Files.createTempFile(dir, "." + out.getFileName() + ".", ".part");
        ordinaryPermissions(tmp);
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
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

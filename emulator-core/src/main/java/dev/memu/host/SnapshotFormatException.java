package dev.memu.host;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A host snapshot file that is not one memu can trust: damaged, cut short, of another version, or
 * with a field out of range. The message is one line, "FILE: what is wrong"; {@link #detail()}
 * is the part after the file. The CLI reports it as bad input (exit 2), apart from plain I/O
 * errors (exit 1).
 */
public final class SnapshotFormatException extends IOException {

    private final String file;
    private final String detail;

    public SnapshotFormatException(final Path file, final String detail) {
        super(file + ": " + detail);
        this.file = String.valueOf(file);
        this.detail = detail;
    }

    /** The snapshot file, as it was named. */
    public String file() {
        return file;
    }

    /** What is wrong with it, without the file name. */
    public String detail() {
        return detail;
    }
}

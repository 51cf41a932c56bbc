package dev.memu.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether memu runs as root, so that errors do not tell root it "needs root". */
final class Privilege {

    private Privilege() {
    }

    /** The effective uid is 0 (the second field of {@code Uid:} in {@code /proc/self/status}). */
    static boolean root() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    final String[] f = line.substring(4).trim().split("\\s+");
                    return f.length > 1 && f[1].equals("0");
                }
            }
        } catch (final IOException | RuntimeException e) {
            // no /proc: not Linux, so not the root memu's host and trace commands mean
        }
        return false;
    }
}

package dev.memu.machine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the host can give: MemAvailable from /proc/meminfo, and the THP mode. */
public final class HostMemory {

    /** Used when /proc/meminfo cannot be read (not Linux, or a sandbox). */
    static final long FALLBACK_AVAILABLE = 2L << 30;

    private HostMemory() {
    }

    /** MemAvailable in bytes, or a conservative 2 GiB when it cannot be read. */
    public static long availableBytes() {
        return availableBytes(Path.of("/proc/meminfo"));
    }

    static long availableBytes(final Path meminfo) {
        try {
            for (final String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemAvailable:")) {
                    final String[] f = line.trim().split("\\s+");
                    return Long.parseLong(f[1]) * 1024;
                }
            }
        } catch (final IOException | RuntimeException e) {
            // fall through
        }
        return FALLBACK_AVAILABLE;
    }

    /** The bracketed word of /sys/kernel/mm/transparent_hugepage/enabled: always, madvise, never, or unknown. */
    public static String thpMode() {
        return thpMode(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
    }

    static String thpMode(final Path enabled) {
        try {
            final List<String> lines = Files.readAllLines(enabled);
            if (!lines.isEmpty()) {
                final String s = lines.getFirst();
                final int open = s.indexOf('[');
                final int close = s.indexOf(']', open + 1);
                if (open >= 0 && close > open) {
                    return s.substring(open + 1, close);
                }
            }
        } catch (final IOException | RuntimeException e) {
            // fall through
        }
        return "unknown";
    }
}

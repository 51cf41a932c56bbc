package dev.memu.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text files of {@code /proc} memu cross-checks against, read from a root directory so that
 * tests can point at fake ones. A missing optional file reads as empty (and the report says so).
 */
public final class ProcFiles {

    /** One zone of /proc/zoneinfo. */
    public record Zone(int node, String name, long startPfn, long spanned, long present, long managed) {
        public long endPfn() {
            return startPfn + spanned;
        }
    }

    /** One row of /proc/buddyinfo: free blocks per order of a node's zone. */
    public record BuddyRow(int node, String zone, long[] freeBlocks) {
    }

    private final Path proc;

    public ProcFiles(final Path procRoot) {
        this.proc = procRoot;
    }

    public Path root() {
        return proc;
    }

    public Path kpageflags() {
        return proc.resolve("kpageflags");
    }

    public Path kpagecount() {
        return proc.resolve("kpagecount");
    }

    /** /proc/meminfo in kB (HugePages_* are counts, as the file prints them); empty if absent. */
    public Map<String, Long> meminfo() throws IOException {
        final Map<String, Long> m = new LinkedHashMap<>();
        final Path p = proc.resolve("meminfo");
        if (!Files.exists(p)) {
            return m;
        }
        for (final String line : Files.readAllLines(p)) {
            final int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            final String[] parts = line.substring(colon + 1).strip().split("\\s+");
            try {
                m.put(line.substring(0, colon).strip(), Long.parseLong(parts[0]));
            } catch (final NumberFormatException ignored) {
                // a line memu does not use
            }
        }
        return m;
    }

    /** /proc/buddyinfo rows; empty if absent. */
    public List<BuddyRow> buddyinfo() throws IOException {
        final List<BuddyRow> rows = new ArrayList<>();
        final Path p = proc.resolve("buddyinfo");
        if (!Files.exists(p)) {
            return rows;
        }
        for (final String line : Files.readAllLines(p)) {
            // Node 0, zone   Normal    742    413 ...
            final String[] t = line.strip().split("[\\s,]+");
            if (t.length < 5 || !t[0].equals("Node") || !t[2].equals("zone")) {
                continue;
            }
            final long[] blocks = new long[t.length - 4];
            for (int i = 4; i < t.length; i++) {
                blocks[i - 4] = Long.parseLong(t[i]);
            }
            rows.add(new BuddyRow(Integer.parseInt(t[1]), t[3], blocks));
        }
        return rows;
    }

    /** Zones with memory from /proc/zoneinfo (spanned > 0); empty if absent. */
    public List<Zone> zoneinfo() throws IOException {
        final List<Zone> zones = new ArrayList<>();
        final Path p = proc.resolve("zoneinfo");
        if (!Files.exists(p)) {
            return zones;
        }
        int node = -1;
        String name = null;
        long start = -1;
        long spanned = 0;
        long present = 0;
        long managed = 0;
        for (final String raw : Files.readAllLines(p)) {
            final String line = raw.strip();
            if (line.startsWith("Node ")) {
                if (name != null && spanned > 0) {
                    zones.add(new Zone(node, name, start, spanned, present, managed));
                }
                final String[] t = line.split("[\\s,]+");
                node = Integer.parseInt(t[1]);
                name = t[3];
                start = -1;
                spanned = present = managed = 0;
            } else if (line.startsWith("spanned ")) {
                spanned = lastLong(line);
            } else if (line.startsWith("present ")) {
                present = lastLong(line);
            } else if (line.startsWith("managed ")) {
                managed = lastLong(line);
            } else if (line.startsWith("start_pfn:")) {
                start = lastLong(line);
            }
        }
        if (name != null && spanned > 0) {
            zones.add(new Zone(node, name, start, spanned, present, managed));
        }
        return zones;
    }

    /**
     * Pfn ranges [start, end) of top-level "System RAM" in /proc/iomem (real addresses as root;
     * zeros otherwise, which read as no range). Empty if absent.
     */
    public List<long[]> systemRam(final int pageShift) throws IOException {
        final List<long[]> ranges = new ArrayList<>();
        final Path p = proc.resolve("iomem");
        if (!Files.exists(p) || !Files.isReadable(p)) {
            return ranges;
        }
        for (final String line : Files.readAllLines(p)) {
            if (line.startsWith(" ") || !line.endsWith(": System RAM")) {
                continue;
            }
            final int dash = line.indexOf('-');
            final int sp = line.indexOf(' ');
            if (dash < 0 || sp < dash) {
                continue;
            }
            final long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
            final long end = Long.parseUnsignedLong(line.substring(dash + 1, sp), 16);
            if (end > start) {
                ranges.add(new long[] {(start + (1L << pageShift) - 1) >>> pageShift, (end + 1) >>> pageShift});
            }
        }
        return ranges;
    }

    private static long lastLong(final String line) {
        final String[] t = line.split("\\s+");
        return Long.parseLong(t[t.length - 1]);
    }
}

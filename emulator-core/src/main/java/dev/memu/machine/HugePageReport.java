package dev.memu.machine;

import dev.memu.access.Region;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the host kernel really backed with transparent huge pages, per region: the machine's
 * mappings matched against {@code /proc/self/smaps} ({@code AnonHugePages} and {@code Rss} of each
 * VMA that overlaps them). A run on a host with THP off, or whose advice the kernel ignored, says
 * so here instead of silently measuring on 4 KiB pages.
 *
 * <p>Attribution: each of memu's mappings has a guard page on either side ({@link
 * NativeMemory#GUARD}), so the kernel cannot merge it with a neighbour and its VMA's counts are its
 * own. Should a VMA still cover more than one mapping (a mapping made some other way), its counts
 * are split over them in proportion to their overlap, an estimate.
 *
 * @param thpMode    the host's THP mode (always, madvise, never, unknown)
 * @param regions    per region: mapped and advised bytes, resident and huge-backed bytes
 */
public record HugePageReport(String thpMode, List<RegionBacking> regions) {

    /** Bytes of one region's mappings (or of a sum of them, region null): mapped, advised huge, resident (Rss), backed by huge pages. */
    public record RegionBacking(Region region, long mappedBytes, long advisedBytes, long residentBytes,
                                long hugeBytes) {
    }

    /**
     * The report {@link #asJson} wrote, read back (a forked child's row, a saved result); null
     * when {@code json} is not such an object.
     */
    public static HugePageReport fromJson(final Object json) {
        if (!(json instanceof Map<?, ?> m) || !(m.get("thpMode") instanceof String thp)
                || !(m.get("byRegion") instanceof Map<?, ?> byRegion)) {
            return null;
        }
        final List<RegionBacking> out = new ArrayList<>();
        for (final Region r : Region.values()) {
            if (byRegion.get(r.key()) instanceof Map<?, ?> b && bytes(b, "mappedBytes") > 0) {
                out.add(new RegionBacking(r, bytes(b, "mappedBytes"), bytes(b, "advisedBytes"),
                        bytes(b, "residentBytes"), bytes(b, "hugeBytes")));
            }
        }
        return new HugePageReport(thp, List.copyOf(out));
    }

    private static long bytes(final Map<?, ?> backing, final String key) {
        return backing.get(key) instanceof Number n ? n.longValue() : 0;
    }

    /**
     * The backing of all metadata together: every region but the emulated RAM ({@link
     * Region#PAGE_DATA}), as memu's reports mean "metadata". Its {@code region} is null.
     */
    public RegionBacking metadata() {
        long mapped = 0;
        long advised = 0;
        long resident = 0;
        long huge = 0;
        for (final RegionBacking b : regions) {
            if (b.region() != Region.PAGE_DATA) {
                mapped += b.mappedBytes();
                advised += b.advisedBytes();
                resident += b.residentBytes();
                huge += b.hugeBytes();
            }
        }
        return new RegionBacking(null, mapped, advised, resident, huge);
    }

    /** The backing of {@code region}'s mappings: all zero when it has none. */
    public RegionBacking backing(final Region region) {
        for (final RegionBacking b : regions) {
            if (b.region() == region) {
                return b;
            }
        }
        return new RegionBacking(region, 0, 0, 0, 0);
    }

    /**
     * The report as JSON values, the one place its field names are written: {@code thpMode} and,
     * for every region (so that rows line up), {@code mappedBytes}, {@code advisedBytes}, {@code
     * residentBytes} and {@code hugeBytes} under {@code byRegion.<region key>}.
     */
    public Map<String, Object> asJson() {
        final Map<String, Object> byRegion = new LinkedHashMap<>();
        for (final Region r : Region.values()) {
            final RegionBacking b = backing(r);
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("mappedBytes", b.mappedBytes());
            m.put("advisedBytes", b.advisedBytes());
            m.put("residentBytes", b.residentBytes());
            m.put("hugeBytes", b.hugeBytes());
            byRegion.put(r.key(), m);
        }
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("thpMode", thpMode);
        json.put("byRegion", byRegion);
        return json;
    }

    /** Reads this process's smaps now. */
    public static HugePageReport of(final Machine machine) {
        List<Vma> vmas;
        try {
            vmas = parseSmaps(Files.readAllLines(Path.of("/proc/self/smaps")));
        } catch (final IOException | RuntimeException e) {
            vmas = List.of();
        }
        return of(machine.mappings(), vmas, HostMemory.thpMode());
    }

    static HugePageReport of(final List<Machine.Mapping> mappings, final List<Vma> vmas, final String thpMode) {
        final long[] mapped = new long[Region.count()];
        final long[] advised = new long[Region.count()];
        final double[] resident = new double[Region.count()];
        final double[] huge = new double[Region.count()];
        for (final Machine.Mapping m : mappings) {
            final int r = m.region().ordinal();
            mapped[r] += m.bytes();
            if (m.advisedHuge()) {
                advised[r] += m.bytes();
            }
            for (final Vma v : vmas) {
                final long overlap = Math.min(v.end, m.address() + m.bytes()) - Math.max(v.start, m.address());
                if (overlap > 0) {
                    final double share = (double) overlap / (v.end - v.start);
                    resident[r] += share * v.rssBytes;
                    huge[r] += share * v.anonHugeBytes;
                }
            }
        }
        final List<RegionBacking> out = new ArrayList<>();
        for (int r = 0; r < Region.count(); r++) {
            if (mapped[r] > 0) {
                out.add(new RegionBacking(Region.of(r), mapped[r], advised[r], Math.round(resident[r]), Math.round(huge[r])));
            }
        }
        return new HugePageReport(thpMode, List.copyOf(out));
    }

    /** One VMA of smaps: its range and the two counters read here. */
    record Vma(long start, long end, long rssBytes, long anonHugeBytes) {
    }

    /** Parses smaps text: a header line {@code start-end perms ...} then {@code Key: N kB} lines. */
    static List<Vma> parseSmaps(final List<String> lines) {
        final List<Vma> vmas = new ArrayList<>();
        long start = -1;
        long end = -1;
        long rss = 0;
        long anonHuge = 0;
        for (final String line : lines) {
            final int dash = line.indexOf('-');
            final int space = line.indexOf(' ');
            if (dash > 0 && space > dash && isHex(line, 0, dash) && isHex(line, dash + 1, space)) {
                if (start >= 0) {
                    vmas.add(new Vma(start, end, rss, anonHuge));
                }
                start = Long.parseUnsignedLong(line, 0, dash, 16);
                end = Long.parseUnsignedLong(line, dash + 1, space, 16);
                rss = 0;
                anonHuge = 0;
            } else if (line.startsWith("Rss:")) {
                rss = kiloBytes(line);
            } else if (line.startsWith("AnonHugePages:")) {
                anonHuge = kiloBytes(line);
            }
        }
        if (start >= 0) {
            vmas.add(new Vma(start, end, rss, anonHuge));
        }
        return vmas;
    }

    private static boolean isHex(final String s, final int from, final int to) {
        if (to <= from) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static long kiloBytes(final String line) {
        final String[] f = line.trim().split("\\s+");
        return Long.parseLong(f[1]) * 1024;
    }
}

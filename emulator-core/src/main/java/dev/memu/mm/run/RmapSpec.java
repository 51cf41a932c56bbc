package dev.memu.mm.run;

import dev.memu.alloc.Allocators;
import dev.memu.layout.Layouts;
import dev.memu.mm.Pte;
import dev.memu.mm.mapcount.MapcountSchemes;
import dev.memu.util.Sizes;

import java.util.Arrays;
import java.util.List;

/**
 * What {@code memu rmap} runs: the schemes side by side on one workload.
 *
 * @param schemes     scheme names (see {@link MapcountSchemes#NAMES}); {@code exact} is always run
 * @param workload    {@code fork-cow}, {@code partial-unmap}, {@code madvise} or {@code mixed} ({@link RmapWorkload})
 * @param procs       processes (mms) alive at a time, >= 1
 * @param folioOrders enabled anon folio orders (0 always allowed; 9 maps by PMD)
 * @param mem         emulated RAM bytes; each process maps mem / (8 procs), rounded down to 2 MiB
 * @param ops         workload operations after set-up
 * @param seed        SplitMix64 seed: the same seed replays the same operations
 * @param layout      memmap layout
 * @param allocator   page allocator
 * @param batchedRmap fork and zap report per folio range (true) or per page
 * @param samples     live folios queried after each operation
 */
public record RmapSpec(List<String> schemes, String workload, int procs, int[] folioOrders, long mem, long ops,
                       long seed, String layout, String allocator, boolean batchedRmap, int samples) {

    public static final long REGION_ALIGN = Pte.PMD_SIZE;

    /**
     * @throws IllegalArgumentException naming the bad input
     */
    public RmapSpec {
        schemes = List.copyOf(schemes);
        folioOrders = folioOrders.clone();
        for (final String s : schemes) {
            if (!MapcountSchemes.NAMES.contains(s)) {
                throw new IllegalArgumentException("unknown mapcount scheme '" + s + "' (known: "
                        + String.join(", ", MapcountSchemes.NAMES) + ")");
            }
        }
        RmapWorkload.check(workload);
        if (procs < 1 || procs > 4096) {
            throw new IllegalArgumentException("--procs must be 1..4096, got " + procs);
        }
        for (final int o : folioOrders) {
            if (o < 0 || o > Pte.PMD_ORDER) {
                throw new IllegalArgumentException("--folio-orders: order " + o + " is outside 0.." + Pte.PMD_ORDER);
            }
        }
        if (ops < 0) {
            throw new IllegalArgumentException("--ops must be >= 0, got " + ops);
        }
        if (samples < 0) {
            throw new IllegalArgumentException("samples must be >= 0, got " + samples);
        }
        Layouts.byName(layout);
        Allocators.check(allocator);
        if (regionBytes(mem, procs) < REGION_ALIGN) {
            throw new IllegalArgumentException("--mem " + Sizes.format(mem) + " leaves less than 2 MiB per process for "
                    + procs + " processes (each maps mem / (8 procs)); give at least " + Sizes.format((16L << 20) * procs));
        }
    }

    public static RmapSpec defaults() {
        return new RmapSpec(MapcountSchemes.NAMES, "fork-cow", 4, new int[] {0, 4, 9}, 256L << 20, 20_000, 1,
                "memdesc8", "buddy", true, 2);
    }

    /** Bytes each process maps anonymously (and, in mixed, of the shared file). */
    public static long regionBytes(final long mem, final int procs) {
        return (mem / (8L * procs)) & -REGION_ALIGN;
    }

    public long regionBytes() {
        return regionBytes(mem, procs);
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof RmapSpec r && r.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "RmapSpec[schemes=" + schemes + ", workload=" + workload + ", procs=" + procs + ", folioOrders="
                + Arrays.toString(folioOrders) + ", mem=" + mem + ", ops=" + ops + ", seed=" + seed + ", layout="
                + layout + ", allocator=" + allocator + ", batchedRmap=" + batchedRmap + ", samples=" + samples + "]";
    }
}

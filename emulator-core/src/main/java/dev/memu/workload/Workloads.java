package dev.memu.workload;

import java.util.List;

/** The workloads memu knows by name, and how a spec becomes one stream per thread. */
public final class Workloads {

    public static final String CHURN = "churn";
    public static final String FRAGMENT = "fragment";

    private static final List<String> NAMES = List.of(CHURN, FRAGMENT);

    /**
     * Largest fill one run may ask for, in pages: the streams keep every live block in arrays on
     * the Java heap (9 bytes per block), and a larger fill would commit that much emulated RAM.
     */
    public static final long MAX_FILL_PAGES = 1L << 26;

    private Workloads() {
    }

    public static List<String> names() {
        return NAMES;
    }

    /** @throws IllegalArgumentException naming the workload and the known ones */
    public static void check(final String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown workload '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        }
    }

    /**
     * Stream {@code stream} of {@code streams} for {@code spec} on a machine of {@code pages}
     * pages: its share of the fill and of the ops, and its own seed derived from {@code baseSeed}.
     */
    public static Workload create(final WorkloadSpec spec, final long pages, final int pageShift,
                                  final int stream, final int streams, final long baseSeed) {
        if (stream < 0 || stream >= streams) {
            throw new IllegalArgumentException("stream " + stream + " of " + streams);
        }
        final long fill = spec.fillPages(pages, pageShift);
        if (fill > MAX_FILL_PAGES) {
            throw new IllegalArgumentException("a fill of " + fill + " pages is above the limit of " + MAX_FILL_PAGES
                    + " pages; lower the occupancy or the max fill");
        }
        final long seed = SplitMix64.derive(baseSeed, stream);
        final long fillShare = Math.max(1, share(fill, stream, streams));
        return switch (spec.name()) {
            case CHURN -> new ChurnWorkload(seed, spec.orders(), fillShare, share(spec.warmupOps(), stream, streams),
                    share(spec.ops(), stream, streams));
            case FRAGMENT -> new FragmentWorkload(seed, spec.orders(), fillShare, spec.freeFraction(), spec.probeOrder());
            default -> throw new IllegalArgumentException("unknown workload '" + spec.name() + "'");
        };
    }

    /** Stream {@code i}'s part of {@code total} split over {@code n} streams; the parts sum to total. */
    public static long share(final long total, final int i, final int n) {
        return total / n + (i < total % n ? 1 : 0);
    }
}

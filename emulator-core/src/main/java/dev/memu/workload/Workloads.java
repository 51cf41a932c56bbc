package dev.memu.workload;

import dev.memu.util.SplitMix64;
import dev.memu.workload.kernelmix.KernelMixConfig;
import dev.memu.workload.kernelmix.KernelMixWorkload;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The workloads memu knows by name, in the order help lists them, and how a spec becomes one
 * stream per thread. A new workload is one line here.
 */
public final class Workloads {

    public static final String CHURN = "churn";
    public static final String FRAGMENT = "fragment";
    /** Real typed descriptors in a memdesc heap ({@link KernelMixWorkload}), default shares. */
    public static final String KERNEL_MIX = KernelMixWorkload.NAME;

    private static final Map<String, WorkloadFactory> ALL = new LinkedHashMap<>();

    static {
        ALL.put(CHURN, (spec, share) -> new ChurnWorkload(share.seed(), spec.orders(), share.fillPages(),
                share.warmupOps(), share.ops()));
        ALL.put(FRAGMENT, (spec, share) -> new FragmentWorkload(share.seed(), spec.orders(), share.fillPages(),
                spec.freeFraction(), spec.probeOrder()));
        ALL.put(KERNEL_MIX, (spec, share) -> new KernelMixWorkload(share.seed(), KernelMixConfig.defaults(),
                share.fillPages(), share.warmupOps(), share.ops(), null, false));
    }

    /**
     * Largest fill one run may ask for, in pages: the streams keep every live block in arrays on
     * the Java heap (9 bytes per block), and a larger fill would commit that much emulated RAM.
     */
    public static final long MAX_FILL_PAGES = 1L << 26;

    private Workloads() {
    }

    public static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    /** @throws IllegalArgumentException naming the workload and the known ones */
    public static void check(final String name) {
        if (!ALL.containsKey(name)) {
            throw new IllegalArgumentException("unknown workload '" + name + "' (known: "
                    + String.join(", ", ALL.keySet()) + ")");
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
        final WorkloadFactory.Share share = new WorkloadFactory.Share(stream, streams,
                SplitMix64.derive(baseSeed, stream), Math.max(1, share(fill, stream, streams)),
                share(spec.warmupOps(), stream, streams), share(spec.ops(), stream, streams));
        check(spec.name());
        return ALL.get(spec.name()).create(spec, share);
    }

    /** Stream {@code i}'s part of {@code total} split over {@code n} streams; the parts sum to total. */
    public static long share(final long total, final int i, final int n) {
        return total / n + (i < total % n ? 1 : 0);
    }
}

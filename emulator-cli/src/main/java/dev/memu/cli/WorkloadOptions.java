package dev.memu.cli;

import dev.memu.workload.OrderMix;
import dev.memu.workload.WorkloadSpec;
import picocli.CommandLine.Option;

/** Workload options shared by {@code run} and {@code compare}; values are checked by {@link Inputs}. */
final class WorkloadOptions {

    @Option(names = "--workload", paramLabel = "churn|fragment|kernel-mix", defaultValue = "churn",
            description = {"churn: fill, then random alloc/free at that occupancy (default).",
                    "fragment: fill, free a random share of the blocks, then try high-order allocations "
                            + "and report how many succeed (--ops does not apply).",
                    "kernel-mix: a kernel-like mix of typed allocations, each with a real descriptor in the "
                            + "memdesc heap (see --mix); fill, then alloc/free events held near the fill; "
                            + "--ops counts allocator calls (an event in flight is finished, so a few more may "
                            + "be measured); --orders does not apply."})
    String workload;

    @Option(names = "--orders", paramLabel = "SPEC", defaultValue = OrderMix.DEFAULT_SPEC,
            description = "Order mix as ORDER:WEIGHT,... (default: ${DEFAULT-VALUE}; 0:1 = order 0 only).")
    String orders;

    @Option(names = "--warmup", paramLabel = "N",
            description = "Untimed churn ops after the fill, before measuring (default: a fifth of --ops).")
    String warmup;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Base seed; thread t uses a seed derived from it (default: ${DEFAULT-VALUE}).")
    String seed;

    @Option(names = "--occupancy", paramLabel = "F", defaultValue = "0.5",
            description = "Fraction of RAM the fill allocates, 0 < F < 1 (default: ${DEFAULT-VALUE}).")
    String occupancy;

    @Option(names = "--max-fill", paramLabel = "SIZE", defaultValue = "2G",
            description = {"Cap on the filled memory (default: ${DEFAULT-VALUE}). The fill is "
                    + "min(occupancy x RAM, max-fill): on a huge emulated RAM (--mem 1T) the run then costs what "
                    + "its ops cost instead of committing host memory page by page; the rest of RAM stays free "
                    + "in max-order blocks."})
    String maxFill;

    @Option(names = "--probe-order", paramLabel = "N", defaultValue = "9",
            description = "fragment: order of the high-order attempts (default: ${DEFAULT-VALUE}, 2 MiB).")
    String probeOrder;

    @Option(names = "--free-fraction", paramLabel = "F", defaultValue = "0.5",
            description = "fragment: share of the filled pages freed at random (default: ${DEFAULT-VALUE}).")
    String freeFraction;

    WorkloadSpec spec(final long ops) {
        return spec(ops, ops / 5);
    }

    /** The workload with {@code defaultWarmup} untimed ops unless --warmup was given. */
    WorkloadSpec spec(final long ops, final long defaultWarmup) {
        final String name = Inputs.workload(workload);
        final long warm = warmup == null ? defaultWarmup : Inputs.count("--warmup", warmup, 0);
        return new WorkloadSpec(name, Inputs.orders(orders), ops, warm,
                Inputs.fraction("--occupancy", occupancy, false), Inputs.size("--max-fill", maxFill),
                Inputs.order("--probe-order", probeOrder), Inputs.fraction("--free-fraction", freeFraction, true));
    }

    long seed() {
        return Inputs.seed(seed);
    }
}

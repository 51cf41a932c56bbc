package dev.memu.cli;

import dev.memu.workload.OrderMix;
import dev.memu.workload.WorkloadSpec;
import dev.memu.workload.Workloads;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;

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
            description = "churn, fragment: order mix as ORDER:WEIGHT,... (default: ${DEFAULT-VALUE}; 0:1 = order 0 "
                    + "only); each order once.")
    String orders;

    @Option(names = "--warmup", paramLabel = "N",
            description = {"Untimed churn ops after the fill, before measuring, 0..10^12 (run's default: a fifth of --ops; "
                    + "compare's: twice --ops).",
                    "The warm-up stands still while the JIT compiler is behind it, and the clock starts once the "
                    + "compiler is quiet: the same ops, only more wall time (jit in JSON says how long, and how much "
                    + "the compiler still ran under the clock)."})
    String warmup;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Base seed; thread t uses a seed derived from it (default: ${DEFAULT-VALUE}).")
    String seed;

    @Option(names = "--occupancy", paramLabel = "F", defaultValue = "0.5",
            description = "Fraction of RAM the fill allocates, 0 < F < 1 (default: ${DEFAULT-VALUE}).")
    String occupancy;

    @Option(names = "--max-fill", paramLabel = "SIZE", defaultValue = "2G",
            description = {"Cap on the filled memory (default: ${DEFAULT-VALUE}; sizes take K, M, G, T, P, powers of "
                    + "1024, and refuse a lowercase b, which means bits). The fill is "
                    + "min(occupancy x RAM, max-fill): on a huge emulated RAM (--mem 1T) the run then costs what "
                    + "its ops cost instead of committing host memory page by page; the rest of RAM stays free "
                    + "in max-order blocks."})
    String maxFill;

    @Option(names = "--probe-order", paramLabel = "N", defaultValue = "9",
            description = "fragment only: order of the high-order attempts, 0..allocator max (default: ${DEFAULT-VALUE}, 2 MiB).")
    String probeOrder;

    @Option(names = "--free-fraction", paramLabel = "F", defaultValue = "0.5",
            description = "fragment only: share of the filled pages freed at random, 0 < F <= 1 (default: ${DEFAULT-VALUE}).")
    String freeFraction;

    /** The command this is mixed into, to tell an option the user gave from its default. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    WorkloadSpec spec(final long ops) {
        return spec(ops, ops / 5);
    }

    /** The workload with {@code defaultWarmup} untimed ops unless --warmup was given. */
    WorkloadSpec spec(final long ops, final long defaultWarmup) {
        final String name = Inputs.workload(workload);
        if (given("--orders") && Workloads.KERNEL_MIX.equals(name)) {
            throw new UsageException("--orders '" + orders + "': does not apply to --workload kernel-mix (its "
                    + "folio orders come with each kind; weigh the kinds with --mix)");
        }
        for (final String fragmentOnly : new String[] {"--probe-order", "--free-fraction"}) {
            if (given(fragmentOnly) && !Workloads.FRAGMENT.equals(name)) {
                throw new UsageException(fragmentOnly + " '" + (fragmentOnly.equals("--probe-order") ? probeOrder
                        : freeFraction) + "': applies to --workload fragment only, not " + name);
            }
        }
        final long warm = warmup == null ? defaultWarmup : Inputs.count("--warmup", warmup, 0);
        return new WorkloadSpec(name, Inputs.orders(orders), ops, warm,
                Inputs.fraction("--occupancy", occupancy, false), Inputs.size("--max-fill", maxFill),
                Inputs.order("--probe-order", probeOrder), Inputs.fraction("--free-fraction", freeFraction, true));
    }

    /** The options of {@code w}'s shape that apply to its workload, for a child {@code memu run}. */
    static List<String> childArgs(final WorkloadSpec w) {
        final List<String> args = new ArrayList<>();
        if (!Workloads.KERNEL_MIX.equals(w.name())) {
            args.addAll(List.of("--orders", w.orders().canonical()));
        }
        if (Workloads.FRAGMENT.equals(w.name())) {
            args.addAll(List.of("--probe-order", Integer.toString(w.probeOrder()),
                    "--free-fraction", Double.toString(w.freeFraction())));
        }
        return args;
    }

    /** Whether the user gave {@code option} (not just its default). */
    boolean given(final String option) {
        return mixee != null && mixee.commandLine() != null && mixee.commandLine().getParseResult() != null
                && mixee.commandLine().getParseResult().hasMatchedOption(option);
    }

    long seed() {
        return Inputs.seed(seed);
    }
}

package dev.memu.cli;

import dev.memu.run.DescriptorRun;
import dev.memu.driver.AllocatorBoot;
import dev.memu.driver.RunResult;
import dev.memu.driver.RunSpec;
import dev.memu.machine.Machine;
import dev.memu.swap.SwapChurn;
import dev.memu.util.Sizes;
import dev.memu.workload.WorkloadSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code memu run}: one layout, one allocator, one thread count. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run one workload on one layout and allocator and report throughput, latency "
                + "(HdrHistogram p50/p99/p99.9/max per op kind), cachelines per op by region, measured bytes "
                + "per page and free blocks per order.",
                "",
                "Two passes: a timed pass (plain access layer, --threads workers, one vcpu each) and a "
                        + "counting pass over the same ops (counting access layer, one thread). The allocator's "
                        + "verifier walks its state after each; any inconsistency fails the run."})
final class RunCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--mem", paramLabel = "SIZE", defaultValue = "1G",
            description = "Emulated RAM, e.g. 512M, 8G, 1T: K, M, G, T, P are powers of 1024 (KiB and KB too; "
                    + "a lowercase b means bits and is refused) (default: ${DEFAULT-VALUE}); lazily committed, so it "
                    + "may exceed the host's RAM, but a run whose touched metadata would not fit the host's "
                    + "MemAvailable is refused up front.")
    private String mem;

    @Option(names = "--layout", paramLabel = "L", defaultValue = "memdesc8",
            description = "Descriptor layout (default: ${DEFAULT-VALUE}; see 'memu layouts').")
    private String layout;

    @Option(names = "--allocator", paramLabel = "A", defaultValue = "buddy",
            description = "Page allocator (default: ${DEFAULT-VALUE}).")
    private String allocator;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Worker threads, one vcpu each, each on its own seed and share, 1.." + Inputs.MAX_THREADS
                    + " (default: ${DEFAULT-VALUE}).")
    private String threads;

    @Option(names = "--ops", paramLabel = "N", defaultValue = "1000000",
            description = "Measured churn ops over all threads, 1..10^12, e.g. 1000000, 300k, 2M (decimal; "
                    + "default: ${DEFAULT-VALUE}).")
    private String ops;

    @Option(names = "--from-host", paramLabel = "FILE",
            description = {"Start from a host snapshot written by 'memu host --save FILE': RAM is the host's "
                    + "(leave --mem out), the pages the host held stay allocated and the workload runs on the host's "
                    + "free blocks, in the timed and the counting pass alike. --occupancy then counts the host's "
                    + "pages: the fill tops them up to it (one block if the host is already fuller)."})
    private String fromHost;

    @Option(names = "--blank-free",
            description = "--from-host: count pages with no kpageflags flag (blank) as free instead of allocated.")
    private boolean blankFree;

    @Option(names = "--swap", paramLabel = "SIZE",
            description = "Also emulate a swap device of SIZE, 4K..1T (e.g. 64G, 4 KiB slots) managed by the same "
                    + "lock-free POTAD core, churn its slots (--swap-ops) and report its metadata and costs separately.")
    private String swap;

    @Option(names = "--swap-ops", paramLabel = "N", defaultValue = "1000000",
            description = "Measured slot alloc/free ops on the --swap device, 1..10^12 (default: ${DEFAULT-VALUE}; "
                    + "only with --swap).")
    private String swapOps;

    @Mixin
    private WorkloadOptions workload;

    @Mixin
    private KernelMixOptions mix;

    @Mixin
    private InjectOptions inject;

    @Mixin
    private OutputOptions output;

    @Mixin
    private TelemetryOptions telemetry;

    @Mixin
    private RamHugePagesOption ramHugePages;

    @Override
    public Integer call() throws Exception {
        final FromHost host = fromHost == null ? null : FromHost.load(fromHost, blankFree);
        if (host == null && blankFree) {
            throw new UsageException("--blank-free applies only with --from-host");
        }
        final long memBytes = host == null ? Inputs.mem(mem) : hostMem(host);
        final String memText = host == null ? mem : Sizes.format(memBytes);
        final String layoutName = Inputs.layout("--layout", layout);
        final String allocatorName = Inputs.allocator("--allocator", allocator);
        final int threadCount = Inputs.threads("--threads", threads);
        final WorkloadSpec w = workload.spec(Inputs.count("--ops", ops, 1));
        final WorkloadSpec runWorkload = host == null ? w : host.workload(w);
        final long seed = workload.seed();
        final String format = output.format();
        final String progress = output.progress();
        final int pageShift = host == null ? Machine.DEFAULT_PAGE_SHIFT : host.pageShift();
        final RunSpec runSpec = new RunSpec(memBytes, pageShift, layoutName, allocatorName,
                threadCount, runWorkload, seed, null, ramHugePages.ramHugePages);
        final long swapBytes = swap == null ? 0 : Inputs.swap("--swap", swap);
        if (swap == null && spec.commandLine().getParseResult().hasMatchedOption("--swap-ops")) {
            throw new UsageException("--swap-ops '" + swapOps + "': applies only with --swap SIZE");
        }
        final long swapOpCount = Inputs.count("--swap-ops", swapOps, 1);
        final long pages = memBytes >>> pageShift;
        final DescriptorRun streams = new DescriptorRun(mix.config(runWorkload.name()),
                inject.plan(runWorkload.name(), threadCount, pages, seed, host != null),
                inject.compact(runWorkload.name(), threadCount, pages));
        RunNeeds.check(host == null ? "--mem '" + mem + "'" : "--from-host '" + fromHost + "'", pages, pageShift,
                layoutName, runWorkload.fillPages(pages, pageShift), RunNeeds.ops(runWorkload, pages, pageShift),
                threadCount, swapBytes, "--swap '" + swap + "'");
        final OutputTarget target = OutputTarget.open(output.out, spec.commandLine().getOut());
        try {
            final var console = ConsoleProgress.of(progress, spec.commandLine().getErr());
            final RunResult result = Reports.run(runSpec, streams, memText,
                    host == null ? AllocatorBoot.NONE : host.boot(), console,
                    telemetry.open(runSpec.label(), spec.commandLine().getErr()));
            final var config = Reports.config("run", memText, memBytes, w, seed, List.of(layoutName),
                    List.of(allocatorName), List.of(threadCount), false, result.timerOverheadNs());
            if (host != null) {
                final long fill = runWorkload.fillPages(host.pages(), pageShift);
                config.put("pageSize", 1L << pageShift);
                config.put("pages", host.pages());
                config.put("fillPages", fill);
                config.put("fromHost", host.config(fill));
            }
            streams.addConfig(config);
            final Map<String, Object> tree = ResultTree.of(result);
            streams.addResults(tree);
            String swapText = "";
            if (swap != null) {
                final SwapChurn.Result swapResult = SwapChurn.run(swapBytes, swapOpCount, seed);
                if (!swapResult.verify().ok()) {
                    throw new IllegalStateException("swap device verify failed: " + swapResult.verify());
                }
                config.put("swap", Sizes.format(swapBytes));
                tree.put("swap", SwapReport.tree(swapResult));
                swapText = SwapReport.text(swapResult, swap);
            }
            final String rendered = Reports.render(format, config, List.of(tree), true);
            telemetry.finish();
            target.commit(format.equals("text") ? rendered + swapText : rendered);
        } finally {
            telemetry.close();
            target.abandon();
        }
        return 0;
    }

    /** The snapshot's RAM; an explicit --mem must agree with it. */
    private long hostMem(final FromHost host) {
        final long bytes = host.ramBytes();
        if (spec.commandLine().getParseResult().hasMatchedOption("--mem") && Inputs.mem(mem) != bytes) {
            throw new UsageException("--mem '" + mem + "': the host snapshot " + fromHost + " has "
                    + Sizes.format(bytes) + " (" + host.pages() + " pages); leave --mem out with --from-host");
        }
        return bytes;
    }
}

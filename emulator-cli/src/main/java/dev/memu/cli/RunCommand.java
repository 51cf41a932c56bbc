package dev.memu.cli;

import dev.memu.driver.RunResult;
import dev.memu.driver.RunSpec;
import dev.memu.machine.Machine;
import dev.memu.workload.WorkloadSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
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
            description = "Emulated RAM, e.g. 512M, 8G, 1T (default: ${DEFAULT-VALUE}); lazily committed, "
                    + "so it may exceed the host's RAM.")
    private String mem;

    @Option(names = "--layout", paramLabel = "L", defaultValue = "memdesc8",
            description = "Descriptor layout (default: ${DEFAULT-VALUE}; see 'memu layouts').")
    private String layout;

    @Option(names = "--allocator", paramLabel = "A", defaultValue = "buddy",
            description = "Page allocator (default: ${DEFAULT-VALUE}).")
    private String allocator;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Worker threads, one vcpu each, each on its own seed and share (default: ${DEFAULT-VALUE}).")
    private String threads;

    @Option(names = "--ops", paramLabel = "N", defaultValue = "1000000",
            description = "Measured churn ops over all threads, e.g. 1000000, 300k, 2M (default: ${DEFAULT-VALUE}).")
    private String ops;

    @Mixin
    private WorkloadOptions workload;

    @Mixin
    private KernelMixOptions mix;

    @Mixin
    private InjectOptions inject;

    @Mixin
    private OutputOptions output;

    @Override
    public Integer call() throws Exception {
        final long memBytes = Inputs.mem(mem);
        final String layoutName = Inputs.layout("--layout", layout);
        final String allocatorName = Inputs.allocator("--allocator", allocator);
        final int threadCount = Inputs.threads("--threads", threads);
        final WorkloadSpec w = workload.spec(Inputs.count("--ops", ops, 1));
        final long seed = workload.seed();
        final String format = output.format();
        final String progress = output.progress();
        final RunSpec runSpec = new RunSpec(memBytes, Machine.DEFAULT_PAGE_SHIFT, layoutName, allocatorName,
                threadCount, w, seed, null);
        final long pages = memBytes >>> Machine.DEFAULT_PAGE_SHIFT;
        final DescriptorStreams streams = new DescriptorStreams(mix.config(w.name()),
                inject.plan(w.name(), threadCount, pages, seed), inject.compact(w.name(), threadCount, pages));
        final OutputTarget target = OutputTarget.open(output.out, spec.commandLine().getOut());
        try {
            final RunResult result = Reports.run(runSpec, streams, mem,
                    ConsoleProgress.of(progress, spec.commandLine().getErr()));
            final var config = Reports.config("run", mem, memBytes, w, seed, List.of(layoutName),
                    List.of(allocatorName), List.of(threadCount), false, result.timerOverheadNs());
            streams.addConfig(config);
            final var tree = ResultTree.of(result);
            streams.addResults(tree);
            target.commit(Reports.render(format, config, List.of(tree), true));
        } finally {
            target.abandon();
        }
        return 0;
    }
}

package dev.memu.cli;

import dev.memu.run.DescriptorRun;
import dev.memu.workload.kernelmix.KernelMixConfig;
import dev.memu.alloc.Allocators;
import dev.memu.driver.AllocatorBoot;
import dev.memu.driver.Driver;
import dev.memu.driver.RunResult;
import dev.memu.driver.RunSpec;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.stat.LatencyIntervals;
import dev.memu.stat.RunCounters;
import dev.memu.stat.Telemetry;
import dev.memu.workload.WorkloadSpec;
import dev.memu.workload.Workloads;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code memu compare}: the same workload over every combination of layouts, allocators and
 * thread counts, one row each. Each combination is timed in a fresh JVM by default so that no
 * layout or allocator inherits another's JIT profile: in one JVM the second layout would run
 * through call sites already made polymorphic by the first. For churn the child
 * ({@code compare --child}) runs the timed pass and the harness only, and this JVM runs every
 * combination's counting pass ({@link dev.memu.driver.Driver#count}); other workloads run whole in
 * a child {@code memu run --format json}.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the same workload over several layouts, allocators and thread counts, side by side "
                + "(one row per combination). With no options: every layout x every allocator, 1 thread, "
                + "churn on 1 GiB, 200k measured ops each after 400k untimed warm-up ops; 70-80 s on 2 cores.",
                "",
                "Every combination is validated before any runs, and is timed in its own JVM (--no-fork: in this one); "
                        + "churn's cachelines are counted in this JVM, whose counting code stays compiled from one "
                        + "combination to the next (counts do not depend on the JIT)."})
final class CompareCommand implements Callable<Integer> {

    private static final String LOG_COMMENT = "memu compare: latency samples in ns (one measured op in "
            + "latencySampleEvery timed alone), tagged LAYOUT/ALLOCATOR/THREADSt/alloc|free, one configuration each";

    @Spec
    private CommandSpec spec;

    @Option(names = "--mem", paramLabel = "SIZE", defaultValue = "1G",
            description = "Emulated RAM per configuration (default: ${DEFAULT-VALUE}).")
    private String mem;

    @Option(names = "--layouts", paramLabel = "L,L...",
            description = "Layouts to compare (default: all: ${COMPLETION-CANDIDATES}).", completionCandidates = LayoutNames.class)
    private String layouts;

    @Option(names = "--allocators", paramLabel = "A,A...",
            description = "Allocators to compare (default: all registered: ${COMPLETION-CANDIDATES}).",
            completionCandidates = AllocatorNames.class)
    private String allocators;

    @Option(names = "--threads", paramLabel = "N,N...", defaultValue = "1",
            description = "Thread counts to compare (default: ${DEFAULT-VALUE}).")
    private String threads;

    @Option(names = "--ops", paramLabel = "N", defaultValue = "200k",
            description = {"Measured churn ops per configuration (default: ${DEFAULT-VALUE}).",
                    "Unless --warmup says otherwise, compare warms up with twice as many untimed ops: each "
                    + "configuration starts a fresh JVM, and short runs would otherwise time the JIT."})
    private String ops;

    @Option(names = "--fork", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run each configuration in its own JVM (default: ${DEFAULT-VALUE}).")
    private boolean fork;

    /**
     * Set by the parent on a child's command line: one configuration, timed pass and harness only,
     * its result tree as JSON on stdout; the parent counts its cachelines in its own JVM.
     */
    @Option(names = "--child", hidden = true)
    private boolean child;

    @Option(names = "--alongside", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"Count churn's cachelines in this JVM while the children start, fill and warm up, "
                    + "and start the next child while the last one reports and exits; nothing runs beside a "
                    + "child from its first timed op until its harness is done (default: ${DEFAULT-VALUE}).",
                    "--no-alongside counts after each child has ended, one thing at a time: the same counts, "
                    + "a slower compare; for checking that counting alongside changes no timing."})
    private boolean alongside;

    /** Set by the parent on a child's command line: ask for the host before timing ({@link QuietHandshake}). */
    @Option(names = "--quiet-handshake", hidden = true)
    private boolean quietHandshake;

    @Option(names = "--histogram-log", paramLabel = "FILE",
            description = {"Also write every configuration's latency samples into one HdrHistogram interval log "
                    + "(1 s intervals, values in ns), each histogram tagged LAYOUT/ALLOCATOR/THREADSt/alloc or /free, "
                    + "for HdrHistogram's HistogramLogProcessor (-tag) and plotters; the file appears whole after the "
                    + "last configuration, like --out."})
    private String histogramLog;

    @Mixin
    private WorkloadOptions workload;

    @Mixin
    private KernelMixOptions mix;

    @Mixin
    private OutputOptions output;

    @Mixin
    private RamHugePagesOption ramHugePages;

    static final class LayoutNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Layouts.all().stream().map(Layout::name).iterator();
        }
    }

    static final class AllocatorNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Allocators.names().iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        final long memBytes = Inputs.mem(mem);
        final List<String> layoutNames = new ArrayList<>();
        if (layouts == null) {
            Layouts.all().forEach(l -> layoutNames.add(l.name()));
        } else {
            for (final String name : Inputs.list("--layouts", layouts)) {
                layoutNames.add(Inputs.layout("--layouts", name));
            }
        }
        final List<String> allocatorNames = new ArrayList<>();
        if (allocators == null) {
            allocatorNames.addAll(Allocators.names());
        } else {
            for (final String name : Inputs.list("--allocators", allocators)) {
                allocatorNames.add(Inputs.allocator("--allocators", name));
            }
        }
        final List<Integer> threadCounts = Inputs.threadList(threads);
        final long opCount = Inputs.count("--ops", ops, 1);
        final WorkloadSpec w = workload.spec(opCount, 2 * opCount);
        final long seed = workload.seed();
        final String format = output.format();
        final String progress = ConsoleProgress.resolve(output.progress());
        final var mixConfig = mix.config(w.name());

        final List<RunSpec> specs = new ArrayList<>();
        for (final String layout : layoutNames) {
            for (final String allocator : allocatorNames) {
                for (final int t : threadCounts) {
                    specs.add(ramHugePages.apply(
                            new RunSpec(memBytes, Machine.DEFAULT_PAGE_SHIFT, layout, allocator, t, w, seed, null)));
                }
            }
        }
        if (!child) {   // a child's one configuration was validated by its parent, and the run checks it again
            for (final RunSpec s : specs) {
                Reports.validate(s, mem);
            }
            // what a configuration takes from the host depends on its layout and threads, not its allocator
            final long pages = memBytes >>> Machine.DEFAULT_PAGE_SHIFT;
            for (final String layout : layoutNames) {
                for (final int t : threadCounts) {
                    RunNeeds.check("--mem '" + mem + "'", pages, Machine.DEFAULT_PAGE_SHIFT, layout,
                            w.fillPages(pages, Machine.DEFAULT_PAGE_SHIFT),
                            RunNeeds.ops(w, pages, Machine.DEFAULT_PAGE_SHIFT), t);
                }
            }
        }
        final PrintWriter err = spec.commandLine().getErr();
        if (child) {
            if (specs.size() != 1) {
                throw new UsageException("--child runs one configuration, got " + specs.size());
            }
            final OutputTarget log = histogramLog == null ? null : OutputTarget.file("--histogram-log", histogramLog);
            final LatencyIntervals intervals = log == null ? null
                    : Driver.latencyIntervals(LatencyIntervals.DEFAULT_INTERVAL_NS);
            final RunResult timed;
            try {
                timed = Reports.runTimed(specs.getFirst(), new DescriptorRun(mixConfig, null, false), mem,
                        ConsoleProgress.of(progress, err), new Telemetry(RunCounters.NONE, intervals),
                        quietHandshake ? new QuietHandshake(spec.commandLine().getOut()) : dev.memu.driver.QuietWindow.NONE);
                if (log != null) {
                    log.commit(intervals::write);
                }
            } finally {
                if (log != null) {
                    log.abandon();
                }
            }
            final Map<String, Object> root = new LinkedHashMap<>();
            root.put("results", new ArrayList<Object>(List.of(ResultTree.of(timed))));
            spec.commandLine().getOut().println(Json.write(root));
            spec.commandLine().getOut().flush();
            return 0;
        }
        // Churn's ops are generated ahead, the same in every JVM: its children time, this JVM counts.
        final boolean countHere = fork && Workloads.CHURN.equals(w.name());
        final boolean pipelined = countHere && alongside;     // AlongsidePipeline
        final OutputTarget target = OutputTarget.open(output.out, spec.commandLine().getOut());
        try (HistogramLogs logs = HistogramLogs.open(histogramLog, LOG_COMMENT)) {
            final List<Map<String, Object>> results = new ArrayList<>();
            if (pipelined) {
                final List<Path> parts = new ArrayList<>();
                for (final RunSpec s : specs) {
                    parts.add(logs == null ? null : logs.next(s.label()));
                }
                results.addAll(AlongsidePipeline.run(specs.size(),
                        (i, quiet, slot) -> forked(specs.get(i), logArgs(timedArgs(specs.get(i), w, progress, true),
                                parts.get(i)), quiet, slot),
                        (i, pace) -> Reports.count(specs.get(i), new DescriptorRun(mixConfig, null, false), mem,
                                dev.memu.driver.ProgressListener.NONE, pace),
                        i -> ConsoleProgress.status(progress, err, status(i, specs)), ChildJvm::sharingReady,
                        AlongsidePipeline.lookahead()));
            } else {
                for (int i = 0; i < specs.size(); i++) {
                    final RunSpec s = specs.get(i);
                    ConsoleProgress.status(progress, err, status(i, specs));
                    final Path part = logs == null ? null : logs.next(s.label());
                    if (countHere) {
                        final Map<String, Object> tree = forked(s, logArgs(timedArgs(s, w, progress, false), part),
                                null);
                        ResultTree.putCounts(tree, Reports.count(s, new DescriptorRun(mixConfig, null, false), mem,
                                ConsoleProgress.of(progress, err)));
                        results.add(tree);
                    } else if (fork) {
                        results.add(forked(s, logArgs(runArgs(s, w, progress), part), null));
                    } else {
                        final DescriptorRun streams = new DescriptorRun(mixConfig, null, false);
                        final LatencyIntervals intervals = part == null ? null
                                : Driver.latencyIntervals(LatencyIntervals.DEFAULT_INTERVAL_NS);
                        final Map<String, Object> tree = ResultTree.of(Reports.run(s, streams, mem, AllocatorBoot.NONE,
                                ConsoleProgress.of(progress, err), new Telemetry(RunCounters.NONE, intervals)));
                        if (part != null) {
                            try (OutputStream os = Files.newOutputStream(part)) {
                                intervals.write(os);
                            }
                        }
                        streams.addResults(tree);
                        results.add(tree);
                    }
                }
            }
            ConsoleProgress.clearStatus(progress, err);
            final long timer = results.isEmpty() ? 0 : (long) Json.number(results.getFirst(), "timerOverheadNs");
            final var config = Reports.config("compare", mem, memBytes, w, seed, layoutNames, allocatorNames,
                    threadCounts, fork, timer);
            new DescriptorRun(mixConfig, null, false).addConfig(config);
            config.put("countedApart", countHere);
            config.put("countedAlongside", pipelined);
            final String report = Reports.render(format, config, results, false);
            if (logs != null) {
                logs.commit();
            }
            target.commit(report);
        } finally {
            target.abandon();
        }
        return 0;
    }

    /** The status line while configuration {@code i} of {@code specs} runs. */
    private static String status(final int i, final List<RunSpec> specs) {
        return "memu: compare " + (i + 1) + "/" + specs.size() + ": " + specs.get(i).label();
    }

    /** {@code args} writing the child's latency log to {@code part}, if there is one. */
    private static List<String> logArgs(final List<String> args, final Path part) {
        if (part != null) {
            args.addAll(List.of("--histogram-log", part.toString()));
        }
        return args;
    }

    /** {@code memu run} of {@code s} with compare's workload, JSON on stdout: a whole run in the child. */
    private List<String> runArgs(final RunSpec s, final WorkloadSpec w, final String progress) {
        final List<String> args = new ArrayList<>(List.of("run",
                "--layout", s.layout(), "--allocator", s.allocator(), "--threads", Integer.toString(s.threads())));
        args.addAll(workloadArgs(s, w, progress));
        return args;
    }

    /** {@code memu compare --child} of {@code s}: the timed pass only, in the child. */
    private List<String> timedArgs(final RunSpec s, final WorkloadSpec w, final String progress,
                                   final boolean handshake) {
        final List<String> args = new ArrayList<>(List.of("compare", "--child",
                "--layouts", s.layout(), "--allocators", s.allocator(), "--threads", Integer.toString(s.threads())));
        if (handshake) {
            args.add("--quiet-handshake");
        }
        args.addAll(workloadArgs(s, w, progress));
        return args;
    }

    private List<String> workloadArgs(final RunSpec s, final WorkloadSpec w, final String progress) {
        final List<String> args = new ArrayList<>(List.of(
                "--mem", Long.toString(s.ramBytes()), "--workload", w.name(),
                "--ops", Long.toString(w.ops()), "--warmup", Long.toString(w.warmupOps()),
                "--seed", Long.toString(s.seed()), "--occupancy", Double.toString(w.occupancy()),
                "--max-fill", Long.toString(w.maxFillBytes()), "--format", "json", "--progress", progress));
        args.addAll(WorkloadOptions.childArgs(w));    // only the options that apply to this workload
        args.addAll(mix.childArgs());
        args.addAll(ramHugePages.childArgs());
        return args;
    }

    /** Runs memu {@code args} in a child JVM ({@link ChildJvm}) and returns the one result it printed. */
    private Map<String, Object> forked(final RunSpec s, final List<String> args,
                                       final dev.memu.driver.QuietWindow quiet)
            throws IOException, InterruptedException {
        return forked(s, args, quiet, null);
    }

    /** {@link #forked(RunSpec, List, dev.memu.driver.QuietWindow)} among siblings that may be stopped while it times. */
    private Map<String, Object> forked(final RunSpec s, final List<String> args,
                                       final dev.memu.driver.QuietWindow quiet, final ChildJvm.Host host)
            throws IOException, InterruptedException {
        final String out = ChildJvm.run("compare: the run of " + s.label(), args, spec.commandLine().getErr(), quiet,
                host);
        final Object results = Json.at(Json.parse(out), "results");
        if (!(results instanceof List<?> list) || list.size() != 1 || !(list.getFirst() instanceof Map<?, ?>)) {
            throw new IllegalStateException("compare: the run of " + s.label() + " printed no result");
        }
        @SuppressWarnings("unchecked")
        final Map<String, Object> result = (Map<String, Object>) list.getFirst();
        return result;
    }
}

package dev.memu.cli;

import dev.memu.driver.AllocatorBoot;
import dev.memu.driver.Driver;
import dev.memu.driver.ProgressListener;
import dev.memu.driver.RunConfigException;
import dev.memu.workload.OrderMix;
import dev.memu.workload.Workloads;
import dev.memu.driver.RunResult;
import dev.memu.driver.RunSpec;
import dev.memu.driver.StreamFactory;
import dev.memu.machine.Machine;
import dev.memu.stat.Telemetry;
import dev.memu.util.Sizes;
import dev.memu.workload.WorkloadSpec;
import dev.memu.workload.Workloads;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code run} and {@code compare} share: running a spec, the config tree, the report. */
final class Reports {

    private Reports() {
    }

    /** Runs in this JVM; a configuration the machine cannot run becomes a usage error naming the option. */
    static RunResult run(final RunSpec spec, final String memText, final ProgressListener progress) {
        return run(spec, StreamFactory.FROM_SPEC, memText, AllocatorBoot.NONE, progress);
    }

    /** {@link #run(RunSpec, String, ProgressListener)} with each pass's allocator booted by {@code boot} first. */
    static RunResult run(final RunSpec spec, final String memText, final AllocatorBoot boot,
                         final ProgressListener progress) {
        return run(spec, StreamFactory.FROM_SPEC, memText, boot, progress);
    }

    /** {@link #run(RunSpec, String, AllocatorBoot, ProgressListener)} with the streams from {@code factory}. */
    static RunResult run(final RunSpec spec, final StreamFactory factory, final String memText,
                         final AllocatorBoot boot, final ProgressListener progress) {
        try {
            return Driver.run(spec, factory, boot, progress);
        } catch (final RunConfigException e) {
            throw usage(e, spec, memText);
        }
    }

    /** {@link #run(RunSpec, StreamFactory, String, AllocatorBoot, ProgressListener)} publishing through {@code telemetry}. */
    static RunResult run(final RunSpec spec, final StreamFactory factory, final String memText,
                         final AllocatorBoot boot, final ProgressListener progress, final Telemetry telemetry) {
        try {
            return Driver.run(spec, factory, boot, progress, telemetry);
        } catch (final RunConfigException e) {
            throw usage(e, spec, memText);
        }
    }

    /** {@link Driver#timedOnly}: the timed pass and the harness, no counting pass, publishing through {@code telemetry}. */
    static RunResult runTimed(final RunSpec spec, final StreamFactory factory, final String memText,
                              final ProgressListener progress, final Telemetry telemetry,
                              final dev.memu.driver.QuietWindow window) {
        try {
            return Driver.timedOnly(spec, factory, AllocatorBoot.NONE, progress, telemetry, window);
        } catch (final RunConfigException e) {
            throw usage(e, spec, memText);
        }
    }

    /** {@link Driver#count}: the counting pass alone. */
    static Driver.Counts count(final RunSpec spec, final StreamFactory factory, final String memText,
                               final ProgressListener progress) {
        return count(spec, factory, memText, progress, dev.memu.driver.CountingPace.free());
    }

    /** {@link Driver#count}, held still whenever {@code pace} is paused. */
    static Driver.Counts count(final RunSpec spec, final StreamFactory factory, final String memText,
                               final ProgressListener progress, final dev.memu.driver.CountingPace pace) {
        try {
            return Driver.count(spec, factory, AllocatorBoot.NONE, progress, pace);
        } catch (final RunConfigException e) {
            throw usage(e, spec, memText);
        }
    }

    static void validate(final RunSpec spec, final String memText) {
        try {
            Driver.validate(spec);
        } catch (final RunConfigException e) {
            throw usage(e, spec, memText);
        }
    }

    private static UsageException usage(final RunConfigException e, final RunSpec spec, final String memText) {
        return new UsageException(switch (e.input()) {
            case ORDERS -> orders(e, spec, memText);
            case PROBE_ORDER -> "--probe-order '" + spec.workload().probeOrder() + "': " + e.getMessage();
            case MEMORY -> "--mem '" + memText + "': " + e.getMessage();
            case FILL -> "--occupancy/--max-fill: " + e.getMessage();
            case OTHER -> spec.label() + ": " + e.getMessage();
        });
    }

    /**
     * An order above the allocator's max: the user's --orders when they gave one, else --mem (too
     * small for the default mix, or for kernel-mix, which --orders does not apply to).
     */
    private static String orders(final RunConfigException e, final RunSpec spec, final String memText) {
        final String m = e.getMessage();
        final int cut = m.startsWith("'") ? m.indexOf("': ") : -1;
        final String why = cut < 0 ? m : m.substring(cut + 3);
        if (Workloads.KERNEL_MIX.equals(spec.workload().name())) {
            return "--mem '" + memText + "': too small for --workload kernel-mix, whose file and anon folios go up "
                    + "to 2 MiB (" + why + ")";
        }
        if (spec.workload().orders().canonical().equals(OrderMix.defaults().canonical())) {
            return "--mem '" + memText + "': too small for the default --orders " + OrderMix.DEFAULT_SPEC + " ("
                    + why + "); give more --mem, or --orders 0:1";
        }
        return "--orders " + m;
    }

    static Map<String, Object> config(final String command, final String memText, final long memBytes,
                                      final WorkloadSpec w, final long seed, final List<String> layouts,
                                      final List<String> allocators, final List<Integer> threads,
                                      final boolean forked, final long timerOverheadNs) {
        final int pageShift = Machine.DEFAULT_PAGE_SHIFT;
        final long pages = memBytes >>> pageShift;
        final Map<String, Object> c = new LinkedHashMap<>();
        c.put("command", command);
        c.put("mem", memText);
        c.put("memBytes", memBytes);
        c.put("pageSize", 1L << pageShift);
        c.put("pages", pages);
        c.put("workload", w.name());
        c.put("orders", w.orders().canonical());
        c.put("ops", w.ops());
        c.put("warmupOps", w.warmupOps());
        c.put("seed", seed);
        c.put("occupancy", w.occupancy());
        c.put("maxFillBytes", w.maxFillBytes());
        c.put("maxFill", Sizes.format(w.maxFillBytes()));
        c.put("fillPages", w.fillPages(pages, pageShift));
        if (Workloads.FRAGMENT.equals(w.name())) {
            c.put("probeOrder", w.probeOrder());
            c.put("freeFraction", w.freeFraction());
        }
        c.put("layouts", new ArrayList<Object>(layouts));
        c.put("allocators", new ArrayList<Object>(allocators));
        c.put("threads", new ArrayList<Object>(threads));
        c.put("forked", forked);
        c.put("timerOverheadNs", timerOverheadNs);
        c.put("java", Runtime.version().toString());
        c.put("hostCpus", Runtime.getRuntime().availableProcessors());
        return c;
    }

    static String render(final String format, final Map<String, Object> config,
                         final List<Map<String, Object>> results, final boolean detail) {
        return switch (format) {
            case "json" -> {
                final Map<String, Object> root = new LinkedHashMap<>();
                root.put("config", config);
                root.put("results", new ArrayList<Object>(results));
                yield Json.write(root);
            }
            case "csv" -> Csv.write(results);
            case "html" -> Html.render("memu " + config.get("command"),
                    List.of(new Html.Source("memu " + config.get("command"), config, results)));
            default -> TextReport.render(config, results, detail);
        };
    }
}

package dev.memu.run;

import dev.memu.alloc.PageAllocator;
import dev.memu.driver.RunSpec;
import dev.memu.driver.StreamFactory;
import dev.memu.failure.FailureAction;
import dev.memu.failure.FailureInjector;
import dev.memu.failure.FailurePlan;
import dev.memu.failure.FailureStats;
import dev.memu.failure.PoisonAwareAllocator;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.MemdescType;
import dev.memu.migrate.CompactionProbe;
import dev.memu.migrate.CompactionResult;
import dev.memu.workload.FragmentWorkload;
import dev.memu.workload.FreeBlocksTimeline;
import dev.memu.util.SplitMix64;
import dev.memu.workload.Workload;
import dev.memu.workload.WorkloadSpec;
import dev.memu.workload.Workloads;
import dev.memu.workload.kernelmix.KernelMixConfig;
import dev.memu.workload.kernelmix.KernelMixWorkload;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The stream factory behind {@code run} and {@code compare} when the workload builds real
 * descriptors (kernel-mix, or fragment with {@code --compact}): builds the streams with the
 * command's mix, failure plan and compaction flag, puts a {@link PoisonAwareAllocator} in front of
 * the allocator when failures are injected, keeps the streams it built, and afterwards adds what
 * they measured to the result tree ({@code kernelMix}, {@code failures}, {@code compaction}).
 * Other workloads go through {@link StreamFactory#FROM_SPEC} unchanged.
 *
 * <p>This is the run assembly every client shares: the CLI's {@code run} and {@code compare}
 * render the maps it fills; the JMH {@code KernelMixBenchmark} and library users drive it through
 * {@link dev.memu.driver.Driver} the same way. The maps hold only numbers, strings, booleans, lists
 * and maps, in insertion order; their keys are the JSON contract ({@code kernelMix.*},
 * {@code failures.*}, {@code compaction.*}).
 *
 * <p>Fragment streams (with or without compaction) report to one {@link FreeBlocksTimeline} per
 * run, and the result gets its points as {@code freeBlocksOverTime}: free blocks by order after
 * the fill, after the frees, at each eighth of the probes (and after compaction), sampled in the
 * counting pass between ops.
 */
public final class DescriptorRun implements StreamFactory {

    private final KernelMixConfig mix;
    private final FailurePlan plan;
    private final boolean compact;
    private final List<Workload> built = new ArrayList<>();
    /** The fragment streams' points, made with the first fragment stream; null for other workloads. */
    private FreeBlocksTimeline timeline;

    /**
     * @param mix the kernel-mix shares, or null for the defaults (and no {@code mix} config entry)
     * @param plan the failure plan, or null for no injected failures (and no poison-aware wrapper)
     * @param compact whether kernel-mix and fragment run a compaction pass and probe
     */
    public DescriptorRun(final KernelMixConfig mix, final FailurePlan plan, final boolean compact) {
        this.mix = mix;
        this.plan = plan;
        this.compact = compact;
    }

    @Override
    public synchronized Workload create(final RunSpec spec, final long pages, final int pageShift, final int stream) {
        final WorkloadSpec w = spec.workload();
        final Workload s;
        if (Workloads.KERNEL_MIX.equals(w.name()) || (compact && Workloads.FRAGMENT.equals(w.name()))) {
            final int streams = spec.threads();
            final long seed = SplitMix64.derive(spec.seed(), stream);
            final long fill = Math.max(1, Workloads.share(w.fillPages(pages, pageShift), stream, streams));
            s = Workloads.KERNEL_MIX.equals(w.name())
                    ? new KernelMixWorkload(seed, mix == null ? KernelMixConfig.defaults() : mix, fill,
                    Workloads.share(w.warmupOps(), stream, streams), Workloads.share(w.ops(), stream, streams),
                    plan, compact)
                    : new FragmentWorkload(seed, w.orders(), fill, w.freeFraction(), w.probeOrder(), true);
        } else {
            s = FROM_SPEC.create(spec, pages, pageShift, stream);
        }
        if (s instanceof FragmentWorkload f) {
            if (timeline == null) {
                timeline = new FreeBlocksTimeline(spec.threads());
            }
            f.sampleInto(timeline);
        }
        built.add(s);
        return s;
    }

    @Override
    public PageAllocator allocator(final PageAllocator allocator) {
        return plan == null ? allocator : new PoisonAwareAllocator(allocator);
    }

    /** Adds the options that shaped the streams to the config tree. */
    public void addConfig(final Map<String, Object> config) {
        if (mix != null) {
            config.put("mix", shares(mix));
        }
        if (plan != null) {
            final Map<String, Object> f = new LinkedHashMap<>();
            if (plan.perMillion() > 0) {
                f.put("perMillionOps", plan.perMillion());
            } else {
                final List<Object> pfns = new ArrayList<>();
                for (final long p : plan.pfns()) {
                    pfns.add(p);
                }
                f.put("pfns", pfns);
            }
            config.put("failurePlan", f);
        }
        if (compact) {
            config.put("compact", true);
        }
    }

    /**
     * Adds what this run's streams measured to {@code result}: allocations summed over the timed
     * pass's streams; failures and compaction (single-stream experiments) from the timed stream,
     * with the counting pass's twin for lookup cachelines.
     */
    public void addResults(final Map<String, Object> result) {
        final Workload timed = first(false);
        final Workload counted = first(true);
        if (timed instanceof KernelMixWorkload k) {
            result.put("kernelMix", kernelMix(k, timedStreams()));
            if (k.failures() != null && counted instanceof KernelMixWorkload c) {
                result.put("failures", failures(k.failures(), c.failures()));
            }
            if (k.compaction() != null) {
                result.put("compaction", compaction(k.compaction()));
            }
        } else if (timed instanceof FragmentWorkload f && f.compaction() != null) {
            result.put("compaction", compaction(f.compaction()));
        }
        final List<FreeBlocksTimeline.Point> points = timelinePoints();
        if (!points.isEmpty()) {
            result.put("freeBlocksOverTime", freeBlocksOverTime(points));
        }
    }

    private synchronized List<FreeBlocksTimeline.Point> timelinePoints() {
        return timeline == null ? List.of() : timeline.points();
    }

    /** {@code freeBlocksOverTime}: where the points were sampled, and each point's name, probes and blocks. */
    private static Map<String, Object> freeBlocksOverTime(final List<FreeBlocksTimeline.Point> points) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("pass", "counting");
        final List<Object> list = new ArrayList<>();
        for (final FreeBlocksTimeline.Point p : points) {
            final Map<String, Object> e = new LinkedHashMap<>();
            e.put("after", p.name());
            e.put("probeAttempts", p.probeAttempts());
            e.put("probeSuccesses", p.probeSuccesses());
            final List<Object> blocks = new ArrayList<>();
            for (final long b : p.freeBlocksByOrder()) {
                blocks.add(b);
            }
            e.put("blocks", blocks);
            list.add(e);
        }
        m.put("points", list);
        return m;
    }

    /** The first stream of the timed pass (counting false) or of the counting pass. */
    private synchronized Workload first(final boolean counting) {
        // The driver builds the timed pass's streams first, then the counting pass's.
        final int threads = built.size() / 2;
        if (threads == 0) {
            return null;
        }
        return built.get(counting ? threads : 0);
    }

    private synchronized List<Workload> timedStreams() {
        return List.copyOf(built.subList(0, built.size() / 2));
    }

    private static Map<String, Object> kernelMix(final KernelMixWorkload k, final List<Workload> timed) {
        final Map<String, Object> m = new LinkedHashMap<>();
        final Map<String, Object> byType = new LinkedHashMap<>();
        for (final MemdescType t : MemdescType.values()) {
            long n = 0;
            for (final Workload w : timed) {
                n += ((KernelMixWorkload) w).allocations(t);
            }
            if (n > 0) {
                byType.put(t.key(), n);
            }
        }
        m.put("allocationsByType", byType);
        final MemdescHeap heap = k.descs().heap();
        final Map<String, Object> h = new LinkedHashMap<>();
        h.put("mappedBytes", heap.mappedBytes());
        h.put("liveBytes", heap.liveBytes());
        h.put("requestedBytes", heap.requestedBytes());
        h.put("liveObjects", heap.liveObjects());
        m.put("memdescHeap", h);
        return m;
    }

    private static Map<String, Object> failures(final FailureInjector timed, final FailureInjector counted) {
        final FailureStats s = timed.failure().stats();
        final FailureStats c = counted.failure().stats();
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("planned", timed.planned());
        m.put("injected", timed.injected());
        m.put("recovered", s.recovered());
        m.put("lost", s.lost());
        final Map<String, Object> byAction = new LinkedHashMap<>();
        for (final FailureAction a : FailureAction.values()) {
            byAction.put(a.name().toLowerCase(Locale.ROOT), s.count(a));
        }
        m.put("byAction", byAction);
        final Map<String, Object> byType = new LinkedHashMap<>();
        for (final MemdescType t : MemdescType.values()) {
            if (s.count(t) > 0) {
                byType.put(t.key(), s.count(t));
            }
        }
        m.put("byType", byType);
        final Map<String, Object> lookup = new LinkedHashMap<>();
        lookup.put("nsMedian", timed.medianLookupNanos());
        lookup.put("nsMean", s.meanLookupNanos());
        lookup.put("linesMean", c.meanLookupLines());
        lookup.put("linesMax", c.maxLookupLines());
        lookup.put("lookups", s.lookups());
        m.put("lookup", lookup);
        m.put("checksumFailures", s.checksumFailures() + c.checksumFailures());
        final PoisonAwareAllocator p = timed.failure().allocator();
        m.put("poisonedPages", (long) p.poisonedCount());
        m.put("quarantinedPages", p.quarantinedPages());
        m.put("poisonedHandedOut", p.leakedCaught() + counted.failure().allocator().leakedCaught());
        m.put("countingPassAgrees", s.recovered() == c.recovered() && s.lost() == c.lost());
        return m;
    }

    private static Map<String, Object> compaction(final CompactionProbe.Report r) {
        final CompactionResult c = r.compaction();
        final int o = r.order();
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("order", o);
        m.put("freeBlocksBefore", c.freeBlocksBefore().length > o ? c.freeBlocksBefore()[o] : 0L);
        m.put("freeBlocksAfter", c.freeBlocksAfter().length > o ? c.freeBlocksAfter()[o] : 0L);
        m.put("capacityBefore", c.targetBlocksBefore());
        m.put("capacityAfter", c.targetBlocksAfter());
        m.put("probeAttempts", r.attempts());
        m.put("probeSuccessesBefore", r.successesBefore());
        m.put("probeSuccessesAfter", r.successesAfter());
        m.put("migratedAllocations", c.migrated());
        m.put("migratedPages", c.pagesMoved());
        m.put("pageblocksScanned", c.pageblocksScanned());
        m.put("pageblocksSkipped", c.pageblocksSkipped());
        m.put("stopReason", c.stopReason());
        m.put("elapsedNs", c.nanos());
        m.put("freeBlocksByOrderBefore", longs(c.freeBlocksBefore()));
        m.put("freeBlocksByOrderAfter", longs(c.freeBlocksAfter()));
        return m;
    }

    private static List<Object> longs(final long[] values) {
        final List<Object> out = new ArrayList<>();
        for (final long v : values) {
            out.add(v);
        }
        return out;
    }

    /** The kernel-mix shares as {@code --mix} spells them: {@code file=40,anon=30,...}, every kind in order. */
    public static String shares(final KernelMixConfig config) {
        final List<String> parts = new ArrayList<>();
        final KernelMixConfig.Kind[] kinds = KernelMixConfig.Kind.values();
        for (int i = 0; i < kinds.length; i++) {
            parts.add(kinds[i].name().toLowerCase(Locale.ROOT) + "=" + config.shares()[i]);
        }
        return String.join(",", parts);
    }
}

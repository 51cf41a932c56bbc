package dev.memu.driver;

import dev.memu.access.Access;
import dev.memu.access.CountingAccess;
import dev.memu.access.PlainAccess;
import dev.memu.access.Region;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.Footprint;
import dev.memu.machine.HugePageReport;
import dev.memu.machine.Machine;
import dev.memu.stat.LatencyIntervals;
import dev.memu.stat.Phase;
import dev.memu.stat.RunCounters;
import dev.memu.stat.Telemetry;
import dev.memu.util.Sizes;
import dev.memu.workload.Op;
import dev.memu.workload.Workload;
import dev.memu.workload.WorkloadContext;
import dev.memu.workload.WorkloadStats;
import dev.memu.workload.Workloads;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Runs one {@link RunSpec} and measures it, in two passes over the same workload streams.
 *
 * <ol>
 *   <li><b>Timed pass</b>: a machine whose memmap is bound to {@link PlainAccess}; {@code threads}
 *       worker threads, worker {@code t} acting as vcpu {@code t} and running workload stream
 *       {@code t} (its own seed, its share of the fill and of the ops). Each worker performs its
 *       fill one op at a time; a stream that {@linkplain Workload#generatesAhead() generates
 *       ahead} then has its warm-up and measured ops recorded into {@link OpTape}s and replayed
 *       from them, so the timed loop reads two longs per op and calls the allocator, no workload
 *       code. The warm-up replays through the very loop that is timed, so the JIT has compiled
 *       the measured path before the clock starts. All workers wait for each other, then each
 *       times its measured loop as a whole (throughput: no timer per op); every
 *       {@link #LATENCY_SAMPLE_EVERY}-th op is also timed alone with the clock into an
 *       HdrHistogram per op kind (the latency sample; those few timer calls are part of the
 *       throughput loop, and of the harness figure below). Then, on the same threads, the
 *       <b>harness</b> alone: the last measured tape replayed through the same loop on a
 *       {@link HarnessAllocator} that does nothing, warmed up first and timed the same way
 *       (the fastest of a few replays); its ns per op is what a measured op costs that is not
 *       the allocator. Free blocks per
 *       order and bytes per page are read at the end, then the verifier walks the allocator.
 *       A stream that cannot generate ahead (kernel-mix, fragment, a trace replay) produces each
 *       op between the allocator calls, inside the timed loop, and no harness figure is made.</li>
 *   <li><b>Counting pass</b>: a fresh machine bound to a {@link CountingAccess}, the same streams
 *       (same seeds) interleaved op by op round-robin on the calling thread, each op issued as its
 *       stream's vcpu, so per-vcpu state and occupancy are those of the timed pass while one
 *       thread owns the counter. Setup ops are performed and not counted; each measured call is
 *       bracketed by {@code beginOp/endOp} and the distinct lines it touched are summed per
 *       region and per op kind. Then the verifier again. With one thread the op sequence is
 *       exactly the timed pass's.</li>
 * </ol>
 *
 * In each pass every stream gets the pass's {@link WorkloadContext} (machine, allocator, access
 * layer, memdesc heap on demand) before its first op, and {@link Workload#finish()} after its
 * last, outside the timing: that is where a workload with real descriptors finds its heap and
 * where a single-stream workload runs stop-the-world steps such as compaction. A stream factory
 * may put a wrapper in front of each pass's allocator ({@link StreamFactory#allocator}).
 *
 * <p>Recorded ops assume every alloc succeeds (see {@link OpTape}); an alloc that fails at replay
 * is counted as a failure, the later free of its block is skipped, and the workload statistics
 * are corrected for both, so they describe what the allocator really holds.
 *
 * The timed machine is closed before the counting one is built, so a huge emulated RAM is mapped
 * once at a time. A verifier finding, or allocated pages fewer than the workload holds, throws
 * {@link VerifyFailedException}. All times come from one clock, {@code System.nanoTime} unless a
 * caller passes its own (tests do, so that nothing they assert depends on wall time).
 *
 * <p>A caller may pass a {@link Telemetry}: live counters ({@link dev.memu.stat.RunCounter}) and an
 * HdrHistogram interval log of the latency samples. Neither adds work per op: a worker publishes
 * its op, alloc, free and failure counts with opaque stores after each tape (outside its timing;
 * every {@value #PUBLISH_EVERY} ops of a one-by-one loop, which already publishes its progress
 * there), the driver thread gathers them into the counters about five times a second, and the
 * counting pass publishes every {@value #PUBLISH_EVERY} ops; latency intervals are cut at the
 * same boundaries ({@link LatencyIntervals}).
 */
public final class Driver {

    /** Latencies above this are clamped (10 s): a histogram that cannot grow never allocates. */
    static final long MAX_LATENCY_NS = 10_000_000_000L;
    /** One measured op in this many is timed alone for the latency histograms (a power of two). */
    public static final int LATENCY_SAMPLE_EVERY = 16;
    private static final int SAMPLE_MASK = LATENCY_SAMPLE_EVERY - 1;
    private static final int SIGNIFICANT_DIGITS = 3;
    /** Workers publish their op count every this many ops (a power of two). */
    private static final int PUBLISH_EVERY = 1 << 12;
    /**
     * Tapes replay in calls of this many ops: short enough that the replay method is invoked often
     * (the JIT compiles a method fully once it has been called some hundreds of times; a loop
     * called rarely would run as profiled C1 code entered afresh on every call), long enough that
     * the call costs nothing per op.
     */
    private static final int REPLAY_BATCH = 1 << 8;
    /** Ops the harness replays untimed before its timed replay, so that the JIT has recompiled the loop for it. */
    private static final long HARNESS_WARMUP_OPS = 1L << 21;
    /**
     * Timed replays of the harness; the fastest counts. One replay of a default tape lasts a few
     * milliseconds, so a single preemption on a busy host could double it (with five replays a
     * compare on the contended 2-core host still showed one harness of 140 ns per op among ones
     * of 10-15); the harness is a property of the loop, and the least disturbed replay measures
     * it best. The later replays also give a starved JIT time to finish recompiling the loop.
     */
    private static final int HARNESS_TIMED_REPLAYS = 16;
    /**
     * Ops per warm-up tape: the warm-up may stand still for the JIT between two ({@link
     * JitSettle.Pacer}); a few milliseconds of ops, against well under one of reading the
     * compiler threads' times.
     */
    private static final int WARM_UP_TAPE_OPS = 1 << 15;
    /** Lines-per-op histogram buckets for the counting pass's p99; more than this counts as this. */
    private static final int LINE_BUCKETS = 1 << 16;
    /** Orders a 64-bit pfn space can name. */
    private static final int ORDERS = 64;

    /** The driver thread samples the allocator's free blocks for the live counters at most this often. */
    private static final long FREE_BLOCKS_SAMPLE_NS = 1_000_000_000L;
    /** Tags of the latency interval log, index = op kind. */
    private static final String[] LATENCY_TAGS = {"alloc", "free"};

    /**
     * How a run measures: its clock, the length of its op tapes, what it publishes while it goes,
     * whom it tells when it times, how a counting pass is held, and the JIT the timed pass waits
     * on before its clock starts ({@link JitSettle}; a run on an injected clock reads none,
     * {@link JitActivity#UNKNOWN}, since the wait is in real time).
     */
    private record Settings(java.util.function.LongSupplier clock, int chunkOps, Telemetry telemetry,
                            QuietWindow window, CountingPace pace, JitActivity jit) {

        Settings(final java.util.function.LongSupplier clock, final int chunkOps, final Telemetry telemetry,
                 final JitActivity jit) {
            this(clock, chunkOps, telemetry, QuietWindow.NONE, CountingPace.free(), jit);
        }
    }

    /** A latency interval log with the tags this driver files under (index = op kind). */
    public static LatencyIntervals latencyIntervals(final long intervalNs) {
        final LatencyIntervals intervals = new LatencyIntervals(intervalNs, LATENCY_TAGS);
        intervals.comment("memu latency samples, ns: one measured op in " + LATENCY_SAMPLE_EVERY
                + " timed alone (each includes one System.nanoTime pair)");
        return intervals;
    }

    private Driver() {
    }

    public static RunResult run(final RunSpec spec) {
        return run(spec, ProgressListener.NONE);
    }

    /**
     * Java heap the op tapes of a run take: {@code threads} streams sharing {@code ops} ops (fill,
     * warm-up and measured), each replayed from a tape as long as its stream, at most a full
     * chunk ({@code OpTape}); for a caller that refuses a run the heap cannot hold before it starts.
     */
    public static long tapeBytes(final long ops, final int threads) {
        return threads * OpTape.bytesFor(ops / threads + 1);
    }

    /**
     * Checks that {@code spec} can run on its machine (orders within the allocator's max, fill
     * within limits) without running it: builds the machine and allocator once and closes them.
     *
     * @throws RunConfigException naming the input that is wrong
     */
    public static void validate(final RunSpec spec) {
        try (Machine machine = createMachine(spec)) {
            final PageAllocator allocator = createAllocator(spec, machine, PlainAccess.INSTANCE);
            check(spec, allocator, machine);
        }
    }

    /**
     * Runs {@code spec}: timed pass, harness, counting pass, verification.
     *
     * @throws RunConfigException   when the spec cannot run on its machine (nothing ran)
     * @throws VerifyFailedException when the allocator's state is inconsistent after a pass
     */
    public static RunResult run(final RunSpec spec, final ProgressListener progress) {
        return run(spec, StreamFactory.FROM_SPEC, progress);
    }

    /**
     * Runs {@code spec} with streams from {@code factory} instead of the spec's named workload
     * (the spec still names machine, layout, allocator, threads and seed).
     */
    public static RunResult run(final RunSpec spec, final StreamFactory factory, final ProgressListener progress) {
        return run(spec, factory, AllocatorBoot.NONE, progress);
    }

    /**
     * Runs {@code spec} with streams from {@code factory}, each pass's allocator first brought to
     * its starting state by {@code boot} (the workload's fill and ops then run on top of it).
     */
    public static RunResult run(final RunSpec spec, final StreamFactory factory, final AllocatorBoot boot,
                                final ProgressListener progress) {
        return run(spec, factory, boot, progress, System::nanoTime, OpTape.DEFAULT_CHUNK_OPS, Telemetry.NONE,
                JitActivity.compilerThreads());
    }

    /**
     * {@link #run(RunSpec, StreamFactory, AllocatorBoot, ProgressListener)} with every time taken
     * from {@code clock} (nanoseconds, never decreasing): the timed loops, the latency samples,
     * the harness and the progress meter. The timed pass does not wait for the JIT on this clock
     * (the wait is in real time) and reports the JIT as unknown.
     */
    public static RunResult run(final RunSpec spec, final StreamFactory factory, final AllocatorBoot boot,
                                final ProgressListener progress, final java.util.function.LongSupplier clock) {
        return run(spec, factory, boot, progress, clock, OpTape.DEFAULT_CHUNK_OPS, Telemetry.NONE, JitActivity.UNKNOWN);
    }

    /**
     * {@link #run(RunSpec, StreamFactory, AllocatorBoot, ProgressListener)} publishing live
     * counters and latency intervals through {@code telemetry}. The counters are the workers'
     * figures as of their last chunk boundary (a tape; 4096 ops when ops are produced one by one),
     * gathered by the driver thread about five times a second while the timed pass runs (free
     * blocks about once a second), and the counting pass's every 4096 ops: nothing per op.
     */
    public static RunResult run(final RunSpec spec, final StreamFactory factory, final AllocatorBoot boot,
                                final ProgressListener progress, final Telemetry telemetry) {
        return run(spec, factory, boot, progress, System::nanoTime, OpTape.DEFAULT_CHUNK_OPS, telemetry,
                JitActivity.compilerThreads());
    }

    /** With tapes of {@code chunkOps} ops, so that tests can make a short run span several. */
    static RunResult run(final RunSpec spec, final StreamFactory factory, final AllocatorBoot boot,
                         final ProgressListener progress, final java.util.function.LongSupplier clock,
                         final int chunkOps) {
        return run(spec, factory, boot, progress, clock, chunkOps, Telemetry.NONE, JitActivity.UNKNOWN);
    }

    /** With {@code jit} read around the timed pass ({@link JitSettle}, {@link JitReport}). */
    static RunResult run(final RunSpec spec, final StreamFactory factory, final AllocatorBoot boot,
                         final ProgressListener progress, final java.util.function.LongSupplier clock,
                         final int chunkOps, final Telemetry telemetry, final JitActivity jit) {
        final Settings settings = new Settings(clock, chunkOps, telemetry, jit);
        final TimedPass timed = timedPass(spec, factory, boot, progress, settings);
        return result(spec, timed, countingPass(spec, factory, boot, progress, settings));
    }

    /**
     * The timed pass and the harness only: the result's cachelines are empty and its counting
     * workload {@link WorkloadStats#EMPTY}. For a caller that counts elsewhere with {@link #count}
     * (compare times each configuration in a fresh JVM and counts them all in its own: the counts
     * do not depend on the JIT, and one warm JVM counts them faster).
     */
    public static RunResult timedOnly(final RunSpec spec, final StreamFactory factory, final AllocatorBoot boot,
                                      final ProgressListener progress) {
        return timedOnly(spec, factory, boot, progress, Telemetry.NONE, QuietWindow.NONE);
    }

    /**
     * {@link #timedOnly(RunSpec, StreamFactory, AllocatorBoot, ProgressListener)} publishing through
     * {@code telemetry}, and telling {@code window} when the measured ops are about to start and
     * when the timing is over.
     */
    public static RunResult timedOnly(final RunSpec spec, final StreamFactory factory, final AllocatorBoot boot,
                                      final ProgressListener progress, final Telemetry telemetry,
                                      final QuietWindow window) {
        final Settings settings = new Settings(System::nanoTime, OpTape.DEFAULT_CHUNK_OPS, telemetry, window,
                CountingPace.free(), JitActivity.compilerThreads());
        return result(spec, timedPass(spec, factory, boot, progress, settings), null);
    }

    /** What the counting pass of {@link #run} measures: cachelines per alloc and per free, and the streams' statistics. */
    public record Counts(CachelineSummary allocLines, CachelineSummary freeLines, WorkloadStats workload) {
    }

    /** The counting pass alone, exactly as {@link #run} makes it (the same streams, ops and counts). */
    public static Counts count(final RunSpec spec, final StreamFactory factory, final AllocatorBoot boot,
                               final ProgressListener progress) {
        return count(spec, factory, boot, progress, CountingPace.free());
    }

    /**
     * {@link #count(RunSpec, StreamFactory, AllocatorBoot, ProgressListener)} held still whenever
     * {@code pace} is paused: the same counts, whatever the pauses.
     */
    public static Counts count(final RunSpec spec, final StreamFactory factory, final AllocatorBoot boot,
                               final ProgressListener progress, final CountingPace pace) {
        pace.begin();
        try {
            final CountingPass c = countingPass(spec, factory, boot, progress,
                    new Settings(System::nanoTime, OpTape.DEFAULT_CHUNK_OPS, Telemetry.NONE, QuietWindow.NONE, pace,
                            JitActivity.UNKNOWN));
            return new Counts(c.summary(Op.ALLOC), c.summary(Op.FREE), c.stats());
        } finally {
            pace.finish();
        }
    }

    private static RunResult result(final RunSpec spec, final TimedPass timed, final CountingPass counting) {
        final Histogram alloc = merged(timed.workers, Op.ALLOC);
        final Histogram free = merged(timed.workers, Op.FREE);
        final List<ThreadResult> perThread = new ArrayList<>();
        long ops = 0;
        long timedNs = 0;
        long harnessOps = 0;
        long harnessNs = 0;
        boolean ahead = true;
        for (final Worker w : timed.workers) {
            perThread.add(new ThreadResult(w.vcpu, w.measuredOps, w.timedNs,
                    w.measuredOps * 1e9 / Math.max(1, w.timedNs),
                    LatencySummary.of(w.histograms[Op.ALLOC]), LatencySummary.of(w.histograms[Op.FREE]),
                    w.harnessNsPerOp()));
            ops += w.measuredOps;
            timedNs += w.timedNs;
            harnessOps += w.harnessOps;
            harnessNs += w.harnessNs;
            ahead &= w.ahead;
        }
        final double nsPerOp = ops == 0 ? Double.NaN : (double) timedNs / ops;
        final double harnessNsPerOp = ahead && harnessOps > 0 ? (double) harnessNs / harnessOps : Double.NaN;
        return new RunResult(spec, timed.pages, timed.maxOrder, ops, timed.elapsedNs,
                ops * 1e9 / Math.max(1, timed.elapsedNs), LatencySummary.of(alloc), LatencySummary.of(free),
                perThread, counting == null ? CachelineSummary.empty() : counting.summary(Op.ALLOC),
                counting == null ? CachelineSummary.empty() : counting.summary(Op.FREE), timed.bytesPerPage,
                timed.freeBlocksByOrder, timed.stats, counting == null ? WorkloadStats.EMPTY : counting.stats,
                timed.verify, timerOverheadNs(), alloc, free,
                nsPerOp, harnessNsPerOp, LATENCY_SAMPLE_EVERY, ahead, timed.jit);
    }

    // ---- set-up ----

    private static Machine createMachine(final RunSpec spec) {
        try {
            return Machine.create(spec.ramBytes(), spec.pageShift(), spec.hugePagePolicy());
        } catch (final IllegalArgumentException e) {
            throw new RunConfigException(RunConfigException.Input.MEMORY, e.getMessage());
        } catch (final OutOfMemoryError e) {
            throw new RunConfigException(RunConfigException.Input.MEMORY,
                    "the host cannot map " + Sizes.format(spec.ramBytes()) + " of emulated RAM: " + e.getMessage());
        }
    }

    /**
     * Binds the layout and builds the allocator. Either may refuse the combination (a layout that
     * cannot record the allocator's orders, a memmap the host cannot map): that is the user's
     * configuration, reported as a {@link RunConfigException}, not a crash.
     */
    private static PageAllocator createAllocator(final RunSpec spec, final Machine machine, final Access access) {
        try {
            final Memmap memmap = Layouts.byName(spec.layout()).bind(machine, access);
            return Allocators.create(spec.allocator(), memmap, spec.allocatorOptions());
        } catch (final OutOfMemoryError e) {
            throw new RunConfigException(RunConfigException.Input.MEMORY, "the host cannot map the "
                    + spec.layout() + " metadata for " + machine.pages() + " pages: " + e.getMessage());
        } catch (final IllegalArgumentException e) {
            throw new RunConfigException(RunConfigException.Input.OTHER, spec.layout() + " with " + spec.allocator()
                    + " on " + machine.ramBytes() + " bytes: " + e.getMessage());
        }
    }

    private static void check(final RunSpec spec, final PageAllocator allocator, final Machine machine) {
        try {
            spec.workload().orders().checkMaxOrder(allocator.maxOrder(), allocator.name());
        } catch (final IllegalArgumentException e) {
            throw new RunConfigException(RunConfigException.Input.ORDERS, e.getMessage());
        }
        if (Workloads.FRAGMENT.equals(spec.workload().name()) && spec.workload().probeOrder() > allocator.maxOrder()) {
            throw new RunConfigException(RunConfigException.Input.PROBE_ORDER, "probe order "
                    + spec.workload().probeOrder() + " is above the max order " + allocator.maxOrder()
                    + " of allocator " + allocator.name() + " on this machine");
        }
        final long fill = spec.workload().fillPages(machine.pages(), machine.pageShift());
        if (fill > Workloads.MAX_FILL_PAGES) {
            throw new RunConfigException(RunConfigException.Input.FILL, "a fill of " + fill
                    + " pages is above the limit of " + Workloads.MAX_FILL_PAGES + " pages");
        }
    }

    private static Workload[] streams(final RunSpec spec, final StreamFactory factory, final Machine machine,
                                      final PageAllocator allocator, final Access access) {
        final Workload[] streams = new Workload[spec.threads()];
        final WorkloadContext context = new WorkloadContext(machine, allocator, access);
        for (int t = 0; t < streams.length; t++) {
            streams[t] = factory.create(spec, machine.pages(), machine.pageShift(), t);
            streams[t].attach(context);
        }
        return streams;
    }

    private static WorkloadStats stats(final Workload[] streams) {
        WorkloadStats sum = WorkloadStats.EMPTY;
        for (final Workload w : streams) {
            sum = sum.plus(w.stats());
        }
        return sum;
    }

    private static long estimatedOps(final Workload[] streams) {
        long sum = 0;
        for (final Workload w : streams) {
            sum += w.estimatedOps();
        }
        return sum;
    }

    private static VerifyReport verify(final String pass, final RunSpec spec, final PageAllocator allocator,
                                       final WorkloadStats stats) {
        final VerifyReport report = allocator.verify();
        if (!report.ok()) {
            throw new VerifyFailedException(spec.label() + " " + pass, report);
        }
        if (report.allocatedPages() < stats.livePages()) {
            throw new VerifyFailedException(spec.label() + " " + pass + ": the workload holds " + stats.livePages()
                    + " pages but the allocator counts " + report.allocatedPages() + " allocated", report);
        }
        return report;
    }

    /**
     * The streams' statistics with what their tapes could not do taken out: the blocks of allocs
     * that failed at replay are not held, and the failures count as failures.
     */
    private static WorkloadStats corrected(final WorkloadStats s, final OpTape.Outcomes o) {
        return new WorkloadStats(s.fillTargetPages(), s.livePages() - o.phantomPages, s.liveBlocks() - o.phantomBlocks,
                s.setupOps(), s.measuredAllocs(), s.measuredFrees(), s.allocFailures() + o.failedMeasuredAllocs,
                s.fillFailures() + o.failedSetupAllocs, s.probeOrder(), s.probeAttempts(), s.probeSuccesses());
    }

    private static OpTape.Outcomes sum(final List<OpTape.Outcomes> all) {
        final OpTape.Outcomes sum = new OpTape.Outcomes();
        for (final OpTape.Outcomes o : all) {
            sum.failedMeasuredAllocs += o.failedMeasuredAllocs;
            sum.failedSetupAllocs += o.failedSetupAllocs;
            sum.skippedFrees += o.skippedFrees;
            sum.phantomPages += o.phantomPages;
            sum.phantomBlocks += o.phantomBlocks;
        }
        return sum;
    }

    // ---- timed pass ----

    private record TimedPass(Worker[] workers, long elapsedNs, long pages, int maxOrder, long[] freeBlocksByOrder,
                             BytesPerPage bytesPerPage, WorkloadStats stats, VerifyReport verify, JitReport jit) {
    }

    private static TimedPass timedPass(final RunSpec spec, final StreamFactory factory, final AllocatorBoot boot,
                                       final ProgressListener progress, final Settings settings) {
        try (Machine machine = createMachine(spec)) {
            final PageAllocator allocator = factory.allocator(createAllocator(spec, machine, PlainAccess.INSTANCE));
            check(spec, allocator, machine);
            boot.boot(allocator);
            final Workload[] streams = streams(spec, factory, machine, allocator, PlainAccess.INSTANCE);
            final Worker[] workers = new Worker[streams.length];
            final JitWatch jit = new JitWatch(settings.jit(), settings.clock());
            final StartGate start = new StartGate(streams.length, () -> {
                settings.window().enter();
                jit.settleAndStart();
            });
            final StartGate measured = new StartGate(streams.length, jit::stop);
            for (int t = 0; t < workers.length; t++) {
                workers[t] = new Worker(allocator, streams[t], t, start, measured, settings, machine.pages(),
                        workers.length == 1);
            }
            final Thread[] threads = new Thread[workers.length];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = Thread.ofPlatform().name("memu-vcpu-" + t).unstarted(workers[t]);
                threads[t].start();
            }
            final ProgressMeter meter = new ProgressMeter(progress, spec.label() + " timed", estimatedOps(streams),
                    settings.clock());
            final LiveGather live = new LiveGather(settings.telemetry().counters(), allocator, settings.clock());
            try {
                for (final Thread thread : threads) {
                    while (thread.isAlive()) {
                        joinQuietly(thread);
                        long done = 0;
                        for (final Worker w : workers) {
                            done += w.published();
                        }
                        meter.update(done);
                        live.timed(workers);
                    }
                }
            } finally {
                settings.window().leave();
            }
            meter.finish();
            for (final Worker w : workers) {
                if (w.failure != null) {
                    throw propagate(spec.label() + " timed pass, vcpu " + w.vcpu, w.failure);
                }
            }
            long elapsed = 0;
            final List<OpTape.Outcomes> outcomes = new ArrayList<>();
            for (final Worker w : workers) {
                elapsed = Math.max(elapsed, w.timedNs);
                outcomes.add(w.outcomes);
            }
            final WorkloadStats stats = corrected(stats(streams), sum(outcomes));
            live.timed(workers);
            live.sample();
            final VerifyReport report = verify("timed pass", spec, allocator, stats);
            return new TimedPass(workers, elapsed, machine.pages(), allocator.maxOrder(),
                    allocator.freeBlocksByOrder(), bytesPerPage(machine), stats, report,
                    jit.report(longestWarmUpWait(workers)));
        }
    }

    private static void joinQuietly(final Thread thread) {
        try {
            thread.join(200);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for workers", e);
        }
    }

    private static RuntimeException propagate(final String where, final Throwable failure) {
        if (failure instanceof VerifyFailedException v) {
            return v;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(where + ": " + failure, failure);
    }

    /**
     * Gathers, on the driver thread, what the workers last published into the live counters.
     * Free pages and free blocks are the allocator's quiescent views (some walk lists), so the
     * driver thread never reads them while workers run: with one worker, the worker itself samples
     * them about once a second between tapes (outside its timing; during the fill every 4096 ops;
     * not inside a one-by-one measured loop), and the driver publishes its latest sample; with
     * several, they are sampled only when the timed pass has ended. In the counting pass the one
     * thread samples them itself about once a second.
     */
    private static final class LiveGather {
        private final RunCounters counters;
        private final PageAllocator allocator;
        private final java.util.function.LongSupplier clock;
        private long lastSampleNs;
        private boolean sampled;
        private FreeSample published;

        LiveGather(final RunCounters counters, final PageAllocator allocator,
                   final java.util.function.LongSupplier clock) {
            this.counters = counters;
            this.allocator = allocator;
            this.clock = clock;
        }

        void timed(final Worker[] workers) {
            if (!counters.enabled()) {
                return;
            }
            long ops = 0;
            long allocs = 0;
            long frees = 0;
            long failures = 0;
            Phase phase = Phase.DONE;
            final FreeSample free = workers[0].freeSample;
            if (free != null && free != published) {
                counters.freeBlocks(free.freePages(), free.freeBlocksByOrder());
                published = free;
            }
            for (final Worker w : workers) {
                final Phase p = Phase.of(w.live.getAcquire(Worker.LIVE_PHASE));
                // the harness's replays are not the workload's ops: count up to where it began
                ops += p == Phase.HARNESS ? w.live.getOpaque(Worker.LIVE_OPS_BEFORE_HARNESS) : w.published();
                allocs += w.live.getOpaque(Worker.LIVE_ALLOCS);
                frees += w.live.getOpaque(Worker.LIVE_FREES);
                failures += w.live.getOpaque(Worker.LIVE_FAILURES);
                phase = p.compareTo(phase) < 0 ? p : phase;
            }
            counters.phase(phase);
            counters.timed(ops, allocs, frees, failures);
        }

        void counting(final long done, final LineTally tally) {
            if (!counters.enabled()) {
                return;
            }
            counters.counting(done, tally.ops[Op.ALLOC], tally.totalLines(Op.ALLOC), tally.ops[Op.FREE],
                    tally.totalLines(Op.FREE));
            sampleIfDue();
        }

        void sampleIfDue() {
            if (!sampled || clock.getAsLong() - lastSampleNs >= FREE_BLOCKS_SAMPLE_NS) {
                sample();
            }
        }

        void sample() {
            if (counters.enabled()) {
                counters.freeBlocks(allocator.freePages(), allocator.freeBlocksByOrder());
                lastSampleNs = clock.getAsLong();
                sampled = true;
            }
        }
    }

    /** A worker's sample of its allocator's free pages and free blocks per order. */
    private record FreeSample(long freePages, long[] freeBlocksByOrder) {
    }

    /**
     * Every worker counts down once it is ready (or failed); all go on together. The last to
     * arrive runs {@code lastArrival} first (the start gate: enter the quiet window, wait for the
     * JIT; the measured gate: read the JIT again).
     */
    private static final class StartGate {
        private final java.util.concurrent.atomic.AtomicInteger missing;
        private final java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);
        private final Runnable lastArrival;
        private volatile boolean failed;

        StartGate(final int parties, final Runnable lastArrival) {
            this.missing = new java.util.concurrent.atomic.AtomicInteger(parties);
            this.lastArrival = lastArrival;
        }

        /**
         * The last party to arrive runs the gate's last-arrival step, then opens the gate for all.
         *
         * @return false when some worker failed and nobody should go on
         */
        boolean arriveAndAwait() throws InterruptedException {
            if (missing.decrementAndGet() == 0) {
                try {
                    lastArrival.run();
                } catch (final RuntimeException e) {
                    failed = true;      // nobody times on a host that was not handed over
                    throw e;
                } finally {
                    open.countDown();
                }
            }
            open.await();
            return !failed;
        }

        void fail() {
            failed = true;
            open.countDown();
        }
    }

    /** How long the warm-up stood still for the JIT: the longest vcpu's. */
    private static long longestWarmUpWait(final Worker[] workers) {
        long warmUp = 0;
        for (final Worker w : workers) {
            warmUp = Math.max(warmUp, w.pacer.waitedNs());
        }
        return warmUp;
    }

    /** One vcpu of the timed pass, and afterwards of the harness measurement. */
    private static final class Worker implements Runnable {
        private static final java.lang.invoke.VarHandle PUBLISHED;

        static {
            try {
                PUBLISHED = java.lang.invoke.MethodHandles.lookup().findVarHandle(Worker.class, "published", long.class);
            } catch (final ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final PageAllocator allocator;
        private final Workload workload;
        private final int vcpu;
        private final StartGate start;
        private final StartGate measured;
        private final java.util.function.LongSupplier clock;
        private final int chunkOps;
        private final long pages;
        final Histogram[] histograms = new Histogram[Op.KINDS];
        final OpTape.Outcomes outcomes = new OpTape.Outcomes();
        static final int LIVE_PHASE = 0;
        static final int LIVE_ALLOCS = 1;
        static final int LIVE_FREES = 2;
        static final int LIVE_FAILURES = 3;
        static final int LIVE_OPS_BEFORE_HARNESS = 4;
        /**
         * For the live counters, stored with opaque stores at chunk boundaries only: the worker's
         * {@link Phase} (ordinal, stored with release so that what it implies is visible first),
         * measured allocs and frees done, failed measured allocs, ops done when the harness began.
         */
        final AtomicLongArray live = new AtomicLongArray(5);
        private final LatencyIntervals intervals;
        /** Holds the warm-up back while the JIT is behind it. */
        final JitSettle.Pacer pacer;
        /** Whether this worker samples its allocator's free blocks (the only worker, with live counters on). */
        private final boolean samplesFree;
        private long lastFreeSampleNs;
        /** The latest free-blocks sample, for the driver thread. */
        volatile FreeSample freeSample;
        private long liveAllocs;
        private long liveFrees;
        /** Ops done so far (setup included), published with opaque stores for the progress meter. */
        @SuppressWarnings("unused")
        private long published;
        private long done;
        long measuredOps;
        /** Time of the measured loops, summed over the tapes (one tape unless the stream is long). */
        long timedNs;
        /** Whether the measured ops were replayed from tapes (else produced one by one in the loop). */
        boolean ahead;
        long harnessOps;
        long harnessNs;
        volatile Throwable failure;

        Worker(final PageAllocator allocator, final Workload workload, final int vcpu, final StartGate start,
               final StartGate measured, final Settings settings, final long pages, final boolean soleWorker) {
            this.allocator = allocator;
            this.workload = workload;
            this.vcpu = vcpu;
            this.start = start;
            this.measured = measured;
            this.clock = settings.clock();
            this.chunkOps = OpTape.chunkOpsFor(settings.chunkOps(), workload);
            this.pages = pages;
            this.intervals = settings.telemetry().latency();
            this.pacer = JitSettle.Pacer.of(settings.jit());
            this.samplesFree = settings.telemetry().counters().enabled() && soleWorker;
            for (int k = 0; k < Op.KINDS; k++) {
                histograms[k] = newHistogram();
            }
        }

        long published() {
            return (long) PUBLISHED.getOpaque(this);
        }

        double harnessNsPerOp() {
            return ahead && harnessOps > 0 ? (double) harnessNs / harnessOps : Double.NaN;
        }

        @Override
        public void run() {
            final Op op = new Op();
            boolean more;
            OpTape.Recorder recorder = null;
            OpTape tape = null;
            boolean recorded = false;
            try {
                live.setOpaque(LIVE_PHASE, Phase.FILL.ordinal());
                // Ops one by one (the fill; everything for a stream that cannot generate ahead) go
                // through the same step() as a one-by-one measured loop would.
                more = workload.next(op);
                while (more && !op.measured && !workload.generatesAhead()) {
                    step(op);
                    if ((++done & (PUBLISH_EVERY - 1)) == 0) {
                        PUBLISHED.setOpaque(this, done);
                        sampleFree();
                    }
                    if ((done & (WARM_UP_TAPE_OPS - 1)) == 0) {
                        pacer.pace();       // as between warm-up tapes: the JIT catches up
                    }
                    more = workload.next(op);
                }
                if (more && workload.generatesAhead()) {
                    ahead = true;
                    live.setOpaque(LIVE_PHASE, Phase.WARM_UP.ordinal());
                    recorder = new OpTape.Recorder(workload, op, true);
                    tape = new OpTape(chunkOps);
                    // The warm-up replays through the loop that is timed next, sampling and all,
                    // in short tapes, so that it can stand still between them while the JIT
                    // catches up (the same ops either way).
                    final OpTape warm = new OpTape(Math.min(chunkOps, WARM_UP_TAPE_OPS));
                    final Histogram[] scratch = {newHistogram(), newHistogram()};
                    while (recorder.hasMore() && !recorder.nextMeasured()) {
                        recorder.record(warm);
                        replay(warm, allocator, recorder.handles(), outcomes, scratch);
                        sampleFree();
                        pacer.pace();
                    }
                    recorded = recorder.record(tape);      // the first measured tape, before the clock starts
                }
            } catch (final Throwable t) {
                failure = t;
                start.fail();
                measured.fail();
                return;
            }
            try {
                if (!start.arriveAndAwait()) {
                    measured.fail();
                    return;
                }
                live.setOpaque(LIVE_PHASE, Phase.MEASURED.ordinal());
                if (ahead) {
                    measureTapes(recorder, tape, recorded);
                } else {
                    measureOneByOne(op, more);
                }
                PUBLISHED.setOpaque(this, done);
                live.setOpaque(LIVE_FAILURES, ahead ? outcomes.failedMeasuredAllocs : workload.stats().allocFailures());
            } catch (final Throwable t) {
                failure = t;
                measured.fail();
                return;
            }
            try {
                if (!measured.arriveAndAwait()) {
                    return;
                }
                workload.finish();
                if (ahead && recorded && tape.measured()) {
                    live.setOpaque(LIVE_OPS_BEFORE_HARNESS, done);
                    live.setRelease(LIVE_PHASE, Phase.HARNESS.ordinal());
                    measureHarness(tape, recorder.handles().length);
                }
            } catch (final Throwable t) {
                failure = t;
            }
        }

        /**
         * Replays the measured tapes, timing each as a whole; records the next tape (untimed)
         * between them. Setup ops after the measured ones, if a stream has any, replay untimed.
         */
        private void measureTapes(final OpTape.Recorder recorder, final OpTape tape, final boolean recorded) {
            final Histogram[] scratch = {newHistogram(), newHistogram()};
            long ops = 0;
            long ns = 0;
            boolean more = recorded;
            final LatencyIntervals.Cutter cutter = intervals == null ? null : intervals.cutter(histograms);
            if (cutter != null) {
                cutter.start(clock.getAsLong());
            }
            while (more) {
                outcomes.measured = tape.measured();
                if (tape.measured()) {
                    final long t0 = clock.getAsLong();
                    replay(tape, allocator, recorder.handles(), outcomes, histograms);
                    final long t1 = clock.getAsLong();
                    ns += t1 - t0;
                    ops += tape.ops();
                    publishTape(tape);
                    sampleFree();
                    if (cutter != null) {
                        cutter.maybeCut(t1);
                    }
                } else {
                    replay(tape, allocator, recorder.handles(), outcomes, scratch);
                }
                more = recorder.record(tape);
            }
            if (cutter != null) {
                cutter.finish(clock.getAsLong());
            }
            measuredOps = ops;
            timedNs = ns;
        }

        /** About once a second, outside any timing: the allocator's free pages and blocks, if this worker samples them. */
        private void sampleFree() {
            if (samplesFree) {
                final long now = clock.getAsLong();
                if (freeSample == null || now - lastFreeSampleNs >= FREE_BLOCKS_SAMPLE_NS) {
                    freeSample = new FreeSample(allocator.freePages(), allocator.freeBlocksByOrder());
                    lastFreeSampleNs = now;
                }
            }
        }

        /** After a measured tape, outside its timing: its allocs, frees and failures for the live counters. */
        private void publishTape(final OpTape tape) {
            liveAllocs += tape.allocs();
            liveFrees += tape.ops() - tape.allocs();
            live.setOpaque(LIVE_ALLOCS, liveAllocs);
            live.setOpaque(LIVE_FREES, liveFrees);
            live.setOpaque(LIVE_FAILURES, outcomes.failedMeasuredAllocs);
        }

        /** The measured ops of a stream that produces them one by one: the workload's code runs inside the loop. */
        private void measureOneByOne(final Op op, final boolean first) {
            final Histogram allocs = histograms[Op.ALLOC];
            final Histogram frees = histograms[Op.FREE];
            final java.util.function.LongSupplier c = clock;
            boolean more = first;
            long i = 0;
            final LatencyIntervals.Cutter cutter = intervals == null ? null : intervals.cutter(histograms);
            final long t0 = c.getAsLong();
            if (cutter != null) {
                cutter.start(t0);
            }
            while (more) {
                if ((i & SAMPLE_MASK) != SAMPLE_MASK) {
                    step(op);
                } else {
                    final long s0 = c.getAsLong();
                    step(op);
                    final long s1 = c.getAsLong();
                    (op.kind == Op.ALLOC ? allocs : frees).recordValue(Math.min(s1 - s0, MAX_LATENCY_NS));
                }
                i++;
                if ((++done & (PUBLISH_EVERY - 1)) == 0) {
                    publishOneByOne(cutter);
                }
                more = workload.next(op);
            }
            final long t1 = c.getAsLong();
            timedNs = t1 - t0;
            measuredOps = i;
            if (cutter != null) {
                cutter.finish(t1);
            }
            publishOneByOne(null);
        }

        /**
         * The harness alone: the last measured tape replayed on a {@link HarnessAllocator} with a
         * scratch handle table, enough times untimed for the JIT to recompile the loop for it,
         * then {@link #HARNESS_TIMED_REPLAYS} times timed, the fastest counting. Its latency
         * samples are thrown away.
         */
        private void measureHarness(final OpTape tape, final int handles) {
            final PageAllocator none = new HarnessAllocator(pages);
            final long[] scratchHandles = new long[handles];
            final OpTape.Outcomes scratchOutcomes = new OpTape.Outcomes();
            final Histogram[] scratch = {newHistogram(), newHistogram()};
            for (long warm = 0; warm < HARNESS_WARMUP_OPS; warm += tape.ops()) {
                replay(tape, none, scratchHandles, scratchOutcomes, scratch);
            }
            long fastest = Long.MAX_VALUE;
            for (int r = 0; r < HARNESS_TIMED_REPLAYS; r++) {
                final long t0 = clock.getAsLong();
                replay(tape, none, scratchHandles, scratchOutcomes, scratch);
                fastest = Math.min(fastest, clock.getAsLong() - t0);
            }
            harnessNs = fastest;
            harnessOps = tape.ops();
        }

        /** Replays {@code tape} in batches (a compiled method per batch, a progress store after each). */
        private void replay(final OpTape tape, final PageAllocator a, final long[] handles,
                            final OpTape.Outcomes o, final Histogram[] latency) {
            final long[] words = tape.words();
            final int n = tape.ops();
            for (int from = 0; from < n; from += REPLAY_BATCH) {
                final int to = Math.min(n, from + REPLAY_BATCH);
                replayBatch(words, from, to, a, vcpu, handles, o, latency[Op.ALLOC], latency[Op.FREE], clock);
            }
            done += n;
            PUBLISHED.setOpaque(this, done);
        }

        /** The timed loop: ops {@code [from, to)}, every {@link #LATENCY_SAMPLE_EVERY}-th of them timed alone. */
        private static void replayBatch(final long[] tape, final int from, final int to, final PageAllocator a,
                                        final int vcpu, final long[] handles, final OpTape.Outcomes o,
                                        final Histogram allocs, final Histogram frees,
                                        final java.util.function.LongSupplier clock) {
            for (int i = from; i < to; i++) {
                if ((i & SAMPLE_MASK) != SAMPLE_MASK) {
                    OpTape.perform(tape, i, a, vcpu, handles, o);
                } else {
                    final long t0 = clock.getAsLong();
                    OpTape.perform(tape, i, a, vcpu, handles, o);
                    final long t1 = clock.getAsLong();
                    (OpTape.isAlloc(tape[2 * i]) ? allocs : frees).recordValue(Math.min(t1 - t0, MAX_LATENCY_NS));
                }
            }
        }

        /**
         * Every {@link #PUBLISH_EVERY} ops of a one-by-one measured loop (inside its timing, as
         * the workload's own code is): the progress count, the stream's statistics for the live
         * counters, and a latency interval cut when one is due.
         */
        private void publishOneByOne(final LatencyIntervals.Cutter cutter) {
            PUBLISHED.setOpaque(this, done);
            final WorkloadStats s = workload.stats();
            live.setOpaque(LIVE_ALLOCS, s.measuredAllocs());
            live.setOpaque(LIVE_FREES, s.measuredFrees());
            live.setOpaque(LIVE_FAILURES, s.allocFailures());
            if (cutter != null) {
                cutter.maybeCut(clock.getAsLong());
            }
        }

        /** Performs one op produced one by one; reports an alloc's outcome to the workload. */
        private void step(final Op op) {
            if (op.kind == Op.ALLOC) {
                workload.allocated(allocator.alloc(op.order, op.allocatee, vcpu));
            } else {
                allocator.free(op.pfn, op.order, vcpu);
            }
        }
    }

    private static Histogram newHistogram() {
        return new Histogram(1, MAX_LATENCY_NS, SIGNIFICANT_DIGITS);
    }

    private static Histogram merged(final Worker[] workers, final int kind) {
        final Histogram h = newHistogram();
        for (final Worker w : workers) {
            h.add(w.histograms[kind]);
        }
        return h;
    }

    private static BytesPerPage bytesPerPage(final Machine machine) {
        final Footprint footprint = machine.footprint();
        final Map<Region, Double> byRegion = new EnumMap<>(Region.class);
        for (final Region r : Region.values()) {
            if (r != Region.PAGE_DATA) {
                byRegion.put(r, (double) footprint.bytes(r) / machine.pages());
            }
        }
        final long metadata = footprint.metadataBytes();
        return new BytesPerPage((double) metadata / machine.pages(), byRegion,
                100.0 * metadata / machine.ramBytes(), metadata, HugePageReport.of(machine));
    }

    /** Median cost of back-to-back {@code nanoTime()} calls: what every latency sample includes. */
    static long timerOverheadNs() {
        final int n = 10_001;
        final long[] samples = new long[n];
        for (int i = 0; i < n; i++) {
            final long t0 = System.nanoTime();
            samples[i] = System.nanoTime() - t0;
        }
        java.util.Arrays.sort(samples);
        return samples[n / 2];
    }

    // ---- counting pass ----

    private record CountingPass(LineTally tally, WorkloadStats stats) {

        CachelineSummary summary(final int kind) {
            return tally.summary(kind);
        }
    }

    /** Distinct lines of every counted op, per kind, region and order. */
    private static final class LineTally {
        private final long[][] lines = new long[Op.KINDS][Region.count()];
        private final long[] ops = new long[Op.KINDS];
        private final long[][] perOpHistogram = new long[Op.KINDS][LINE_BUCKETS];
        private final long[] max = new long[Op.KINDS];
        private final long[][] linesByOrder = new long[Op.KINDS][ORDERS];
        private final long[][] opsByOrder = new long[Op.KINDS][ORDERS];

        /** Adds the op {@code access} has just ended. */
        void add(final int k, final int order, final CountingAccess access) {
            for (int r = 0; r < Region.count(); r++) {    // no values() clone per op
                lines[k][r] += access.lastOpLines(Region.of(r));
            }
            final int total = access.lastOpLinesTotal();
            perOpHistogram[k][Math.min(total, LINE_BUCKETS - 1)]++;
            max[k] = Math.max(max[k], total);
            ops[k]++;
            linesByOrder[k][order] += total;
            opsByOrder[k][order]++;
        }

        /** Distinct lines of all counted ops of {@code kind}, summed over regions. */
        long totalLines(final int kind) {
            long sum = 0;
            for (final long n : lines[kind]) {
                sum += n;
            }
            return sum;
        }

        CachelineSummary summary(final int kind) {
            if (ops[kind] == 0) {
                return CachelineSummary.empty();
            }
            final Map<Region, Double> byRegion = new EnumMap<>(Region.class);
            long total = 0;
            for (final Region r : Region.values()) {
                byRegion.put(r, (double) lines[kind][r.ordinal()] / ops[kind]);
                total += lines[kind][r.ordinal()];
            }
            final long rank = (long) Math.ceil(0.99 * ops[kind]);
            long seen = 0;
            long p99 = 0;
            for (int b = 0; b < LINE_BUCKETS; b++) {
                seen += perOpHistogram[kind][b];
                if (seen >= rank) {
                    p99 = b;
                    break;
                }
            }
            final Map<Integer, Double> byOrder = new java.util.TreeMap<>();
            for (int order = 0; order < ORDERS; order++) {
                if (opsByOrder[kind][order] > 0) {
                    byOrder.put(order, (double) linesByOrder[kind][order] / opsByOrder[kind][order]);
                }
            }
            return new CachelineSummary(ops[kind], (double) total / ops[kind], byRegion, p99, max[kind], byOrder);
        }
    }

    /**
     * One stream of the counting pass: its ops one by one until it generates ahead, then from
     * tapes recorded exactly as the timed pass recorded them, so both passes issue the same ops.
     */
    private static final class CountingStream {
        private final Workload workload;
        private final int vcpu;
        private final int chunkOps;
        private final Op op = new Op();
        final OpTape.Outcomes outcomes = new OpTape.Outcomes();
        private OpTape.Recorder recorder;
        private OpTape tape;
        private int position;

        CountingStream(final Workload workload, final int vcpu, final int chunkOps) {
            this.workload = workload;
            this.vcpu = vcpu;
            this.chunkOps = OpTape.chunkOpsFor(chunkOps, workload);
        }

        /** Performs the stream's next op, counting it when it is measured; false when the stream is finished. */
        boolean step(final PageAllocator allocator, final CountingAccess access, final LineTally tally) {
            if (recorder == null) {
                if (!workload.next(op)) {
                    return false;
                }
                if (!workload.generatesAhead()) {
                    stepOneByOne(allocator, access, tally);
                    return true;
                }
                recorder = new OpTape.Recorder(workload, op, true);
                tape = new OpTape(chunkOps);
            }
            if (position == tape.ops()) {
                if (!recorder.record(tape)) {
                    return false;
                }
                position = 0;
                outcomes.measured = tape.measured();
            }
            final long[] words = tape.words();
            final long head = words[2 * position];
            if (tape.measured()) {
                access.beginOp();
                OpTape.perform(words, position, allocator, vcpu, recorder.handles(), outcomes);
                access.endOp();
                tally.add(OpTape.kind(head), OpTape.order(head), access);
            } else {
                OpTape.perform(words, position, allocator, vcpu, recorder.handles(), outcomes);
            }
            position++;
            return true;
        }

        private void stepOneByOne(final PageAllocator allocator, final CountingAccess access, final LineTally tally) {
            if (op.measured) {
                access.beginOp();
            }
            if (op.kind == Op.ALLOC) {
                final long pfn = allocator.alloc(op.order, op.allocatee, vcpu);
                if (op.measured) {
                    access.endOp();
                }
                workload.allocated(pfn);
            } else {
                allocator.free(op.pfn, op.order, vcpu);
                if (op.measured) {
                    access.endOp();
                }
            }
            if (op.measured) {
                tally.add(op.kind, op.order, access);
            }
        }
    }

    private static CountingPass countingPass(final RunSpec spec, final StreamFactory factory,
                                             final AllocatorBoot boot, final ProgressListener progress,
                                             final Settings settings) {
        final CountingAccess access = new CountingAccess();
        try (Machine machine = createMachine(spec)) {
            final PageAllocator allocator = factory.allocator(createAllocator(spec, machine, access));
            check(spec, allocator, machine);
            boot.boot(allocator);
            final Workload[] streams = streams(spec, factory, machine, allocator, access);
            final CountingStream[] cursors = new CountingStream[streams.length];
            for (int s = 0; s < streams.length; s++) {
                cursors[s] = new CountingStream(streams[s], s, settings.chunkOps());
            }
            final LineTally tally = new LineTally();
            final ProgressMeter meter = new ProgressMeter(progress, spec.label() + " cachelines", estimatedOps(streams),
                    settings.clock());
            final boolean[] finished = new boolean[streams.length];
            int running = streams.length;
            long done = 0;
            final LiveGather live = new LiveGather(settings.telemetry().counters(), allocator, settings.clock());
            settings.telemetry().counters().phase(Phase.COUNTING);
            while (running > 0) {
                for (int s = 0; s < streams.length; s++) {
                    if (finished[s]) {
                        continue;
                    }
                    if (!cursors[s].step(allocator, access, tally)) {
                        finished[s] = true;
                        running--;
                        streams[s].finish();
                        continue;
                    }
                    if ((++done & (CountingPace.OPS_PER_CHECKPOINT - 1)) == 0) {
                        settings.pace().checkpoint();
                        if ((done & (PUBLISH_EVERY - 1)) == 0) {
                            meter.update(done);
                            live.counting(done, tally);
                        }
                    }
                }
            }
            meter.finish();
            live.counting(done, tally);
            live.sample();
            final List<OpTape.Outcomes> outcomes = new ArrayList<>();
            for (final CountingStream c : cursors) {
                outcomes.add(c.outcomes);
            }
            final WorkloadStats stats = corrected(stats(streams), sum(outcomes));
            settings.pace().checkpoint();
            verify("cacheline pass", spec, allocator, stats);
            return new CountingPass(tally, stats);
        }
    }
}

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
import dev.memu.machine.Machine;
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

/**
 * Runs one {@link RunSpec} and measures it, in two passes over the same workload streams.
 *
 * <ol>
 *   <li><b>Timed pass</b>: a machine whose memmap is bound to {@link PlainAccess}; {@code threads}
 *       worker threads, worker {@code t} acting as vcpu {@code t} and running workload stream
 *       {@code t} (its own seed, its share of the fill and of the ops). Every worker does its
 *       setup (fill, warm-up), all wait for each other, then each times every measured call with
 *       {@code System.nanoTime()} into its own HdrHistogram per op kind; histograms are merged
 *       afterwards. Free blocks per order and bytes per page are read at the end, then the
 *       verifier walks the allocator.</li>
 *   <li><b>Counting pass</b>: a fresh machine bound to a {@link CountingAccess}, the same streams
 *       (same seeds) interleaved round-robin on the calling thread, each op issued as its
 *       stream's vcpu, so per-vcpu state and occupancy are those of the timed pass while one
 *       thread owns the counter. Each measured call is bracketed by {@code beginOp/endOp}; the
 *       distinct lines it touched are summed per region and per op kind. Then the verifier
 *       again. With one thread the op sequence is exactly the timed pass's.</li>
 * </ol>
 *
 * In each pass every stream gets the pass's {@link WorkloadContext} (machine, allocator, access
 * layer, memdesc heap on demand) before its first op, and {@link Workload#finish()} after its
 * last, outside the timing: that is where a workload with real descriptors finds its heap and
 * where a single-stream workload runs stop-the-world steps such as compaction. A stream factory
 * may put a wrapper in front of each pass's allocator ({@link StreamFactory#allocator}).
 *
 * The timed machine is closed before the counting one is built, so a huge emulated RAM is mapped
 * once at a time. A verifier finding, or allocated pages fewer than the workload holds, throws
 * {@link VerifyFailedException}.
 */
public final class Driver {

    /** Latencies above this are clamped (10 s): a histogram that cannot grow never allocates. */
    static final long MAX_LATENCY_NS = 10_000_000_000L;
    private static final int SIGNIFICANT_DIGITS = 3;
    /** Workers publish their op count every this many ops (a power of two). */
    private static final int PUBLISH_EVERY = 1 << 12;
    /** Lines-per-op histogram buckets for the counting pass's p99; more than this counts as this. */
    private static final int LINE_BUCKETS = 1 << 16;
    /** Orders a 64-bit pfn space can name. */
    private static final int ORDERS = 64;

    private Driver() {
    }

    public static RunResult run(final RunSpec spec) {
        return run(spec, ProgressListener.NONE);
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
     * Runs {@code spec}: timed pass, counting pass, verification.
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
        final TimedPass timed = timedPass(spec, factory, boot, progress);
        final CountingPass counting = countingPass(spec, factory, boot, progress);
        final Histogram alloc = merged(timed.workers, Op.ALLOC);
        final Histogram free = merged(timed.workers, Op.FREE);
        final List<ThreadResult> perThread = new ArrayList<>();
        long ops = 0;
        for (final Worker w : timed.workers) {
            perThread.add(new ThreadResult(w.vcpu, w.measuredOps, w.elapsedNs(),
                    w.measuredOps * 1e9 / Math.max(1, w.elapsedNs()),
                    LatencySummary.of(w.histograms[Op.ALLOC]), LatencySummary.of(w.histograms[Op.FREE])));
            ops += w.measuredOps;
        }
        return new RunResult(spec, timed.pages, timed.maxOrder, ops, timed.elapsedNs,
                ops * 1e9 / Math.max(1, timed.elapsedNs), LatencySummary.of(alloc), LatencySummary.of(free),
                perThread, counting.summary(Op.ALLOC), counting.summary(Op.FREE), timed.bytesPerPage,
                timed.freeBlocksByOrder, timed.stats, counting.stats, timed.verify, timerOverheadNs(), alloc, free);
    }

    // ---- set-up ----

    private static Machine createMachine(final RunSpec spec) {
        try {
            return Machine.create(spec.ramBytes(), spec.pageShift());
        } catch (final IllegalArgumentException e) {
            throw new RunConfigException(RunConfigException.Input.MEMORY, e.getMessage());
        } catch (final OutOfMemoryError e) {
            throw new RunConfigException(RunConfigException.Input.MEMORY,
                    "the host cannot map " + spec.ramBytes() + " bytes of emulated RAM: " + e.getMessage());
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

    // ---- timed pass ----

    private record TimedPass(Worker[] workers, long elapsedNs, long pages, int maxOrder, long[] freeBlocksByOrder,
                             BytesPerPage bytesPerPage, WorkloadStats stats, VerifyReport verify) {
    }

    private static TimedPass timedPass(final RunSpec spec, final StreamFactory factory, final AllocatorBoot boot,
                                       final ProgressListener progress) {
        try (Machine machine = createMachine(spec)) {
            final PageAllocator allocator = factory.allocator(createAllocator(spec, machine, PlainAccess.INSTANCE));
            check(spec, allocator, machine);
            boot.boot(allocator);
            final Workload[] streams = streams(spec, factory, machine, allocator, PlainAccess.INSTANCE);
            final Worker[] workers = new Worker[streams.length];
            final StartGate gate = new StartGate(streams.length);
            for (int t = 0; t < workers.length; t++) {
                workers[t] = new Worker(allocator, streams[t], t, gate);
            }
            final Thread[] threads = new Thread[workers.length];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = Thread.ofPlatform().name("memu-vcpu-" + t).unstarted(workers[t]);
                threads[t].start();
            }
            final ProgressMeter meter = new ProgressMeter(progress, spec.label() + " timed", estimatedOps(streams));
            for (final Thread thread : threads) {
                while (thread.isAlive()) {
                    joinQuietly(thread);
                    long done = 0;
                    for (final Worker w : workers) {
                        done += w.published();
                    }
                    meter.update(done);
                }
            }
            meter.finish();
            for (final Worker w : workers) {
                if (w.failure != null) {
                    throw propagate(spec.label() + " timed pass, vcpu " + w.vcpu, w.failure);
                }
            }
            long start = Long.MAX_VALUE;
            long end = Long.MIN_VALUE;
            for (final Worker w : workers) {
                start = Math.min(start, w.startNs);
                end = Math.max(end, w.endNs);
            }
            final WorkloadStats stats = stats(streams);
            final VerifyReport report = verify("timed pass", spec, allocator, stats);
            return new TimedPass(workers, end - start, machine.pages(), allocator.maxOrder(),
                    allocator.freeBlocksByOrder(), bytesPerPage(machine), stats, report);
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

    /** Every worker counts down once its setup is done (or failed); all start measuring together. */
    private static final class StartGate {
        private final java.util.concurrent.CountDownLatch ready;
        private volatile boolean failed;

        StartGate(final int parties) {
            this.ready = new java.util.concurrent.CountDownLatch(parties);
        }

        /** @return false when some worker failed and nobody should measure */
        boolean arriveAndAwait() throws InterruptedException {
            ready.countDown();
            ready.await();
            return !failed;
        }

        void fail() {
            failed = true;
            ready.countDown();
        }
    }

    /** One vcpu of the timed pass. */
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
        private final StartGate gate;
        final Histogram[] histograms = new Histogram[Op.KINDS];
        /** Ops done so far (setup included), published with opaque stores for the progress meter. */
        @SuppressWarnings("unused")
        private long published;
        long measuredOps;
        long startNs;
        long endNs;
        volatile Throwable failure;

        Worker(final PageAllocator allocator, final Workload workload, final int vcpu, final StartGate gate) {
            this.allocator = allocator;
            this.workload = workload;
            this.vcpu = vcpu;
            this.gate = gate;
            for (int k = 0; k < Op.KINDS; k++) {
                histograms[k] = new Histogram(1, MAX_LATENCY_NS, SIGNIFICANT_DIGITS);
            }
        }

        long published() {
            return (long) PUBLISHED.getOpaque(this);
        }

        long elapsedNs() {
            return endNs - startNs;
        }

        @Override
        public void run() {
            final Op op = new Op();
            boolean more;
            long done = 0;
            try {
                // Setup (fill, warm-up) goes through the same step() as the measured ops, so the
                // JIT has compiled exactly the measured path before the clock starts.
                more = workload.next(op);
                while (more && !op.measured) {
                    step(op);
                    if ((++done & (PUBLISH_EVERY - 1)) == 0) {
                        PUBLISHED.setOpaque(this, done);
                    }
                    more = workload.next(op);
                }
            } catch (final Throwable t) {
                failure = t;
                gate.fail();
                return;
            }
            try {
                if (!gate.arriveAndAwait()) {
                    return;
                }
                final Histogram allocs = histograms[Op.ALLOC];
                final Histogram frees = histograms[Op.FREE];
                long measured = 0;
                startNs = System.nanoTime();
                while (more) {
                    final long ns = Math.min(step(op), MAX_LATENCY_NS);
                    (op.kind == Op.ALLOC ? allocs : frees).recordValue(ns);
                    measured++;
                    if ((++done & (PUBLISH_EVERY - 1)) == 0) {
                        PUBLISHED.setOpaque(this, done);
                    }
                    more = workload.next(op);
                }
                endNs = System.nanoTime();
                measuredOps = measured;
                PUBLISHED.setOpaque(this, done);
                workload.finish();
            } catch (final Throwable t) {
                failure = t;
            }
        }

        /** Performs one op, timing only the allocator call; reports an alloc's outcome to the workload. */
        private long step(final Op op) {
            if (op.kind == Op.ALLOC) {
                final long t0 = System.nanoTime();
                final long pfn = allocator.alloc(op.order, op.allocatee, vcpu);
                final long t1 = System.nanoTime();
                workload.allocated(pfn);
                return t1 - t0;
            }
            final long t0 = System.nanoTime();
            allocator.free(op.pfn, op.order, vcpu);
            return System.nanoTime() - t0;
        }
    }

    private static Histogram merged(final Worker[] workers, final int kind) {
        final Histogram h = new Histogram(1, MAX_LATENCY_NS, SIGNIFICANT_DIGITS);
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
                100.0 * metadata / machine.ramBytes(), metadata);
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

    private record CountingPass(long[][] lines, long[] ops, long[][] perOpHistogram, long[] max,
                                long[][] linesByOrder, long[][] opsByOrder, WorkloadStats stats) {

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

    private static CountingPass countingPass(final RunSpec spec, final StreamFactory factory,
                                             final AllocatorBoot boot, final ProgressListener progress) {
        final CountingAccess access = new CountingAccess();
        try (Machine machine = createMachine(spec)) {
            final PageAllocator allocator = factory.allocator(createAllocator(spec, machine, access));
            check(spec, allocator, machine);
            boot.boot(allocator);
            final Workload[] streams = streams(spec, factory, machine, allocator, access);
            final long[][] lines = new long[Op.KINDS][Region.count()];
            final long[] ops = new long[Op.KINDS];
            final long[][] histogram = new long[Op.KINDS][LINE_BUCKETS];
            final long[] max = new long[Op.KINDS];
            final long[][] linesByOrder = new long[Op.KINDS][ORDERS];
            final long[][] opsByOrder = new long[Op.KINDS][ORDERS];
            final ProgressMeter meter = new ProgressMeter(progress, spec.label() + " cachelines", estimatedOps(streams));
            final Op op = new Op();
            final boolean[] finished = new boolean[streams.length];
            int running = streams.length;
            long done = 0;
            while (running > 0) {
                for (int s = 0; s < streams.length; s++) {
                    if (finished[s]) {
                        continue;
                    }
                    final Workload w = streams[s];
                    if (!w.next(op)) {
                        finished[s] = true;
                        running--;
                        w.finish();
                        continue;
                    }
                    if (op.measured) {
                        access.beginOp();
                    }
                    if (op.kind == Op.ALLOC) {
                        final long pfn = allocator.alloc(op.order, op.allocatee, s);
                        if (op.measured) {
                            access.endOp();
                        }
                        w.allocated(pfn);
                    } else {
                        allocator.free(op.pfn, op.order, s);
                        if (op.measured) {
                            access.endOp();
                        }
                    }
                    if (op.measured) {
                        final int k = op.kind;
                        for (int r = 0; r < Region.count(); r++) {    // no values() clone per op
                            lines[k][r] += access.lastOpLines(Region.of(r));
                        }
                        final int total = access.lastOpLinesTotal();
                        histogram[k][Math.min(total, LINE_BUCKETS - 1)]++;
                        max[k] = Math.max(max[k], total);
                        ops[k]++;
                        linesByOrder[k][op.order] += total;
                        opsByOrder[k][op.order]++;
                    }
                    if ((++done & (PUBLISH_EVERY - 1)) == 0) {
                        meter.update(done);
                    }
                }
            }
            meter.finish();
            final WorkloadStats stats = stats(streams);
            verify("cacheline pass", spec, allocator, stats);
            return new CountingPass(lines, ops, histogram, max, linesByOrder, opsByOrder, stats);
        }
    }
}

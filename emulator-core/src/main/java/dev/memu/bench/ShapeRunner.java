package dev.memu.bench;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.PageAllocator;
import dev.memu.driver.JitActivity;
import dev.memu.driver.JitSettle;
import dev.memu.driver.JitWatch;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.HugePageReport;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

import java.util.SplittableRandom;
import java.util.concurrent.Phaser;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one {@link LlfreeShape} on T worker threads, round after round, and times each phase.
 *
 * <p>How it measures, so the numbers can be trusted and compared with LLFree's:
 * <ul>
 *   <li>Worker thread t is vcpu t for its whole life. The workers are started once and wait on a
 *       gate between rounds, so thread start-up never falls inside a timed phase.</li>
 *   <li>Each phase is timed by its own thread with {@link System#nanoTime()} (or the clock a
 *       caller passes, as tests do) around the whole loop, never per operation; ns per op is the phase time over the thread's share. Barriers
 *       ({@link Phaser}) separate the phases, as LLFree's {@code Barrier::wait} does.</li>
 *   <li>The timed loops allocate nothing on the heap: blocks live in one {@code long[]}
 *       preallocated before any round, thread t owning the slice {@code [t*share, (t+1)*share)}.
 *       A failed allocation (memory exhausted) throws and fails the run; it is never counted.</li>
 *   <li>Every access goes through {@link PlainAccess}, the uncounted path.</li>
 * </ul>
 *
 * <p>Rounds reuse one allocator: bulk and rand give back everything they took, so each round
 * starts from the state the previous one left, as LLFree's repeated rounds of order 9 do within
 * one allocator. Repeat's untimed fill is done once, by {@link #prepare()}, and given back by
 * {@link #release()}. Lifecycle: {@link #open} (or the constructor), {@link #run()} or
 * {@link #prepare()} + {@link #round()}..., then {@link #close()}. Rounds are driven by one
 * coordinating thread; the runner is not for concurrent use.
 */
public final class ShapeRunner implements AutoCloseable {

    /** The allocatee every block of a shape is given: an anonymous folio without a descriptor. */
    public static final long ALLOCATEE = Allocatee.of(MemdescType.ANON_FOLIO, 0);

    private enum Command { FILL, ROUND, RELEASE, STOP }

    /** Unwinds a worker when another one failed and terminated the barriers. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped", null, false, false);
        }
    }

    private static final Stopped STOPPED = new Stopped();

    /** The shape's order is above what the allocator hands out (buddy stops at 10): skip, not fail. */
    public static final class UnsupportedOrderException extends IllegalArgumentException {
        UnsupportedOrderException(final PageAllocator allocator, final int order) {
            super("order " + order + " is above allocator " + allocator.name() + "'s max order "
                    + allocator.maxOrder() + (allocator.name().startsWith("buddy")
                    ? " (Linux's MAX_PAGE_ORDER; orders above it are for POTAD)" : ""));
        }
    }

    private final ShapeConfig config;
    private final LlfreeShape shape;
    private final PageAllocator allocator;
    private final Machine ownedMachine;
    private final int threads;
    private final int order;
    private final int share;
    /** Thread t's blocks are {@code blocks[t*share .. (t+1)*share)}; rand's shuffle mixes them all. */
    private final long[] blocks;
    private final long[] getNanos;
    private final long[] putNanos;
    private final long[] pairNanos;
    private final SplittableRandom shuffleRandom;
    /** Coordinator + workers: two trips per command, one to start it and one to finish it. */
    private final Phaser gate;
    /** Workers only: the barriers between phases inside a round. */
    private final Phaser phase;
    private final Thread[] workers;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Nanoseconds, read by each worker around its phases. */
    private final java.util.function.LongSupplier clock;
    /** The JIT's compiler threads, watched between rounds (never in one); UNKNOWN with an injected clock. */
    private final JitActivity jit;
    private volatile Command command;
    private boolean filled;
    private boolean closed;

    /**
     * Runs {@code config} against {@code allocator}, which must manage exactly the config's frames
     * and accept vcpus {@code 0..threads-1}. The caller keeps ownership of the allocator's machine.
     *
     * @throws UnsupportedOrderException when the order is above the allocator's maximum
     * @throws IllegalArgumentException  when the allocator's size does not match the config
     */
    public ShapeRunner(final ShapeConfig config, final PageAllocator allocator) {
        this(config, allocator, null, System::nanoTime, JitActivity.compilerThreads());
    }

    /** {@link #ShapeRunner(ShapeConfig, PageAllocator)} timing its phases with {@code clock} (ns, never decreasing). */
    public ShapeRunner(final ShapeConfig config, final PageAllocator allocator,
                       final java.util.function.LongSupplier clock) {
        this(config, allocator, null, clock, JitActivity.UNKNOWN);
    }

    /** {@link #ShapeRunner(ShapeConfig, PageAllocator, java.util.function.LongSupplier)} watching {@code jit} (a test's fake). */
    ShapeRunner(final ShapeConfig config, final PageAllocator allocator, final java.util.function.LongSupplier clock,
                final JitActivity jit) {
        this(config, allocator, null, clock, jit);
    }

    /**
     * The public constructors and {@link #open} watch the JIT on the system clock only: with a
     * test's clock the waits would mean nothing (a test gives its own fake {@code jit} instead).
     */
    private ShapeRunner(final ShapeConfig config, final PageAllocator allocator, final Machine ownedMachine,
                        final java.util.function.LongSupplier clock, final JitActivity jit) {
        if (config.order() > allocator.maxOrder()) {
            throw new UnsupportedOrderException(allocator, config.order());
        }
        if (allocator.managedPages() != config.frames()) {
            throw new IllegalArgumentException("allocator manages " + allocator.managedPages()
                    + " pages but the config has " + config.frames() + " frames");
        }
        this.config = config;
        this.shape = config.shape();
        this.allocator = allocator;
        this.ownedMachine = ownedMachine;
        this.clock = clock;
        this.jit = jit;
        this.threads = config.threads();
        this.order = config.order();
        this.share = (int) config.allocsPerThread();
        this.blocks = new long[share * threads];
        this.getNanos = new long[threads];
        this.putNanos = new long[threads];
        this.pairNanos = new long[threads];
        this.shuffleRandom = new SplittableRandom(config.seed());
        this.gate = new Phaser(threads + 1);
        this.phase = new Phaser(threads);
        this.workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            final int thread = t;
            workers[t] = Thread.ofPlatform().daemon().name("memu-" + shape.key() + "-vcpu" + t)
                    .unstarted(() -> work(thread));
        }
        for (final Thread worker : workers) {
            worker.start();
        }
    }

    /**
     * Builds a fresh machine, memmap and allocator for {@code config} (4 KiB pages, plain access,
     * vcpus = threads, as LLFree initialises its allocator with the run's thread count) and a
     * runner that owns and closes them.
     */
    public static ShapeRunner open(final ShapeConfig config) {
        return open(config, System::nanoTime, JitActivity.compilerThreads());
    }

    /** {@link #open(ShapeConfig)} timing its phases with {@code clock}, the JIT not watched. */
    public static ShapeRunner open(final ShapeConfig config, final java.util.function.LongSupplier clock) {
        return open(config, clock, JitActivity.UNKNOWN);
    }

    private static ShapeRunner open(final ShapeConfig config, final java.util.function.LongSupplier clock,
                                    final JitActivity jit) {
        final Machine machine = Machine.create(config.ramBytes(), ShapeConfig.PAGE_SHIFT);
        try {
            final Memmap memmap = Layouts.byName(config.layout()).bind(machine, PlainAccess.INSTANCE);
            final PageAllocator allocator = Allocators.create(config.allocator(), memmap,
                    AllocatorOptions.defaults().withVcpus(config.threads()));
            return new ShapeRunner(config, allocator, machine, clock, jit);
        } catch (final RuntimeException | Error e) {
            machine.close();
            throw e;
        }
    }

    public ShapeConfig config() {
        return config;
    }

    public PageAllocator allocator() {
        return allocator;
    }

    /** Blocks per thread per round: LLFree's {@code allocs}. */
    public int share() {
        return share;
    }

    /** Repeat's untimed fill (each thread allocates its share as its own vcpu); a no-op otherwise and when done. */
    public void prepare() {
        if (shape == LlfreeShape.REPEAT && !filled) {
            execute(Command.FILL);
            filled = true;
        }
    }

    /**
     * Runs one round on every thread; afterwards {@link #getNanos}, {@link #putNanos} and
     * {@link #pairNanos} hold each thread's phase times for it.
     */
    public void round() {
        prepare();
        execute(Command.ROUND);
    }

    /** Gives back what the shape holds between rounds (repeat's fill), leaving the allocator as it was found. */
    public void release() {
        if (filled) {
            execute(Command.RELEASE);
            filled = false;
        }
    }

    /** Thread t's allocation phase of the last round (bulk, rand), in ns. */
    public long getNanos(final int thread) {
        return getNanos[thread];
    }

    /** Thread t's free phase of the last round (bulk, rand), in ns. */
    public long putNanos(final int thread) {
        return putNanos[thread];
    }

    /** Thread t's get+put pair loop of the last round (repeat), in ns. */
    public long pairNanos(final int thread) {
        return pairNanos[thread];
    }

    /**
     * The whole measurement: prepare, the config's warm-up rounds (discarded), its timed rounds
     * (summed per thread), release. As in compare's timed pass ({@code Driver}), the warm-up
     * stands still between two rounds while the JIT compiler is behind ({@link JitSettle.Pacer}),
     * and the first timed round starts once the compiler has been quiet for a while ({@link
     * JitSettle#await}); what it still compiled during the timed rounds is in the result's
     * {@link ShapeResult#jit()}. Without this, a row's code could still be compiling under the
     * clock, and its figure depended on how far the JIT got in a fixed number of warm-up rounds.
     */
    public ShapeResult run() {
        return run(RoundListener.NONE);
    }

    /** What one timed round measured, per thread: told after each timed round, outside any timing. */
    @FunctionalInterface
    public interface RoundListener {
        RoundListener NONE = (runner, round) -> { };

        /** The warm-up is over; the first timed round starts next. */
        default void timing(final ShapeRunner runner) {
        }

        /** Timed round {@code round} (0-based) is over; {@code runner}'s {@code getNanos(t)} etc. hold its phase times. */
        void timed(ShapeRunner runner, int round);
    }

    /** {@link #run()}, telling {@code listener} after each timed round (an HdrHistogram log of rounds, say). */
    public ShapeResult run(final RoundListener listener) {
        prepare();
        final int warmup = config.resolvedWarmupRounds();
        final int rounds = config.resolvedRounds();
        final JitSettle.Pacer pacer = JitSettle.Pacer.of(jit);
        for (int r = 0; r < warmup; r++) {
            round();
            pacer.pace();
        }
        final JitWatch watch = new JitWatch(jit, System::nanoTime);
        watch.settleAndStart();
        final long[] get = new long[threads];
        final long[] put = new long[threads];
        final long[] pair = new long[threads];
        listener.timing(this);
        for (int r = 0; r < rounds; r++) {
            round();
            for (int t = 0; t < threads; t++) {
                get[t] += getNanos[t];
                put[t] += putNanos[t];
                pair[t] += pairNanos[t];
            }
            listener.timed(this, r);
        }
        watch.stop();
        // Read once the clock has stopped: smaps is a few hundred lines of text.
        final HugePageReport hugePages = ownedMachine == null ? null : HugePageReport.of(ownedMachine);
        release();
        return ShapeResult.of(config, share, rounds, warmup, get, put, pair, watch.report(pacer.waitedNs()), hugePages);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (failure.get() == null) {
                command = Command.STOP;
                gate.arriveAndAwaitAdvance();
            }
            joinWorkers();
        } finally {
            if (ownedMachine != null) {
                ownedMachine.close();
            }
        }
    }

    // ---- coordinator ----

    private void execute(final Command next) {
        if (closed) {
            throw new IllegalStateException("shape runner is closed");
        }
        command = next;
        if (gate.arriveAndAwaitAdvance() < 0 || gate.arriveAndAwaitAdvance() < 0) {
            closed = true;
            joinWorkers();
            if (ownedMachine != null) {
                ownedMachine.close();
            }
            final Throwable cause = failure.get();
            throw new IllegalStateException(shape.key() + " on " + config.allocator() + "/" + config.layout()
                    + " order " + order + " failed in a worker: " + cause, cause);
        }
    }

    private void joinWorkers() {
        for (final Thread worker : workers) {
            try {
                worker.join();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- workers ----

    private void work(final int t) {
        try {
            while (true) {
                await(gate);
                final Command c = command;
                switch (c) {
                    case STOP -> {
                        return;
                    }
                    case FILL -> allocShare(t);
                    case ROUND -> runRound(t);
                    case RELEASE -> freeShareReversed(t);
                }
                await(gate);
            }
        } catch (final Stopped stopped) {
            // another worker failed and recorded why
        } catch (final Throwable e) {
            failure.compareAndSet(null, e);
            phase.forceTermination();
            gate.forceTermination();
        }
    }

    private static void await(final Phaser phaser) {
        if (phaser.arriveAndAwaitAdvance() < 0) {
            throw STOPPED;
        }
    }

    private void runRound(final int t) {
        switch (shape) {
            case BULK -> bulk(t);
            case REPEAT -> repeat(t);
            case RAND -> rand(t);
        }
    }

    /** LLFree bulk: time the share's gets, then (after a barrier) its puts in reverse. */
    private void bulk(final int t) {
        await(phase);
        final long t0 = clock.getAsLong();
        allocShare(t);
        final long t1 = clock.getAsLong();
        await(phase);
        final long t2 = clock.getAsLong();
        freeShareReversed(t);
        final long t3 = clock.getAsLong();
        getNanos[t] = t1 - t0;
        putNanos[t] = t3 - t2;
    }

    /** LLFree repeat: with memory half full (see {@link #prepare()}), time share-many get+put pairs. */
    private void repeat(final int t) {
        final PageAllocator a = allocator;
        final int o = order;
        final long allocatee = ALLOCATEE;
        final int n = share;
        await(phase);
        final long t0 = clock.getAsLong();
        for (int i = 0; i < n; i++) {
            final long pfn = a.alloc(o, allocatee, t);
            if (pfn == PageAllocator.NO_PAGE) {
                throw exhausted(t, i);
            }
            a.free(pfn, o, t);
        }
        final long t1 = clock.getAsLong();
        pairNanos[t] = t1 - t0;
    }

    /**
     * LLFree rand: time the share's gets; one thread shuffles all threads' blocks together; time
     * the puts of whatever landed in this thread's slice, mostly other threads' blocks.
     */
    private void rand(final int t) {
        await(phase);
        final long t0 = clock.getAsLong();
        allocShare(t);
        final long t1 = clock.getAsLong();
        await(phase);
        if (t == 0) {
            shuffle(blocks, shuffleRandom);
        }
        await(phase);
        final long t2 = clock.getAsLong();
        freeShare(t);
        final long t3 = clock.getAsLong();
        getNanos[t] = t1 - t0;
        putNanos[t] = t3 - t2;
    }

    private void allocShare(final int t) {
        final PageAllocator a = allocator;
        final long[] b = blocks;
        final int o = order;
        final long allocatee = ALLOCATEE;
        final int from = t * share;
        final int to = from + share;
        for (int i = from; i < to; i++) {
            final long pfn = a.alloc(o, allocatee, t);
            if (pfn == PageAllocator.NO_PAGE) {
                throw exhausted(t, i - from);
            }
            b[i] = pfn;
        }
    }

    /**
     * Bulk's puts, last block first. With a {@link ShapeConfig#putBatch} of n, slices of n from the
     * top down, each freed by one {@link PageAllocator#freeBatch} in ascending order.
     */
    private void freeShareReversed(final int t) {
        final PageAllocator a = allocator;
        final long[] b = blocks;
        final int o = order;
        final int from = t * share;
        final int batch = config.putBatch();
        if (batch > 1) {
            for (int to = from + share; to > from; to -= batch) {
                a.freeBatch(b, Math.max(from, to - batch), to, o, t);
            }
            return;
        }
        for (int i = from + share - 1; i >= from; i--) {
            a.free(b[i], o, t);
        }
    }

    /** Rand's puts, in slice order; with a {@link ShapeConfig#putBatch} of n, n per {@link PageAllocator#freeBatch}. */
    private void freeShare(final int t) {
        final PageAllocator a = allocator;
        final long[] b = blocks;
        final int o = order;
        final int from = t * share;
        final int to = from + share;
        final int batch = config.putBatch();
        if (batch > 1) {
            for (int i = from; i < to; i += batch) {
                a.freeBatch(b, i, Math.min(to, i + batch), o, t);
            }
            return;
        }
        for (int i = from; i < to; i++) {
            a.free(b[i], o, t);
        }
    }

    private IllegalStateException exhausted(final int t, final int done) {
        return new IllegalStateException("vcpu " + t + " got no order-" + order + " block after " + done
                + " of its " + share + " (" + allocator.freePages() + " of " + allocator.managedPages()
                + " pages free)");
    }

    /**
     * Fisher-Yates over the whole array, from one seeded generator: the same sequence of
     * permutations every run. Public for the JMH benchmark of rand's put alone.
     */
    public static void shuffle(final long[] values, final SplittableRandom random) {
        for (int i = values.length - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final long v = values[i];
            values[i] = values[j];
            values[j] = v;
        }
    }
}

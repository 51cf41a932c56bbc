package dev.memu.driver;

import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Waits, before a timed loop's clock starts, until the JIT has finished compiling what the
 * warm-up made hot; and keeps the warm-up itself from outrunning the JIT ({@link Pacer}).
 *
 * <p>The warm-up runs a fixed number of ops, so that the measured ops are the same in every run.
 * But on a 2-core host the compiler threads share the CPUs with the warm-up and with whatever else
 * runs (compare's parent counts cachelines meanwhile), and when the warm-up ends the compile
 * queue may still hold the loop's hottest methods: a loop timed then runs part of its ops in
 * profiled C1 code and is recompiled under the clock. Worse, HotSpot raises its compile
 * thresholds with the length of the queue ({@code Tier4LoadFeedback}, {@code Tier3DelayOn} in
 * {@code compilationPolicy.cpp}), so methods already hot enough are queued only once the queue
 * has drained, which is when the clock has started. Waiting costs no ops: the vcpus are parked
 * while the queue drains.
 *
 * <p>Quiet means: over the last {@link #WINDOW_NS} (read every {@link #POLL_NS}), the compiler
 * threads wanted less than {@link #BUSY_SHARE} of one CPU ({@link JitActivity#compilerDemandNanos}:
 * time on a CPU or waiting for one, so that a compiler starved by other work does not look idle). A gap between two reads longer than
 * {@link #GAP_NS} (this thread descheduled, the process stopped) starts the window afresh: time
 * the compiler could not use says nothing of its queue. A wait that does not see quiet within
 * {@link #MAX_WAIT_NS} gives up and says so ({@link Result#quiet()} false), and the run goes on;
 * what the compiler did while the clock ran is reported beside it ({@link JitReport}).
 */
public final class JitSettle {

    /** How long the compiler threads must be (nearly) idle to call the JIT quiet. */
    public static final long WINDOW_NS = 20_000_000L;
    /** The compiler threads' share of one CPU over the window below which the JIT counts as quiet. */
    public static final double BUSY_SHARE = 0.05;
    /** The longest wait; a JIT busy for longer (a deoptimisation loop) is reported, not waited for. */
    public static final long MAX_WAIT_NS = 5_000_000_000L;
    /** Time between two reads of the compiler threads' CPU time. */
    public static final long POLL_NS = 2_000_000L;
    /** A gap between two reads longer than this restarts the window. */
    public static final long GAP_NS = 5 * POLL_NS;
    /**
     * The compiler threads' demand (CPU used or waited for), as a share of one CPU since the last
     * warm-up step, at or above which the warm-up stands still for the JIT ({@link Pacer}): a
     * compiler that busy has a queue building.
     */
    public static final double PACE_SHARE = 0.5;

    private JitSettle() {
    }

    /**
     * What a wait saw.
     *
     * @param waitedNs how long the wait lasted
     * @param quiet    whether the JIT went quiet (false: the wait gave up, or nothing could be read)
     * @param known    whether the compiler threads could be read at all
     */
    public record Result(long waitedNs, boolean quiet, boolean known) {
        /** No wait, nothing known. */
        public static final Result NOT_WAITED = new Result(0, false, false);
    }

    /** Waits with the system clock and {@link java.util.concurrent.locks.LockSupport#parkNanos}. */
    public static Result await(final JitActivity jit) {
        return await(jit, System::nanoTime, java.util.concurrent.locks.LockSupport::parkNanos);
    }

    /**
     * Waits until {@code jit} has been quiet for a window.
     *
     * @param clock now, in nanoseconds
     * @param park  sleeps about the given nanoseconds
     */
    public static Result await(final JitActivity jit, final LongSupplier clock, final LongConsumer park) {
        final long start = clock.getAsLong();
        if (jit.compilerDemandNanos() < 0) {
            return Result.NOT_WAITED;
        }
        // Samples (time, demand) in a ring that spans at least one window at POLL_NS apart.
        final int slots = (int) (WINDOW_NS / POLL_NS) + 2;
        final long[] at = new long[slots];
        final long[] wanted = new long[slots];
        int head = 0;
        int size = 1;
        at[0] = start;
        wanted[0] = jit.compilerDemandNanos();
        // A bound on reads whatever the clock does: a clock that stands still must not hang a run.
        for (long reads = 0; reads < 2 * MAX_WAIT_NS / POLL_NS; reads++) {
            if (Thread.currentThread().isInterrupted()) {
                break;      // parkNanos would return at once: leave the interrupt to the caller
            }
            park.accept(POLL_NS);
            final long now = clock.getAsLong();
            final long demand = jit.compilerDemandNanos();
            if (demand < 0) {
                return new Result(now - start, false, false);
            }
            if (now - at[head] > GAP_NS) {
                size = 0;       // a gap: begin the window at this read
            }
            head = (head + 1) % slots;
            at[head] = now;
            wanted[head] = demand;
            size = Math.min(size + 1, slots);
            // The newest sample at least a window old, if any.
            int from = -1;
            for (int back = 1; back < size; back++) {
                final int i = (head - back + slots) % slots;
                if (now - at[i] >= WINDOW_NS) {
                    from = i;
                    break;
                }
            }
            // A thread that exits between reads makes the sum drop: read that as idle, not as negative work.
            if (from >= 0 && Math.max(0, demand - wanted[from]) < BUSY_SHARE * (now - at[from])) {
                return new Result(now - start, true, true);
            }
            if (now - start >= MAX_WAIT_NS) {
                return new Result(now - start, false, true);
            }
        }
        return new Result(clock.getAsLong() - start, false, true);
    }

    /**
     * Keeps a warm-up from outrunning the JIT: called between warm-up steps (short tapes), it
     * returns at once unless the compiler threads wanted {@link #PACE_SHARE} of a CPU or more since
     * the last call, and then waits until they are quiet ({@link #await}). The ops are the same
     * either way; only the warm-up's wall time grows, by the time the JIT needed.
     */
    public static final class Pacer {
        private final JitActivity jit;
        private final LongSupplier clock;
        private final LongConsumer park;
        private long lastDemand = -1;
        private long lastNs;
        private long waitedNs;

        public Pacer(final JitActivity jit, final LongSupplier clock, final LongConsumer park) {
            this.jit = jit;
            this.clock = clock;
            this.park = park;
        }

        /** A pacer on the system clock, parking with {@link java.util.concurrent.locks.LockSupport#parkNanos}. */
        public static Pacer of(final JitActivity jit) {
            return new Pacer(jit, System::nanoTime, java.util.concurrent.locks.LockSupport::parkNanos);
        }

        /** Between two warm-up steps: waits for the JIT if it was busy since the last call. */
        public void pace() {
            if (jit == JitActivity.UNKNOWN) {
                return;
            }
            long demand = jit.compilerDemandNanos();
            long now = clock.getAsLong();
            if (demand < 0) {
                return;
            }
            if (lastDemand >= 0 && now > lastNs && demand - lastDemand >= PACE_SHARE * (now - lastNs)) {
                waitedNs += await(jit, clock, park).waitedNs();
                demand = jit.compilerDemandNanos();
                now = clock.getAsLong();
            }
            lastDemand = demand;
            lastNs = now;
        }

        /** Time spent waiting in {@link #pace} so far. */
        public long waitedNs() {
            return waitedNs;
        }
    }
}

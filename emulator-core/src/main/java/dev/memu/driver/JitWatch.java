package dev.memu.driver;

import java.util.function.LongSupplier;

/**
 * The JIT around one timed stretch: the wait for the compiler to go quiet before the clock
 * ({@link JitSettle#await}), and the compiler threads' CPU time from then until the stretch ends.
 * Used by compare's timed pass ({@link Driver}, where the gates' last arrivers call {@link
 * #settleAndStart} and {@link #stop} and the driver thread reads the report after joining the
 * workers) and by {@code bench llfree}'s timed rounds ({@code ShapeRunner}).
 */
public final class JitWatch {
    private final JitActivity jit;
    private final LongSupplier clock;
    private volatile JitSettle.Result settled = JitSettle.Result.NOT_WAITED;
    private volatile long cpuAtStart = -1;
    private volatile long startNs;
    /** The compiler's CPU time and the wall time from the start to the end; -1 and 0 until known. */
    private volatile long compilerNs = -1;
    private volatile long windowNs;

    /**
     * @param jit   the compiler threads to watch ({@link JitActivity#UNKNOWN}: none, nothing waited)
     * @param clock now, in nanoseconds, for the stretch's wall time
     */
    public JitWatch(final JitActivity jit, final LongSupplier clock) {
        this.jit = jit;
        this.clock = clock;
    }

    /** Waits for the compiler to go quiet, then starts the stretch. */
    public void settleAndStart() {
        if (jit == JitActivity.UNKNOWN) {
            return;
        }
        settled = JitSettle.await(jit);
        cpuAtStart = jit.compilerCpuNanos();
        startNs = clock.getAsLong();
    }

    /** Ends the stretch. */
    public void stop() {
        final long end = clock.getAsLong();
        final long cpu = cpuAtStart < 0 ? -1 : jit.compilerCpuNanos();
        if (cpu >= 0) {
            compilerNs = Math.max(0, cpu - cpuAtStart);
            windowNs = end - startNs;
        }
    }

    /** The report, with how long the warm-up before it stood still for the JIT ({@link JitSettle.Pacer}). */
    public JitReport report(final long warmUpWaitedNs) {
        final JitSettle.Result s = settled;
        return new JitReport(warmUpWaitedNs, s.waitedNs(), s.quiet(), compilerNs, windowNs);
    }
}

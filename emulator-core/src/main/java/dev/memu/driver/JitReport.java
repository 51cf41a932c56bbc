package dev.memu.driver;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JIT around a timed pass: how long the warm-up stood still for the compiler, how long the
 * pass waited for it to go quiet before the clock started ({@link JitSettle}), and how much CPU the compiler threads used while the
 * measured ops ran (from the moment the vcpus were let go until the last one had finished its
 * measured ops; harness excluded). A compiler busy under the clock means some measured ops ran
 * in code that was then being replaced: the figure says how much, so that a reader can tell.
 *
 * @param warmUpWaitedNs       how long the warm-up stood still for the JIT ({@link JitSettle.Pacer});
 *                             the longest of the vcpus'
 * @param waitedNs             how long the wait before the clock lasted
 * @param quiet                whether the JIT was quiet when the clock started
 * @param compilerNsWhileTimed compiler threads' CPU time during the measured ops; -1 when unknown
 * @param timedWindowNs        wall time of that same stretch (for the share); 0 when unknown
 */
public record JitReport(long warmUpWaitedNs, long waitedNs, boolean quiet, long compilerNsWhileTimed, long timedWindowNs) {

    /** Nothing measured (the counting pass alone, a host without procfs). */
    public static final JitReport UNKNOWN = new JitReport(0, 0, false, -1, 0);

    /** Whether the compiler threads could be read. */
    public boolean known() {
        return compilerNsWhileTimed >= 0;
    }

    /**
     * The report as JSON values, the one place its field names are written (compare's rows and
     * bench llfree's alike): {@code warmUpWaitedMs}, {@code waitedMs}, {@code quiet}, {@code
     * compilerMsWhileTimed} and {@code compilerShareWhileTimed} (NaN when unknown).
     */
    public Map<String, Object> asJson() {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("warmUpWaitedMs", warmUpWaitedNs / 1e6);
        m.put("waitedMs", waitedNs / 1e6);
        m.put("quiet", quiet);
        m.put("compilerMsWhileTimed", known() ? compilerNsWhileTimed / 1e6 : Double.NaN);
        m.put("compilerShareWhileTimed", compilerShareWhileTimed());
        return m;
    }

    /**
     * The report {@link #asJson} wrote, read back (a forked child's row); {@link #UNKNOWN} when
     * {@code json} is not such an object or its compiler time is unknown. The measured window
     * comes back from the share, to the nanosecond it was rounded to.
     */
    public static JitReport fromJson(final Object json) {
        if (!(json instanceof Map<?, ?> m) || !(m.get("compilerMsWhileTimed") instanceof Number compilerMs)
                || Double.isNaN(compilerMs.doubleValue())) {
            return UNKNOWN;
        }
        final long compilerNs = Math.round(compilerMs.doubleValue() * 1e6);
        final double share = m.get("compilerShareWhileTimed") instanceof Number n ? n.doubleValue() : Double.NaN;
        return new JitReport(nanos(m.get("warmUpWaitedMs")), nanos(m.get("waitedMs")),
                Boolean.TRUE.equals(m.get("quiet")), compilerNs, share > 0 ? Math.round(compilerNs / share) : 0);
    }

    private static long nanos(final Object ms) {
        return ms instanceof Number n ? Math.round(n.doubleValue() * 1e6) : 0;
    }

    /** The compiler's CPU time as a share of the measured stretch's wall time; NaN when unknown. */
    public double compilerShareWhileTimed() {
        return known() && timedWindowNs > 0 ? (double) compilerNsWhileTimed / timedWindowNs : Double.NaN;
    }
}

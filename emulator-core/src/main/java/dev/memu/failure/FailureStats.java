package dev.memu.failure;

import dev.memu.memdesc.MemdescType;

/**
 * Running totals of memory failures: recovered and lost counts, per action and per type, and the
 * cost of the pfn-to-owner lookups (nanoseconds always; cachelines when the access layer counts).
 * Single-writer (memory failure is a stop-the-world step).
 */
public final class FailureStats {

    private final long[] byAction = new long[FailureAction.values().length];
    private final long[] byType = new long[MemdescType.values().length];
    private long recovered;
    private long lost;
    private long lookups;
    private long lookupNanos;
    private long lookupLines;
    private long maxLookupLines;
    private long checksumFailures;

    void record(final FailureOutcome outcome) {
        byAction[outcome.action().ordinal()]++;
        byType[outcome.owner().type().ordinal()]++;
        if (outcome.action().recovered()) {
            recovered++;
        } else {
            lost++;
        }
        if (!outcome.checksumOk()) {
            checksumFailures++;
        }
        lookups++;
        lookupNanos += outcome.owner().nanos();
        lookupLines += outcome.owner().lines();
        maxLookupLines = Math.max(maxLookupLines, outcome.owner().lines());
    }

    public long recovered() {
        return recovered;
    }

    public long lost() {
        return lost;
    }

    public long count(final FailureAction action) {
        return byAction[action.ordinal()];
    }

    public long count(final MemdescType type) {
        return byType[type.ordinal()];
    }

    public long lookups() {
        return lookups;
    }

    public double meanLookupNanos() {
        return lookups == 0 ? 0 : (double) lookupNanos / lookups;
    }

    /** Mean distinct cachelines per lookup; 0 unless a CountingAccess was bound. */
    public double meanLookupLines() {
        return lookups == 0 ? 0 : (double) lookupLines / lookups;
    }

    public long maxLookupLines() {
        return maxLookupLines;
    }

    /** Migrations or re-reads whose bytes did not match (should be 0). */
    public long checksumFailures() {
        return checksumFailures;
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder();
        sb.append("failures ").append(lookups).append(": recovered ").append(recovered).append(", lost ").append(lost);
        for (final FailureAction a : FailureAction.values()) {
            if (byAction[a.ordinal()] > 0) {
                sb.append(", ").append(a.name().toLowerCase()).append(' ').append(byAction[a.ordinal()]);
            }
        }
        sb.append(String.format("; lookup %.0f ns, %.2f lines mean", meanLookupNanos(), meanLookupLines()));
        return sb.toString();
    }
}

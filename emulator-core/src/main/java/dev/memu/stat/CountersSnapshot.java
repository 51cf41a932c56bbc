package dev.memu.stat;

import java.util.List;

/**
 * What a counters file said at one moment: its writer, the run's counters by kind and every
 * counter as listed (AeronStat style).
 *
 * @param pid               the writing process
 * @param startMs           when it created the file, ms since the epoch
 * @param label             the run, e.g. {@code memdesc8/buddy/1t}
 * @param values            value per {@link RunCounter} ordinal (0 where the file has none; {@link RunCounter#FREE_BLOCKS} unused)
 * @param freeBlocksByOrder the free-blocks counters, index = order (empty until the first sample)
 * @param counters          every allocated counter in id order
 */
public record CountersSnapshot(long pid, long startMs, String label, long[] values, long[] freeBlocksByOrder,
                               List<Entry> counters) {

    /** One counter as the file holds it. */
    public record Entry(int id, int typeId, String label, long value) {
    }

    public CountersSnapshot {
        values = values.clone();
        freeBlocksByOrder = freeBlocksByOrder.clone();
        counters = List.copyOf(counters);
    }

    public long value(final RunCounter c) {
        return values[c.ordinal()];
    }

    @Override
    public long[] freeBlocksByOrder() {
        return freeBlocksByOrder.clone();
    }

    public Phase phase() {
        return Phase.of(value(RunCounter.PHASE));
    }

    public boolean done() {
        return value(RunCounter.DONE) != 0;
    }

    /** Ops done in the pass that runs now: the counting pass's once it has started, else the timed pass's. */
    public long passOps() {
        return phase().compareTo(Phase.COUNTING) >= 0 && value(RunCounter.COUNTED_OPS) > 0
                ? value(RunCounter.COUNTED_OPS) : value(RunCounter.OPS);
    }

    /** Distinct cachelines per counted alloc so far; NaN before the first. */
    public double linesPerAlloc() {
        return ratio(RunCounter.ALLOC_LINES, RunCounter.COUNTED_ALLOCS);
    }

    /** Distinct cachelines per counted free so far; NaN before the first. */
    public double linesPerFree() {
        return ratio(RunCounter.FREE_LINES, RunCounter.COUNTED_FREES);
    }

    private double ratio(final RunCounter lines, final RunCounter ops) {
        final long n = value(ops);
        return n == 0 ? Double.NaN : (double) value(lines) / n;
    }
}

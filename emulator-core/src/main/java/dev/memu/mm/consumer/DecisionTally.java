package dev.memu.mm.consumer;

/**
 * Decisions a consumer took on a scheme's answers, against the decision the exact answers give:
 * a confusion matrix over the consumer's decision enum, indexed by ordinal. Plain counters: one
 * tally per thread, merged with {@link #add}.
 */
public final class DecisionTally<E extends Enum<E>> {

    private final String consumer;
    private final E[] values;
    private final long[][] counts;

    public DecisionTally(final String consumer, final Class<E> decisions) {
        this.consumer = consumer;
        this.values = decisions.getEnumConstants();
        this.counts = new long[values.length][values.length];
    }

    public void record(final E scheme, final E exact) {
        counts[scheme.ordinal()][exact.ordinal()]++;
    }

    public String consumer() {
        return consumer;
    }

    public long decisions() {
        long sum = 0;
        for (final long[] row : counts) {
            for (final long n : row) {
                sum += n;
            }
        }
        return sum;
    }

    /** Decisions that differ from the exact one. */
    public long wrong() {
        long sum = 0;
        for (int s = 0; s < values.length; s++) {
            for (int e = 0; e < values.length; e++) {
                if (s != e) {
                    sum += counts[s][e];
                }
            }
        }
        return sum;
    }

    /** How often the scheme decided {@code scheme} where the exact answers decided {@code exact}. */
    public long count(final E scheme, final E exact) {
        return counts[scheme.ordinal()][exact.ordinal()];
    }

    public void add(final DecisionTally<E> other) {
        for (int s = 0; s < values.length; s++) {
            for (int e = 0; e < values.length; e++) {
                counts[s][e] += other.counts[s][e];
            }
        }
    }
}

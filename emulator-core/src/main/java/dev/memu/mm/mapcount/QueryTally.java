package dev.memu.mm.mapcount;

/**
 * How often one query of a scheme agreed with the exact answer. For yes/no queries a false
 * positive is "scheme yes, exact no" and a false negative the reverse; {@link #wrong()} counts
 * both. For the mapcount a false positive is a non-zero count for an unmapped folio, a false
 * negative a zero count for a mapped one, and {@link #wrongValues()} counts every answer that
 * differs, off by however much ({@link #absoluteError()} sums by how much).
 *
 * <p>Plain counters: one tally belongs to one thread; {@link #add} merges them.
 */
public final class QueryTally {

    private final String query;
    private long queries;
    private long falsePositives;
    private long falseNegatives;
    private long wrongValues;
    private long absoluteError;

    public QueryTally(final String query) {
        this.query = query;
    }

    /** Records a yes/no answer against the exact one. */
    public void answer(final boolean scheme, final boolean exact) {
        queries++;
        if (scheme && !exact) {
            falsePositives++;
        } else if (!scheme && exact) {
            falseNegatives++;
        }
        if (scheme != exact) {
            wrongValues++;
            absoluteError++;
        }
    }

    /** Records a count against the exact one. */
    public void answer(final long scheme, final long exact) {
        queries++;
        if (scheme > 0 && exact == 0) {
            falsePositives++;
        } else if (scheme == 0 && exact > 0) {
            falseNegatives++;
        }
        if (scheme != exact) {
            wrongValues++;
            absoluteError += Math.abs(scheme - exact);
        }
    }

    public void add(final QueryTally other) {
        queries += other.queries;
        falsePositives += other.falsePositives;
        falseNegatives += other.falseNegatives;
        wrongValues += other.wrongValues;
        absoluteError += other.absoluteError;
    }

    public String query() {
        return query;
    }

    public long queries() {
        return queries;
    }

    public long falsePositives() {
        return falsePositives;
    }

    public long falseNegatives() {
        return falseNegatives;
    }

    /** Answers that differ from the exact one (for yes/no queries: false positives + false negatives). */
    public long wrong() {
        return wrongValues;
    }

    public long wrongValues() {
        return wrongValues;
    }

    public long absoluteError() {
        return absoluteError;
    }

    /** Fraction of answers that were wrong, 0 when nothing was asked. */
    public double wrongRate() {
        return queries == 0 ? 0 : (double) wrongValues / queries;
    }
}

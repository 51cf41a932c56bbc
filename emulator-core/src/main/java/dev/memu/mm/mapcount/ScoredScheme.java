package dev.memu.mm.mapcount;

/**
 * Asks a scheme, returns its answer (what a consumer acts on), and scores it against the same
 * question asked of a reference (the exact page-table walk, or any other {@link MapcountScheme}).
 *
 * <p>The reference's own cost is not the scheme's: ask through a scorer outside the measured
 * operation, or measure the scheme's query separately. One scorer belongs to one thread.
 */
public final class ScoredScheme {

    private final MapcountScheme scheme;
    private final MapcountScheme reference;
    private final Accuracy accuracy = new Accuracy();

    public ScoredScheme(final MapcountScheme scheme, final MapcountScheme reference) {
        this.scheme = scheme;
        this.reference = reference;
    }

    public MapcountScheme scheme() {
        return scheme;
    }

    public MapcountScheme reference() {
        return reference;
    }

    public Accuracy accuracy() {
        return accuracy;
    }

    public long mapcount(final long folio, final long headPfn, final int order) {
        final long answer = scheme.mapcount(folio, headPfn, order);
        accuracy.mapcount().answer(answer, reference.mapcount(folio, headPfn, order));
        return answer;
    }

    /** !mappedShared. */
    public boolean exclusive(final long folio, final long headPfn, final int order) {
        final boolean answer = !scheme.mappedShared(folio, headPfn, order);
        accuracy.exclusive().answer(answer, !reference.mappedShared(folio, headPfn, order));
        return answer;
    }

    public boolean partiallyMapped(final long folio, final long headPfn, final int order) {
        final boolean answer = scheme.partiallyMapped(folio, headPfn, order);
        accuracy.partiallyMapped().answer(answer, reference.partiallyMapped(folio, headPfn, order));
        return answer;
    }

    public boolean mapped(final long folio, final long headPfn, final int order) {
        final boolean answer = scheme.mapped(folio, headPfn, order);
        accuracy.mapped().answer(answer, reference.mapped(folio, headPfn, order));
        return answer;
    }

    /** Asks all four questions once (a census of every live folio, for example). */
    public void scoreAll(final long folio, final long headPfn, final int order) {
        mapcount(folio, headPfn, order);
        exclusive(folio, headPfn, order);
        partiallyMapped(folio, headPfn, order);
        mapped(folio, headPfn, order);
    }
}

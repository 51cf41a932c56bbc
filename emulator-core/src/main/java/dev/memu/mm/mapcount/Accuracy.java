package dev.memu.mm.mapcount;

import java.util.List;

/**
 * A scheme's accuracy per query, as {@code memu rmap} reports it under {@code accuracy}:
 * {@code mapcount} (folio_mapcount), {@code exclusive} (= !mappedShared: a false positive here
 * claims a shared folio is exclusive, the dangerous direction), {@code partiallyMapped} and
 * {@code mapped}.
 */
public final class Accuracy {

    private final QueryTally mapcount = new QueryTally("mapcount");
    private final QueryTally exclusive = new QueryTally("exclusive");
    private final QueryTally partiallyMapped = new QueryTally("partiallyMapped");
    private final QueryTally mapped = new QueryTally("mapped");

    public QueryTally mapcount() {
        return mapcount;
    }

    public QueryTally exclusive() {
        return exclusive;
    }

    public QueryTally partiallyMapped() {
        return partiallyMapped;
    }

    public QueryTally mapped() {
        return mapped;
    }

    /** The tallies in report order. */
    public List<QueryTally> tallies() {
        return List.of(mapcount, exclusive, partiallyMapped, mapped);
    }

    public void add(final Accuracy other) {
        mapcount.add(other.mapcount);
        exclusive.add(other.exclusive);
        partiallyMapped.add(other.partiallyMapped);
        mapped.add(other.mapped);
    }

    /** Total wrong answers over all queries: 0 for the exact reference scored against itself. */
    public long wrong() {
        long sum = 0;
        for (final QueryTally t : tallies()) {
            sum += t.wrong();
        }
        return sum;
    }
}

package dev.memu.mm;

import dev.memu.mm.mapcount.ExactMapcount;
import dev.memu.mm.mapcount.StatelessScheme;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A test scheme that keeps precise per-page counts from the events alone (a plain Java map) and
 * checks them against {@link ExactMapcount}'s page-table walk: the mm layer reported every map
 * and unmap, with the right pages, and a folio is freed only when its events say unmapped.
 */
final class EventChecker extends StatelessScheme implements AnonExclusiveListener {

    private static final class State {
        final int[] perPage;
        long pmds;

        State(final int order) {
            perPage = new int[1 << order];
        }

        long total() {
            long t = pmds;
            for (final int c : perPage) {
                t += c;
            }
            return t;
        }
    }

    private final ExactMapcount exact;
    private final Map<Long, State> folios = new HashMap<>();
    long events;
    long exclusiveMarks;

    EventChecker(final ExactMapcount exact) {
        this.exact = exact;
    }

    private State state(final long folio) {
        final State s = folios.get(folio);
        if (s == null) {
            fail("event for folio 0x" + Long.toHexString(folio) + " that was never created");
        }
        return s;
    }

    @Override
    public String name() {
        return "event-checker";
    }

    @Override
    public void folioCreated(final long folio, final long headPfn, final int order) {
        assertFalse(folios.containsKey(folio), "folio created twice");
        folios.put(folio, new State(order));
    }

    @Override
    public void folioFreed(final long folio, final long headPfn, final int order) {
        assertEquals(0, state(folio).total(), "folio freed while its events say it is mapped");
        folios.remove(folio);
    }

    @Override
    public void addPtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                        final int mmId, final long vmaId, final long ptPfn, final boolean exclusive) {
        events++;
        final State s = state(folio);
        assertTrue(page >= 0 && nr >= 1 && page + nr <= s.perPage.length, "pages out of the folio");
        for (int i = page; i < page + nr; i++) {
            s.perPage[i]++;
        }
    }

    @Override
    public void removePtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                           final int mmId, final long vmaId, final long ptPfn) {
        events++;
        final State s = state(folio);
        for (int i = page; i < page + nr; i++) {
            assertTrue(s.perPage[i] > 0, "page " + i + " unmapped more often than mapped");
            s.perPage[i]--;
        }
    }

    @Override
    public void addPmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId,
                       final boolean exclusive) {
        events++;
        state(folio).pmds++;
    }

    @Override
    public void removePmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId) {
        events++;
        final State s = state(folio);
        assertTrue(s.pmds > 0, "PMD unmapped more often than mapped");
        s.pmds--;
    }

    @Override
    public void markShared(final long folio, final long headPfn, final int order, final int page, final int nr) {
        state(folio);
    }

    @Override
    public void markExclusive(final long folio, final long headPfn, final int order, final int page, final int nr) {
        final State s = state(folio);
        for (int i = page; i < page + nr; i++) {
            assertEquals(1, s.perPage[i] + s.pmds, "a page made exclusive again is mapped exactly once");
        }
        exclusiveMarks++;
    }

    @Override
    public long mapcount(final long folio, final long headPfn, final int order) {
        return state(folio).total();
    }

    @Override
    public long pageMapcount(final long folio, final long headPfn, final int order, final int page) {
        final State s = state(folio);
        return s.perPage[page] + s.pmds;
    }

    @Override
    public boolean mappedShared(final long folio, final long headPfn, final int order) {
        return false;
    }

    @Override
    public boolean partiallyMapped(final long folio, final long headPfn, final int order) {
        return false;
    }

    @Override
    public boolean mapped(final long folio, final long headPfn, final int order) {
        return state(folio).total() > 0;
    }

    /** Every live folio: the events' counts equal the walk's, page by page. */
    void assertMatchesExact(final dev.memu.memdesc.Memdescs descs) {
        for (final Map.Entry<Long, State> e : folios.entrySet()) {
            final long folio = e.getKey();
            final State s = e.getValue();
            final int order = descs.order(folio);
            exact.measure(folio, order);
            assertEquals(exact.totalMapcount(), s.total(), "total mapcount of folio order " + order);
            for (int p = 0; p < s.perPage.length; p++) {
                assertEquals(exact.pageMapcount(p), s.perPage[p] + s.pmds, "mapcount of page " + p);
            }
        }
    }

    int liveFolios() {
        return folios.size();
    }

    void assertNothingLive() {
        assertEquals(0, folios.size(), "folios the events never saw freed");
    }
}

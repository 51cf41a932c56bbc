package dev.memu.mm.consumer;

import dev.memu.mm.mapcount.MapcountScheme;

import java.util.List;

/**
 * Every consumer's decision on one scheme's answers, scored against the same decision on the
 * exact answers, plus the /proc figures: what the mm layer calls at each decision point. Each
 * method returns the scheme's decision (the one the run acts on, if it follows the scheme) and
 * records it next to the exact one.
 *
 * <p>Asking the reference costs lines too; call these outside the measured operation. One
 * instance belongs to one thread; {@link #add} merges.
 */
public final class ConsumerScore {

    private final MapcountScheme scheme;
    private final MapcountScheme exact;

    private final DecisionTally<Madvise.Decision> madvise = new DecisionTally<>("madvise", Madvise.Decision.class);
    private final DecisionTally<Mlock.Decision> mlock = new DecisionTally<>("mlock", Mlock.Decision.class);
    private final DecisionTally<DeferredSplit.Decision> deferredSplit =
            new DecisionTally<>("deferredSplit", DeferredSplit.Decision.class);
    private final DecisionTally<Reclaim.Decision> reclaim = new DecisionTally<>("reclaim", Reclaim.Decision.class);
    private final DecisionTally<Compaction.Decision> compaction =
            new DecisionTally<>("compaction", Compaction.Decision.class);
    private final ProcStats.Tally anonPages = new ProcStats.Tally("AnonPages");
    private final ProcStats.Tally pss = new ProcStats.Tally("Pss");
    private final ProcStats.Tally uss = new ProcStats.Tally("Uss");

    // reclaim is asked twice per folio: before try_to_unmap (partially mapped?) and after (still mapped?)
    private boolean schemePartialBeforeUnmap;
    private boolean exactPartialBeforeUnmap;

    public ConsumerScore(final MapcountScheme scheme, final MapcountScheme exact) {
        this.scheme = scheme;
        this.exact = exact;
    }

    public MapcountScheme scheme() {
        return scheme;
    }

    /** madvise COLD/PAGEOUT/FREE meets this folio; {@code wholeInRange}: the range covers all its pages. */
    public Madvise.Decision madvise(final long folio, final long headPfn, final int order, final boolean wholeInRange) {
        final Madvise.Decision d = Madvise.decide(order, wholeInRange, !scheme.mappedShared(folio, headPfn, order));
        madvise.record(d, Madvise.decide(order, wholeInRange, !exact.mappedShared(folio, headPfn, order)));
        return d;
    }

    /** mlock of a VM_LOCKED range meets this folio; {@code withinRange}: folio_within_range. */
    public Mlock.Decision mlock(final long folio, final long headPfn, final int order, final boolean withinRange) {
        final Mlock.Decision d = Mlock.decide(order, withinRange, scheme.partiallyMapped(folio, headPfn, order));
        mlock.record(d, Mlock.decide(order, withinRange, exact.partiallyMapped(folio, headPfn, order)));
        return d;
    }

    /** After an unmap of part of the folio: queue for deferred split? */
    public DeferredSplit.Decision deferredSplit(final long folio, final long headPfn, final int order, final boolean anon,
                                                final boolean alreadyQueued) {
        final DeferredSplit.Decision d = DeferredSplit.decide(anon, order,
                scheme.partiallyMapped(folio, headPfn, order), alreadyQueued);
        deferredSplit.record(d, DeferredSplit.decide(anon, order, exact.partiallyMapped(folio, headPfn, order), alreadyQueued));
        return d;
    }

    /**
     * Reclaim, first step, before try_to_unmap: returns the split decision if the folio is split
     * (SPLIT_PARTIAL, SPLIT_NO_SLOTS) or null to go on with {@link #reclaimAfterUnmap}. A split
     * decision is recorded here (the exact decision then assumes the unmap would have succeeded:
     * the run splits, so it never learns); otherwise the answers wait for the second step.
     */
    public Reclaim.Decision reclaimBeforeUnmap(final long folio, final long headPfn, final int order,
                                               final boolean contiguousSlots) {
        schemePartialBeforeUnmap = scheme.partiallyMapped(folio, headPfn, order);
        exactPartialBeforeUnmap = exact.partiallyMapped(folio, headPfn, order);
        // "mapped after unmap" is not known yet; false makes decide() return a split or SWAP_WHOLE.
        final Reclaim.Decision d = Reclaim.decide(order, schemePartialBeforeUnmap, contiguousSlots, false);
        if (d == Reclaim.Decision.SWAP_WHOLE) {
            return null;
        }
        reclaim.record(d, Reclaim.decide(order, exactPartialBeforeUnmap, contiguousSlots, false));
        return d;
    }

    /** Reclaim, second step, after try_to_unmap: SWAP_WHOLE or KEEP. */
    public Reclaim.Decision reclaimAfterUnmap(final long folio, final long headPfn, final int order) {
        final Reclaim.Decision d = Reclaim.decide(order, false, true, scheme.mapped(folio, headPfn, order));
        reclaim.record(d, Reclaim.decide(order, exactPartialBeforeUnmap, true, exact.mapped(folio, headPfn, order)));
        return d;
    }

    /** Compaction meets this folio; {@code refcount}: folio_ref_count (one per mapping, plus pins). */
    public Compaction.Decision compaction(final long folio, final long headPfn, final int order, final boolean anon,
                                          final long refcount) {
        final Compaction.Decision d = Compaction.decide(anon, refcount, scheme.mapcount(folio, headPfn, order));
        compaction.record(d, Compaction.decide(anon, refcount, exact.mapcount(folio, headPfn, order)));
        return d;
    }

    /** Census of one anon folio for AnonPages. */
    public void anonPages(final long folio, final long headPfn, final int order) {
        anonPages.add(ProcStats.anonPages(scheme, folio, headPfn, order), ProcStats.anonPages(exact, folio, headPfn, order));
    }

    /** smaps of one mm meets pages {@code [page, page + nr)} of this folio. */
    public void smaps(final long folio, final long headPfn, final int order, final int page, final int nr) {
        pss.add(ProcStats.pss(scheme, folio, headPfn, order, page, nr), ProcStats.pss(exact, folio, headPfn, order, page, nr));
        uss.add(ProcStats.uss(scheme, folio, headPfn, order, page, nr), ProcStats.uss(exact, folio, headPfn, order, page, nr));
    }

    /** Merges another thread's score of the same scheme. */
    public void add(final ConsumerScore other) {
        madvise.add(other.madvise);
        mlock.add(other.mlock);
        deferredSplit.add(other.deferredSplit);
        reclaim.add(other.reclaim);
        compaction.add(other.compaction);
        anonPages.add(other.anonPages);
        pss.add(other.pss);
        uss.add(other.uss);
    }

    public List<DecisionTally<?>> decisions() {
        return List.of(madvise, mlock, deferredSplit, reclaim, compaction);
    }

    public List<ProcStats.Tally> stats() {
        return List.of(anonPages, pss, uss);
    }

    public DecisionTally<Madvise.Decision> madviseTally() {
        return madvise;
    }

    public DecisionTally<Mlock.Decision> mlockTally() {
        return mlock;
    }

    public DecisionTally<DeferredSplit.Decision> deferredSplitTally() {
        return deferredSplit;
    }

    public DecisionTally<Reclaim.Decision> reclaimTally() {
        return reclaim;
    }

    public DecisionTally<Compaction.Decision> compactionTally() {
        return compaction;
    }

    public ProcStats.Tally anonPagesTally() {
        return anonPages;
    }

    public ProcStats.Tally pssTally() {
        return pss;
    }

    public ProcStats.Tally ussTally() {
        return uss;
    }
}

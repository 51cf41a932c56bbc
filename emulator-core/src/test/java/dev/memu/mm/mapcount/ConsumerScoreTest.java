package dev.memu.mm.mapcount;

import dev.memu.mm.consumer.Compaction;
import dev.memu.mm.consumer.ConsumerScore;
import dev.memu.mm.consumer.DeferredSplit;
import dev.memu.mm.consumer.Madvise;
import dev.memu.mm.consumer.Mlock;
import dev.memu.mm.consumer.Reclaim;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Consumers acting on each scheme's answers, their errors counted against the exact answers. */
class ConsumerScoreTest {

    private static final long PT = 7000;

    @Test
    void tuplesMakeAPteMappedFolioLookPinnedToCompaction() {
        try (World w = new World("memdesc8")) {
            final VmaPtTuplesMapcount vpt = w.add(c -> new VmaPtTuplesMapcount(c.heap(), c.probe(), c.walker()));
            final ConsumerScore score = new ConsumerScore(vpt, w.exact);
            final World.Folio f = w.folio(4);
            w.map(f, 0, 16, 1, 100, PT, true);
            // 16 PTEs hold 16 references
            assertEquals(Compaction.Decision.SKIP_PINNED, score.compaction(f.folio(), f.headPfn(), 4, true, 16));
            assertEquals(1, score.compactionTally().count(Compaction.Decision.SKIP_PINNED, Compaction.Decision.MIGRATE));
            assertEquals(Madvise.Decision.ACT_WHOLE, score.madvise(f.folio(), f.headPfn(), 4, true));
            assertEquals(0, score.madviseTally().wrong());
        }
    }

    /** The published no-page-mapcount miss costs a deferred split and lets reclaim swap a half-unmapped folio whole. */
    @Test
    void aMissedPartialMappingIsAMissedDeferredSplitAndAWholeSwapOut() {
        try (World w = new World("memdesc8")) {
            final NoPageMapcount npm = w.add(c -> new NoPageMapcount(c.heap()));
            final ConsumerScore score = new ConsumerScore(npm, w.exact);
            final World.Folio f = w.folio(4);
            w.map(f, 0, 16, 1, 100, PT, true);
            w.fork(f, 0, 16, 2, 200, PT + 1);
            w.unmap(f, 0, 8, 1, 100, PT);
            w.unmap(f, 0, 6, 2, 200, PT + 1);
            assertEquals(DeferredSplit.Decision.NO_QUEUE, score.deferredSplit(f.folio(), f.headPfn(), 4, true, false));
            assertEquals(1, score.deferredSplitTally().count(DeferredSplit.Decision.NO_QUEUE, DeferredSplit.Decision.QUEUE));
            assertEquals(Mlock.Decision.MLOCK, score.mlock(f.folio(), f.headPfn(), 4, true));
            assertEquals(1, score.mlockTally().wrong());

            assertNull(score.reclaimBeforeUnmap(f.folio(), f.headPfn(), 4, true), "the scheme goes on to swap it whole");
            w.unmap(f, 8, 8, 1, 100, PT);            // try_to_unmap
            w.unmap(f, 6, 10, 2, 200, PT + 1);
            assertEquals(Reclaim.Decision.SWAP_WHOLE, score.reclaimAfterUnmap(f.folio(), f.headPfn(), 4));
            assertEquals(1, score.reclaimTally().count(Reclaim.Decision.SWAP_WHOLE, Reclaim.Decision.SPLIT_PARTIAL));
        }
    }

    /** Troll's Many never counts down: after try_to_unmap took every VMA, reclaim still sees it mapped. */
    @Test
    void trollsManyKeepsAnUnmappedFolioOutOfReclaim() {
        try (World w = new World("memdesc8")) {
            final TrollMapcount troll = w.add(c -> new TrollMapcount(c.heap(), c.probe(), c.walker()));
            final ConsumerScore score = new ConsumerScore(troll, w.exact);
            final World.Folio f = w.folio(2);
            for (int mm = 1; mm <= 3; mm++) {
                w.map(f, 0, 4, mm, 100L * mm, PT + mm, mm == 1);
            }
            assertNull(score.reclaimBeforeUnmap(f.folio(), f.headPfn(), 2, true));
            for (int mm = 1; mm <= 3; mm++) {
                w.unmap(f, 0, 4, mm, 100L * mm, PT + mm);
            }
            assertEquals(Reclaim.Decision.KEEP, score.reclaimAfterUnmap(f.folio(), f.headPfn(), 2));
            assertEquals(1, score.reclaimTally().count(Reclaim.Decision.KEEP, Reclaim.Decision.SWAP_WHOLE));
            w.free(f);
        }
    }

    @Test
    void procStatsAndMergingAcrossThreads() {
        try (World w = new World("memdesc32")) {
            final PageMapcount pm = w.add(c -> new PageMapcount(c.memmap(), c.heap()));
            final ConsumerScore a = new ConsumerScore(pm, w.exact);
            final ConsumerScore b = new ConsumerScore(pm, w.exact);
            final World.Folio f = w.folio(4);
            w.map(f, 0, 10, 1, 100, PT, true);
            a.anonPages(f.folio(), f.headPfn(), 4);
            b.smaps(f.folio(), f.headPfn(), 4, 0, 10);
            b.compaction(f.folio(), f.headPfn(), 4, true, 10);
            a.add(b);
            assertEquals(10, a.anonPagesTally().scheme());
            assertEquals(10, a.ussTally().exact());
            assertEquals(0, a.pssTally().absoluteError(), "page-mapcount's figures are the precise ones");
            assertEquals(1, a.compactionTally().decisions());
            assertEquals(5, a.decisions().size());
            assertEquals(3, a.stats().size());
        }
    }
}

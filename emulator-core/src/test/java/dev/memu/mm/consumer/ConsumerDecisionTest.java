package dev.memu.mm.consumer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConsumerDecisionTest {

    @Test
    void madviseActsOnWholeExclusiveFoliosSplitsPartialOnesAndSkipsShared() {
        assertEquals(Madvise.Decision.ACT_WHOLE, Madvise.decide(4, true, true));
        assertEquals(Madvise.Decision.SPLIT, Madvise.decide(4, false, true));
        assertEquals(Madvise.Decision.SKIP, Madvise.decide(4, true, false));
        assertEquals(Madvise.Decision.SKIP, Madvise.decide(4, false, false));
        assertEquals(Madvise.Decision.ACT_WHOLE, Madvise.decide(0, false, true), "a small folio is never split");
    }

    @Test
    void mlockTakesOnlyFullyMappedFoliosInsideTheRange() {
        assertEquals(Mlock.Decision.MLOCK, Mlock.decide(4, true, false));
        assertEquals(Mlock.Decision.SKIP, Mlock.decide(4, true, true));
        assertEquals(Mlock.Decision.SKIP, Mlock.decide(4, false, false));
        assertEquals(Mlock.Decision.MLOCK, Mlock.decide(0, false, true));
    }

    @Test
    void deferredSplitQueuesPartialAnonFoliosAboveOrderOneOnce() {
        assertEquals(DeferredSplit.Decision.QUEUE, DeferredSplit.decide(true, 4, true, false));
        assertEquals(DeferredSplit.Decision.NO_QUEUE, DeferredSplit.decide(true, 4, true, true), "already queued");
        assertEquals(DeferredSplit.Decision.NO_QUEUE, DeferredSplit.decide(true, 1, true, false), "order 1 has no _deferred_list");
        assertEquals(DeferredSplit.Decision.NO_QUEUE, DeferredSplit.decide(false, 4, true, false), "file folios");
        assertEquals(DeferredSplit.Decision.NO_QUEUE, DeferredSplit.decide(true, 4, false, false));
    }

    /** Per-page zap of an exclusive order-4 folio: queued after the first page, unqueued at free; batch zap: never. */
    @Test
    void perPageZapTakesTheSplitQueueLockTwiceBatchZapNever() {
        final DeferredSplit.Queue perPage = new DeferredSplit.Queue();
        boolean queued = false;
        for (int unmapped = 1; unmapped <= 16; unmapped++) {
            final boolean partial = unmapped < 16;
            if (DeferredSplit.decide(true, 4, partial, queued) == DeferredSplit.Decision.QUEUE) {
                perPage.queue();
                queued = true;
            }
        }
        perPage.unqueue();
        assertEquals(2, perPage.lockAcquisitions());
        assertEquals(1, perPage.queued());
        assertEquals(0, perPage.length());
        final DeferredSplit.Queue batch = new DeferredSplit.Queue();
        if (DeferredSplit.decide(true, 4, false, false) == DeferredSplit.Decision.QUEUE) {
            batch.queue();
        }
        assertEquals(0, batch.lockAcquisitions());
        assertThrows(IllegalStateException.class, batch::unqueue);
    }

    @Test
    void reclaimSwapsWholeOnlyWhenFullyMappedWithSlotsAndUnmappable() {
        assertEquals(Reclaim.Decision.SWAP_WHOLE, Reclaim.decide(4, false, true, false));
        assertEquals(Reclaim.Decision.SPLIT_PARTIAL, Reclaim.decide(4, true, true, false));
        assertEquals(Reclaim.Decision.SPLIT_NO_SLOTS, Reclaim.decide(4, false, false, false));
        assertEquals(Reclaim.Decision.KEEP, Reclaim.decide(4, false, true, true), "still mapped after try_to_unmap");
        assertEquals(Reclaim.Decision.SWAP_WHOLE, Reclaim.decide(0, true, false, false), "order 0 needs one slot, never splits");
    }

    /** 16 PTEs hold 16 references: a scheme counting one tuple makes the folio look pinned. */
    @Test
    void compactionSkipsWhatLooksPinned() {
        assertEquals(Compaction.Decision.MIGRATE, Compaction.decide(true, 16, 16));
        assertEquals(Compaction.Decision.MIGRATE, Compaction.decide(true, 17, 16), "one extra reference (isolation) is allowed");
        assertEquals(Compaction.Decision.SKIP_PINNED, Compaction.decide(true, 18, 16), "a GUP pin");
        assertEquals(Compaction.Decision.SKIP_PINNED, Compaction.decide(true, 16, 1), "vma-pt-tuples' 1 for 16 PTEs");
        assertEquals(Compaction.Decision.MIGRATE, Compaction.decide(false, 16, 1), "file folios are not checked");
    }

    @Test
    void decisionTallyIsAConfusionMatrix() {
        final DecisionTally<Madvise.Decision> t = new DecisionTally<>("madvise", Madvise.Decision.class);
        t.record(Madvise.Decision.ACT_WHOLE, Madvise.Decision.ACT_WHOLE);
        t.record(Madvise.Decision.ACT_WHOLE, Madvise.Decision.SKIP);
        t.record(Madvise.Decision.SKIP, Madvise.Decision.SPLIT);
        t.record(Madvise.Decision.SKIP, Madvise.Decision.SPLIT);
        assertEquals(4, t.decisions());
        assertEquals(3, t.wrong());
        assertEquals(2, t.count(Madvise.Decision.SKIP, Madvise.Decision.SPLIT));
        assertEquals(1, t.count(Madvise.Decision.ACT_WHOLE, Madvise.Decision.SKIP));
        final DecisionTally<Madvise.Decision> sum = new DecisionTally<>("madvise", Madvise.Decision.class);
        sum.add(t);
        sum.add(t);
        assertEquals(6, sum.wrong());
        assertEquals("madvise", sum.consumer());
    }
}

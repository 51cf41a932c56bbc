package dev.memu.migrate;

import java.util.Arrays;

/**
 * What one compaction pass did.
 *
 * @param targetOrder        the order compaction worked for (pageblock order, 9 by default)
 * @param freeBlocksBefore   free blocks per order before (buddyinfo row)
 * @param freeBlocksAfter    free blocks per order after
 * @param migrated           allocations moved
 * @param pagesMoved         pages copied
 * @param pageblocksScanned  pageblocks the migrate scanner looked at
 * @param pageblocksSkipped  pageblocks left alone because they hold unmovable memory
 * @param stopReason         why the pass ended ("scanners met", or why it had to stop early)
 * @param nanos              wall time of the pass
 */
public record CompactionResult(int targetOrder, long[] freeBlocksBefore, long[] freeBlocksAfter, long migrated,
                               long pagesMoved, long pageblocksScanned, long pageblocksSkipped, String stopReason,
                               long nanos) {

    /** Free blocks of the target order or larger before, counted in target-order units. */
    public long targetBlocksBefore() {
        return capacity(freeBlocksBefore, targetOrder);
    }

    public long targetBlocksAfter() {
        return capacity(freeBlocksAfter, targetOrder);
    }

    /** How many blocks of {@code order} the free lists could satisfy: sum of blocks[o] * 2^(o - order), o &gt;= order. */
    public static long capacity(final long[] freeBlocks, final int order) {
        long n = 0;
        for (int o = order; o < freeBlocks.length; o++) {
            n += freeBlocks[o] << (o - order);
        }
        return n;
    }

    @Override
    public String toString() {
        return "compaction to order " + targetOrder + ": order-" + targetOrder + " blocks " + targetBlocksBefore()
                + " -> " + targetBlocksAfter() + ", migrated " + migrated + " allocations (" + pagesMoved
                + " pages), pageblocks scanned " + pageblocksScanned + ", skipped (unmovable) " + pageblocksSkipped
                + ", " + stopReason + ", " + (nanos / 1_000_000) + " ms; buddyinfo before "
                + Arrays.toString(freeBlocksBefore) + " after " + Arrays.toString(freeBlocksAfter);
    }
}

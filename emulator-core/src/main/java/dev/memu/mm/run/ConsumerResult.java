package dev.memu.mm.run;

/**
 * One consumer's decisions on one scheme's answers against the same decisions on exact's.
 *
 * @param consumer  madvise, mlock, deferredSplit, compaction (see dev.memu.mm.consumer)
 * @param decisions decisions taken
 * @param wrong     decisions that differ from the one exact's answers give
 */
public record ConsumerResult(String consumer, long decisions, long wrong) {
}

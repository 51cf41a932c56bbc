package dev.memu.mm.consumer;

/**
 * MADV_COLD / MADV_PAGEOUT / MADV_FREE over a range, per large folio met in it, as
 * mm/madvise.c {@code madvise_cold_or_pageout_pte_range} and {@code madvise_free_pte_range}
 * (Linux 6.12) decide: a folio that is (likely/maybe) mapped shared is skipped ("Do not interfere
 * with other mappings of this folio"); an exclusive folio the range covers only in part is split
 * first; an exclusive folio wholly inside the range is acted on as a whole, without splitting
 * (the large-anon-folio improvement in Roberts' list).
 */
public final class Madvise {

    public enum Decision {
        /** Deactivate / page out / free the whole folio. */
        ACT_WHOLE,
        /** Split the folio, then act on the pages inside the range. */
        SPLIT,
        /** Leave the folio alone: another mm maps it. */
        SKIP
    }

    private Madvise() {
    }

    /**
     * @param order            the folio's order (0: a small folio, never split)
     * @param wholeInRange     the range covers every page of the folio (the PTE batch reaches nr_pages)
     * @param exclusive        the scheme's !mappedShared
     */
    public static Decision decide(final int order, final boolean wholeInRange, final boolean exclusive) {
        if (!exclusive) {
            return Decision.SKIP;
        }
        return order == 0 || wholeInRange ? Decision.ACT_WHOLE : Decision.SPLIT;
    }
}

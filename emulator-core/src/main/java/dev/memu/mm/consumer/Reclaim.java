package dev.memu.mm.consumer;

/**
 * Reclaim of an anon large folio to swap, as mm/vmscan.c {@code shrink_folio_list} (Linux 6.12)
 * does: a folio flagged partially mapped is split right away ("We can free the unmapped pages
 * without IO"); otherwise {@code add_to_swap} tries to add it whole, which needs 2^order
 * contiguous, aligned swap slots (memu: from the POTAD swap slots), and splits it when there are
 * none; after {@code try_to_unmap} a folio that is still {@code folio_mapped} cannot be freed and
 * goes back to the active list.
 */
public final class Reclaim {

    public enum Decision {
        /** Added to the swap cache whole and unmapped: 2^order pages freed after one write. */
        SWAP_WHOLE,
        /** Split because it is partially mapped. */
        SPLIT_PARTIAL,
        /** Split because no 2^order contiguous swap slots were free. */
        SPLIT_NO_SLOTS,
        /** Still mapped after try_to_unmap: kept (activate_locked). */
        KEEP
    }

    private Reclaim() {
    }

    /**
     * @param partiallyMapped     the scheme's partiallyMapped before reclaim
     * @param contiguousSlots     the swap allocator had 2^order contiguous slots
     * @param mappedAfterUnmap    the scheme's mapped after try_to_unmap
     */
    public static Decision decide(final int order, final boolean partiallyMapped, final boolean contiguousSlots,
                                  final boolean mappedAfterUnmap) {
        if (order > 0 && partiallyMapped) {
            return Decision.SPLIT_PARTIAL;
        }
        if (order > 0 && !contiguousSlots) {
            return Decision.SPLIT_NO_SLOTS;
        }
        return mappedAfterUnmap ? Decision.KEEP : Decision.SWAP_WHOLE;
    }
}

package dev.memu.mm.consumer;

/**
 * mlock of a PTE-mapped large folio, as mm/mlock.c {@code allow_mlock_munlock} (Linux 6.12)
 * decides for VM_LOCKED: a small folio is always mlocked; a large folio only when it lies within
 * the locked range ({@code folio_within_range}) and is fully mapped ("folio is not fully mapped,
 * skip mlock"); otherwise it is left on the evictable LRU, where reclaim may split it and free the
 * part outside the locked VMA.
 *
 * <p>Departure: Linux learns "fully mapped" from the length of the PTE batch in this VMA; memu asks
 * the scheme's {@code partiallyMapped}, the folio-level question a kernel without per-page
 * mapcounts has to answer.
 */
public final class Mlock {

    public enum Decision {
        MLOCK,
        SKIP
    }

    private Mlock() {
    }

    public static Decision decide(final int order, final boolean withinRange, final boolean partiallyMapped) {
        if (order == 0) {
            return Decision.MLOCK;
        }
        return withinRange && !partiallyMapped ? Decision.MLOCK : Decision.SKIP;
    }
}

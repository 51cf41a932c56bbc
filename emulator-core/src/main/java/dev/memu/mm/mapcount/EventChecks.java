package dev.memu.mm.mapcount;

/** Argument checks shared by the schemes: a bad event is a bug in the caller, never silently counted. */
final class EventChecks {

    private EventChecks() {
    }

    /** {@code [page, page + nr)} must lie inside a folio of {@code order} and be non-empty. */
    static void pages(final int order, final int page, final int nr) {
        if (nr <= 0 || page < 0 || (long) page + nr > (1L << order)) {
            throw new IllegalArgumentException("pages [" + page + ", " + ((long) page + nr)
                    + ") are not inside a folio of order " + order);
        }
    }

    /** A PMD maps a whole large folio. */
    static void pmd(final int order) {
        if (order == 0) {
            throw new IllegalArgumentException("a PMD cannot map an order-0 folio");
        }
    }

    static void mm(final int mmId) {
        if (mmId < MmIdSlots.MM_ID_MIN || mmId > MmIdSlots.MM_ID_MAX) {
            throw new IllegalArgumentException("mm id " + mmId + " is outside " + MmIdSlots.MM_ID_MIN + ".." + MmIdSlots.MM_ID_MAX);
        }
    }

    static IllegalStateException stillMapped(final String scheme, final long headPfn, final String what) {
        return new IllegalStateException(scheme + ": folio at pfn " + headPfn + " freed while mapped (" + what + ")");
    }
}

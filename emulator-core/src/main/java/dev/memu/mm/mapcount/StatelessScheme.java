package dev.memu.mm.mapcount;

import dev.memu.layout.Layout;

/**
 * A {@link MapcountScheme} that keeps no state in the memmap or the folio memdesc and ignores the
 * rmap events: the references that answer from elsewhere ({@code exact} walks the page tables,
 * test models keep Java maps) and listeners that only watch folios come and go. Runs on every
 * layout. Subclasses override the events they do listen to.
 */
public abstract class StatelessScheme implements MapcountScheme {

    @Override
    public boolean supports(final Layout layout) {
        return true;
    }

    @Override
    public int folioBytes() {
        return 0;
    }

    @Override
    public int pageBytes() {
        return 0;
    }

    @Override
    public void folioCreated(final long folio, final long headPfn, final int order) {
    }

    @Override
    public void folioFreed(final long folio, final long headPfn, final int order) {
    }

    @Override
    public void addPtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                        final int mmId, final long vmaId, final long ptPfn, final boolean exclusive) {
    }

    @Override
    public void removePtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                           final int mmId, final long vmaId, final long ptPfn) {
    }

    @Override
    public void addPmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId,
                       final boolean exclusive) {
    }

    @Override
    public void removePmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId) {
    }

    @Override
    public void markShared(final long folio, final long headPfn, final int order, final int page, final int nr) {
    }
}

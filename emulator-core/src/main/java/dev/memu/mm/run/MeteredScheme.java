package dev.memu.mm.run;

import dev.memu.layout.Layout;
import dev.memu.mm.mapcount.MapcountScheme;

/**
 * Charges everything a scheme does (its own fields, and the probes and walks it asks of the mm
 * layer) to its scope of a {@link ScopedCountingAccess}, then gives the scope back.
 */
final class MeteredScheme implements MapcountScheme, dev.memu.mm.AnonExclusiveListener {

    private final MapcountScheme s;
    private final ScopedCountingAccess acc;
    private final int scope;
    private long errors;
    private String firstError;

    MeteredScheme(final MapcountScheme s, final ScopedCountingAccess acc, final int scope) {
        this.s = s;
        this.acc = acc;
        this.scope = scope;
    }

    MapcountScheme inner() {
        return s;
    }

    /** Events the scheme rejected (threw on); the run goes on, and the count is reported. */
    long errors() {
        return errors;
    }

    String firstError() {
        return firstError;
    }

    private void failed(final RuntimeException e) {
        if (errors++ == 0) {
            firstError = e.getMessage();
        }
    }

    @Override
    public String name() {
        return s.name();
    }

    @Override
    public boolean supports(final Layout layout) {
        return s.supports(layout);
    }

    @Override
    public int folioBytes() {
        return s.folioBytes();
    }

    @Override
    public int pageBytes() {
        return s.pageBytes();
    }

    @Override
    public void folioCreated(final long folio, final long headPfn, final int order) {
        final int p = acc.scope(scope);
        try {
            s.folioCreated(folio, headPfn, order);
        } catch (final RuntimeException e) {
            failed(e);
        }
        acc.scope(p);
    }

    @Override
    public void folioFreed(final long folio, final long headPfn, final int order) {
        final int p = acc.scope(scope);
        try {
            s.folioFreed(folio, headPfn, order);
        } catch (final RuntimeException e) {
            failed(e);
        }
        acc.scope(p);
    }

    @Override
    public void addPtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                        final int mmId, final long vmaId, final long ptPfn, final boolean exclusive) {
        final int p = acc.scope(scope);
        try {
            s.addPtes(folio, headPfn, order, page, nr, mmId, vmaId, ptPfn, exclusive);
        } catch (final RuntimeException e) {
            failed(e);
        }
        acc.scope(p);
    }

    @Override
    public void removePtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                           final int mmId, final long vmaId, final long ptPfn) {
        final int p = acc.scope(scope);
        try {
            s.removePtes(folio, headPfn, order, page, nr, mmId, vmaId, ptPfn);
        } catch (final RuntimeException e) {
            failed(e);
        }
        acc.scope(p);
    }

    @Override
    public void addPmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId,
                       final boolean exclusive) {
        final int p = acc.scope(scope);
        try {
            s.addPmd(folio, headPfn, order, mmId, vmaId, exclusive);
        } catch (final RuntimeException e) {
            failed(e);
        }
        acc.scope(p);
    }

    @Override
    public void removePmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId) {
        final int p = acc.scope(scope);
        try {
            s.removePmd(folio, headPfn, order, mmId, vmaId);
        } catch (final RuntimeException e) {
            failed(e);
        }
        acc.scope(p);
    }

    @Override
    public void markShared(final long folio, final long headPfn, final int order, final int page, final int nr) {
        final int p = acc.scope(scope);
        try {
            s.markShared(folio, headPfn, order, page, nr);
        } catch (final RuntimeException e) {
            failed(e);
        }
        acc.scope(p);
    }

    @Override
    public void markExclusive(final long folio, final long headPfn, final int order, final int page, final int nr) {
        if (s instanceof dev.memu.mm.AnonExclusiveListener l) {
            final int p = acc.scope(scope);
            try {
                l.markExclusive(folio, headPfn, order, page, nr);
            } catch (final RuntimeException e) {
                failed(e);
            }
            acc.scope(p);
        }
    }

    @Override
    public long mapcount(final long folio, final long headPfn, final int order) {
        final int p = acc.scope(scope);
        final long r = s.mapcount(folio, headPfn, order);
        acc.scope(p);
        return r;
    }

    @Override
    public long pageMapcount(final long folio, final long headPfn, final int order, final int page) {
        final int p = acc.scope(scope);
        final long r = s.pageMapcount(folio, headPfn, order, page);
        acc.scope(p);
        return r;
    }

    @Override
    public boolean mappedShared(final long folio, final long headPfn, final int order) {
        final int p = acc.scope(scope);
        final boolean r = s.mappedShared(folio, headPfn, order);
        acc.scope(p);
        return r;
    }

    @Override
    public boolean partiallyMapped(final long folio, final long headPfn, final int order) {
        final int p = acc.scope(scope);
        final boolean r = s.partiallyMapped(folio, headPfn, order);
        acc.scope(p);
        return r;
    }

    @Override
    public boolean mapped(final long folio, final long headPfn, final int order) {
        final int p = acc.scope(scope);
        final boolean r = s.mapped(folio, headPfn, order);
        acc.scope(p);
        return r;
    }
}

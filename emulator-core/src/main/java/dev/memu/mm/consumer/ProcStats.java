package dev.memu.mm.consumer;

import dev.memu.mm.mapcount.MapcountScheme;

/**
 * The /proc figures a kernel running each scheme would report, computed from that scheme's
 * answers, so that their error against the exact figures can be measured:
 * <ul>
 * <li>{@code AnonPages} (/proc/meminfo, NR_ANON_MAPPED): with per-page mapcounts (Linux 6.12
 *     {@code __folio_add_rmap}'s {@code nr}) the pages mapped at least once; without them (6.15
 *     CONFIG_NO_PAGE_MAPCOUNT, the 2026 RFC) "large folios as fully mapped as soon as a single page
 *     is mapped", the whole folio.</li>
 * <li>{@code Pss} (/proc/PID/smaps, fs/proc/task_mmu.c {@code smaps_account}): each page the mm
 *     maps adds PAGE_SIZE / mapcount, with the page's precise mapcount (6.12
 *     {@code folio_precise_page_mapcount}) or the folio's average (6.15 and the RFC:
 *     {@code folio_average_page_mapcount}).</li>
 * <li>{@code Uss} (Private_Clean + Private_Dirty): a page is private when its precise mapcount is 1,
 *     or, without per-page mapcounts, when the folio is not {@code folio_maybe_mapped_shared}.</li>
 * </ul>
 * For the schemes with no per-page mapcount and no average (vma-pt-tuples, troll) memu divides by
 * the scheme's folio mapcount and takes Uss from its mappedShared: neither proposal said how
 * smaps would work.
 *
 * <p>Pss is in pages shifted left by {@link #PSS_SHIFT}, as smaps keeps it in bytes shifted by
 * PSS_SHIFT.
 */
public final class ProcStats {

    /** fs/proc/task_mmu.c PSS_SHIFT. */
    public static final int PSS_SHIFT = 12;

    /** How a scheme's kernel gets a page's mapcount for the figures. */
    public enum Method {
        /** page-mapcount, and exact: every page's own mapcount. */
        PRECISE_PAGE,
        /** no-page-mapcount, mapped-pages: the folio's average per-page mapcount. */
        AVERAGE_PAGE,
        /** vma-pt-tuples, troll: only the folio's count. */
        FOLIO_COUNT
    }

    private ProcStats() {
    }

    public static Method method(final MapcountScheme scheme) {
        return switch (scheme.name()) {
            case "page-mapcount", "exact" -> Method.PRECISE_PAGE;
            case "no-page-mapcount", "mapped-pages" -> Method.AVERAGE_PAGE;
            default -> Method.FOLIO_COUNT;
        };
    }

    /** One anon folio's contribution to AnonPages, in pages. */
    public static long anonPages(final MapcountScheme scheme, final long folio, final long headPfn, final int order) {
        if (method(scheme) == Method.PRECISE_PAGE && order > 0) {
            long mapped = 0;
            for (int p = 0; p < (1 << order); p++) {
                if (scheme.pageMapcount(folio, headPfn, order, p) > 0) {
                    mapped++;
                }
            }
            return mapped;
        }
        return scheme.mapped(folio, headPfn, order) ? 1L << order : 0;
    }

    /** Pss (pages &lt;&lt; PSS_SHIFT) of pages {@code [page, page + nr)} of the folio, which the walked mm maps. */
    public static long pss(final MapcountScheme scheme, final long folio, final long headPfn, final int order,
                           final int page, final int nr) {
        final long one = 1L << PSS_SHIFT;
        return switch (method(scheme)) {
            case PRECISE_PAGE -> {
                long sum = 0;
                for (int p = page; p < page + nr; p++) {
                    sum += one / Math.max(1, scheme.pageMapcount(folio, headPfn, order, p));
                }
                yield sum;
            }
            case AVERAGE_PAGE -> nr * (one / Math.max(1, scheme.pageMapcount(folio, headPfn, order, page)));
            case FOLIO_COUNT -> nr * (one / Math.max(1, scheme.mapcount(folio, headPfn, order)));
        };
    }

    /** Uss (pages) of pages {@code [page, page + nr)} of the folio, which the walked mm maps. */
    public static long uss(final MapcountScheme scheme, final long folio, final long headPfn, final int order,
                           final int page, final int nr) {
        if (method(scheme) == Method.PRECISE_PAGE) {
            long sum = 0;
            for (int p = page; p < page + nr; p++) {
                if (scheme.pageMapcount(folio, headPfn, order, p) == 1) {
                    sum++;
                }
            }
            return sum;
        }
        return scheme.mappedShared(folio, headPfn, order) ? 0 : nr;
    }

    /** A figure summed over a census, for the scheme and the exact reference side by side. */
    public static final class Tally {

        private final String stat;
        private long scheme;
        private long exact;
        private long absoluteError;

        public Tally(final String stat) {
            this.stat = stat;
        }

        /** Adds one contribution (one folio, or one mm's batch). */
        public void add(final long schemeValue, final long exactValue) {
            scheme += schemeValue;
            exact += exactValue;
            absoluteError += Math.abs(schemeValue - exactValue);
        }

        /** Merges another tally of the same figure. */
        public void add(final Tally other) {
            scheme += other.scheme;
            exact += other.exact;
            absoluteError += other.absoluteError;
        }

        public String stat() {
            return stat;
        }

        public long scheme() {
            return scheme;
        }

        public long exact() {
            return exact;
        }

        /** Sum of |scheme - exact| over the contributions (errors that cancel in the totals still count). */
        public long absoluteError() {
            return absoluteError;
        }

        /** (scheme - exact) / exact of the totals, 0 when exact is 0. */
        public double relativeError() {
            return exact == 0 ? 0 : (double) (scheme - exact) / exact;
        }
    }
}

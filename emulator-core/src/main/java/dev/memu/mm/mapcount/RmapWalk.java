package dev.memu.mm.mapcount;

/**
 * What one rmap walk found, accumulated as the walker reports VMAs: the number of VMAs that map
 * the folio, the number of entries (PTEs + PMDs, i.e. the exact folio_mapcount), the mm ids of the
 * first two VMAs, and how many distinct mms map it (counted exactly up to two, then "more").
 *
 * <p>Mutable and reused: a scheme keeps one per thread, so a walk allocates nothing.
 */
public final class RmapWalk {

    /** {@link #distinctMms()} says this when three or more mms map the folio. */
    public static final int MORE_THAN_TWO = 3;

    private int vmas;
    private long mappings;
    private int firstMm;
    private int secondMm;
    private int distinctA;
    private int distinctB;
    private int distinct;

    /** Forgets the previous walk. */
    public RmapWalk reset() {
        vmas = 0;
        mappings = 0;
        firstMm = 0;
        secondMm = 0;
        distinctA = 0;
        distinctB = 0;
        distinct = 0;
        return this;
    }

    /** The walker found VMA {@code vmaId} of mm {@code mmId} mapping the folio with {@code entries} PTEs + PMDs (>= 1). */
    public void vma(final long vmaId, final int mmId, final long entries) {
        if (entries <= 0) {
            throw new IllegalArgumentException("VMA " + vmaId + " reported with " + entries + " entries");
        }
        if (vmas == 0) {
            firstMm = mmId;
        } else if (vmas == 1) {
            secondMm = mmId;
        }
        vmas++;
        mappings += entries;
        if (distinct < MORE_THAN_TWO && mmId != distinctA && mmId != distinctB) {
            if (distinct == 0) {
                distinctA = mmId;
            } else if (distinct == 1) {
                distinctB = mmId;
            }
            distinct++;
        }
    }

    /** VMAs that map at least one page of the folio. */
    public int vmas() {
        return vmas;
    }

    /** PTE + PMD entries that map the folio: the exact folio_mapcount. */
    public long mappings() {
        return mappings;
    }

    /** mm id of the first VMA found (0: none). */
    public int firstMm() {
        return firstMm;
    }

    /** mm id of the second VMA found (0: none). */
    public int secondMm() {
        return secondMm;
    }

    /** Distinct mms mapping the folio: 0, 1, 2, or {@link #MORE_THAN_TWO}. */
    public int distinctMms() {
        return distinct;
    }
}

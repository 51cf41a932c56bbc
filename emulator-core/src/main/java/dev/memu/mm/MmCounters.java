package dev.memu.mm;

/** Event counts of one mm layer: what the workloads did, for reports and tests. */
public final class MmCounters {

    public long faults;
    public long forks;
    public long exits;
    public long munmaps;
    public long dontneeds;
    /** Write faults on a write-protected anon page that copied it (wp_page_copy). */
    public long cowCopies;
    /** Write faults that reused the page in place (wp_page_reuse). */
    public long cowReuses;
    public long pmdSplits;
    /** PMD-sized anon folio allocations that failed (THP_FAULT_FALLBACK). */
    public long thpFallbacks;
    /** mTHP allocations that failed and fell back to a smaller order (MTHP_STAT_ANON_FAULT_FALLBACK). */
    public long mthpFallbacks;
    /** rmap removal calls made by zap (one per run, or per page when unbatched). */
    public long zapBatches;
    /** Anon folios faulted or copied, by order. */
    public final long[] anonFolios = new long[Pte.PMD_ORDER + 1];
    /** Page-cache folios allocated, by order. */
    public final long[] fileFolios = new long[Pte.PMD_ORDER + 1];
}

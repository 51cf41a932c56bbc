package dev.memu.alloc;

import java.util.List;

/**
 * What a walk of an allocator's whole state found.
 *
 * @param freePages      pages found in free blocks
 * @param allocatedPages pages found in live allocations
 * @param managedPages   pages the allocator manages
 * @param problems       one line per inconsistency; empty when the state is sound
 */
public record VerifyReport(long freePages, long allocatedPages, long managedPages, List<String> problems) {

    /** Problems beyond this many are counted, not listed. */
    public static final int MAX_LISTED = 100;

    public boolean ok() {
        return problems.isEmpty();
    }

    @Override
    public String toString() {
        return (ok() ? "ok" : problems.size() + " problem(s)") + ": free " + freePages + " + allocated "
                + allocatedPages + " of " + managedPages + " managed"
                + (ok() ? "" : "\n  " + String.join("\n  ", problems));
    }
}

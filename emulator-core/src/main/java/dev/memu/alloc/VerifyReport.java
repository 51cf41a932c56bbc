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

    /**
     * Adds one problem line to a verifier's list, listing at most {@link #MAX_LISTED} and then
     * one line saying more were found, so a thoroughly broken state still reports in bounded
     * space.
     */
    public static void addProblem(final List<String> problems, final String line) {
        if (problems.size() < MAX_LISTED) {
            problems.add(line);
        } else if (problems.size() == MAX_LISTED) {
            problems.add("... more problems not listed");
        }
    }

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

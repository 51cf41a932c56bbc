/**
 * The consumers of mapcount answers (Ryan Roberts' list for large anon folios, linux-mm 2023):
 * madvise COLD/PAGEOUT/FREE, mlock of PTE-mapped large folios, the deferred split queue, reclaim
 * to swap, compaction. Each decision is a pure function of a scheme's answers plus facts the mm
 * layer knows from its page tables (range coverage, refcount, swap slots), so the same function
 * applied to the exact answers gives the decision a scheme should have made; {@link
 * dev.memu.mm.consumer.DecisionTally} counts where they differ. {@link dev.memu.mm.consumer.ProcStats}
 * gives the /proc figures (AnonPages, Pss, Uss) each kernel configuration would report.
 */
package dev.memu.mm.consumer;

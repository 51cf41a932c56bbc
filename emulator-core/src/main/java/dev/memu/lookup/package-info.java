/**
 * pfn-to-allocation lookup structures for per-allocation layouts ({@code peralloc16-radix},
 * {@code peralloc16-btree}); {@link dev.memu.bench.LookupCost} measures lookup ns,
 * cachelines per lookup and bytes per page for every layout on a kernel-mix state.
 */
package dev.memu.lookup;

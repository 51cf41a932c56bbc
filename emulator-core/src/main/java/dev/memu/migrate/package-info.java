/**
 * Migration and compaction over the {@link dev.memu.alloc.PageAllocator} interface.
 *
 * <pre>{@code
 * Migrator m = new Migrator(alloc, descs);
 * long newPfn = m.migrate(allocatee, vcpu);                       // movable types only
 * CompactionResult r = new Compactor(alloc, descs, m).compact(vcpu);   // order 9 by default
 * r.targetBlocksBefore(); r.targetBlocksAfter();                  // order-9 capacity before/after
 * }</pre>
 */
package dev.memu.migrate;

/**
 * Memory failure: from a bare pfn to its owner and a reaction by type.
 *
 * <pre>{@code
 * PoisonAwareAllocator alloc = new PoisonAwareAllocator(anyPageAllocator);   // wrap once, use everywhere
 * Memdescs descs = new Memdescs(MemdescHeap.forDescriptors(machine, access));
 * MemoryFailure mf = new MemoryFailure(alloc, descs, BackingStore.PATTERN);
 * FailureOutcome out = mf.fail(pfn, vcpu);          // stop-the-world: no other vcpu in the allocator
 * mf.stats();                                        // recovered, lost, lookup ns and cachelines
 * }</pre>
 */
package dev.memu.failure;

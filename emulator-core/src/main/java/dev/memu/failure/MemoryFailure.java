package dev.memu.failure;

import dev.memu.alloc.PageAllocator;
import dev.memu.memdesc.FolioDesc;
import dev.memu.memdesc.MemdescHeader;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;
import dev.memu.migrate.Migrator;
import dev.memu.migrate.PageContents;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code memory_failure(pfn)}: a page went bad. Find its owner from the pfn alone ({@link
 * OwnerLookup}), tell the owner's listeners, react by type, and make sure the page is never
 * handed out again ({@link PoisonAwareAllocator}).
 *
 * <pre>
 * owner type                     reaction                                       counted as
 * free (no owner)                take the page off the allocator                recovered
 * file folio, clean              drop it: re-read from the backing store into   recovered
 *                                a new block, descriptor repointed, old freed
 * file folio, dirty; anon folio  migrate: copy to a new block, checksum, free   recovered
 * slab, page table, netpool,     unrecoverable: PG_hwpoison on the descriptor;  lost
 * zone-device, vmalloc           the page leaves when its owner frees it
 * hwpoison / offline             nothing more                                   recovered
 * any type, made-up allocatee    poisoned, leaves when freed (no descriptor)    lost
 * </pre>
 * The model is soft-offline-like: the bad page's bytes are still readable when they are copied.
 * Stop-the-world: call while no other vcpu allocates or frees.
 */
public final class MemoryFailure {

    private final PoisonAwareAllocator allocator;
    private final Memdescs descs;
    private final OwnerLookup lookup;
    private final Migrator migrator;
    private final BackingStore backing;
    private final MemorySegment ram;
    private final int pageShift;
    private final Map<MemdescType, List<FailureListener>> listeners = new EnumMap<>(MemdescType.class);
    private final FailureStats stats = new FailureStats();

    public MemoryFailure(final PoisonAwareAllocator allocator, final Memdescs descs, final BackingStore backing) {
        this.allocator = allocator;
        this.descs = descs;
        this.lookup = new OwnerLookup(allocator.memmap(), descs, allocator.maxOrder());
        this.migrator = new Migrator(allocator, descs);
        this.backing = backing;
        this.ram = allocator.memmap().machine().ram();
        this.pageShift = allocator.memmap().machine().pageShift();
    }

    public void addListener(final MemdescType type, final FailureListener listener) {
        listeners.computeIfAbsent(type, t -> new ArrayList<>()).add(listener);
    }

    public FailureStats stats() {
        return stats;
    }

    public OwnerLookup lookup() {
        return lookup;
    }

    public Migrator migrator() {
        return migrator;
    }

    public PoisonAwareAllocator allocator() {
        return allocator;
    }

    /** Handles the failure of {@code pfn}; see the class table. */
    public FailureOutcome fail(final long pfn, final int vcpu) {
        final PageOwner owner = lookup.find(pfn);
        final FailureOutcome outcome;
        if (allocator.isPoisoned(pfn)) {
            outcome = new FailureOutcome(owner, FailureAction.ALREADY_POISONED, -1, true);
        } else {
            for (final FailureListener l : listeners.getOrDefault(owner.type(), List.of())) {
                l.pageFailed(owner);
            }
            outcome = react(owner, vcpu);
        }
        stats.record(outcome);
        return outcome;
    }

    private FailureOutcome react(final PageOwner owner, final int vcpu) {
        final long pfn = owner.pfn();
        switch (owner.type()) {
            case FREE -> {
                allocator.poison(pfn, vcpu);
                return new FailureOutcome(owner, FailureAction.TAKEN_OFF_FREE, -1, true);
            }
            case HWPOISON, OFFLINE, NONE -> {
                allocator.poison(pfn, vcpu);
                return new FailureOutcome(owner, FailureAction.NOT_IN_USE, -1, true);
            }
            default -> {
                if (!owner.hasDescriptor()) {
                    allocator.poison(pfn, vcpu);
                    return new FailureOutcome(owner, FailureAction.NO_DESCRIPTOR, -1, true);
                }
            }
        }
        switch (owner.type()) {
            case FILE_FOLIO -> {
                if (!descs.testFlags(owner.allocatee(), MemdescHeader.PG_DIRTY)) {
                    return dropAndReread(owner, vcpu);
                }
                return migrate(owner, vcpu);
            }
            case ANON_FOLIO, MOVABLE, KSM -> {
                return migrate(owner, vcpu);
            }
            default -> {
                // Kernel memory: nobody can move it. Poison the pfn; it leaves when the owner frees it.
                descs.orFlags(owner.allocatee(), MemdescHeader.PG_HWPOISON);
                allocator.poison(pfn, vcpu);
                return new FailureOutcome(owner, FailureAction.UNRECOVERABLE, -1, true);
            }
        }
    }

    private FailureOutcome dropAndReread(final PageOwner owner, final int vcpu) {
        final long allocatee = owner.allocatee();
        final int order = owner.order();
        final long pages = 1L << order;
        final long mapping = descs.getLong(allocatee, FolioDesc.MAPPING);
        final long index = descs.getLong(allocatee, FolioDesc.INDEX);
        allocator.poison(owner.pfn(), vcpu);                 // allocated: taken off when freed below
        final long target = allocator.alloc(order, allocatee, vcpu);
        if (target == PageAllocator.NO_PAGE) {
            descs.orFlags(allocatee, MemdescHeader.PG_HWPOISON);
            return new FailureOutcome(owner, FailureAction.NO_MEMORY, -1, true);
        }
        backing.read(ram, pageShift, target, pages, mapping, index);
        descs.setPfn(allocatee, target);
        allocator.free(owner.headPfn(), order, vcpu);      // drops the old copy, takes the bad page off
        // The re-read is checked against the backing store read into scratch memory.
        final boolean ok = PageContents.checksum(ram, pageShift, target, pages)
                == expectedChecksum(mapping, index, pages);
        migrator.listener().migrated(allocatee, owner.headPfn(), target, order);
        return new FailureOutcome(owner, FailureAction.DROPPED_REREAD, target, ok);
    }

    private long expectedChecksum(final long mapping, final long index, final long pages) {
        // Read the store into a scratch segment of the same page size and checksum it.
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            final MemorySegment scratch = arena.allocate(pages << pageShift, 8);
            backing.read(scratch, pageShift, 0, pages, mapping, index);
            return PageContents.checksum(scratch, pageShift, 0, pages);
        }
    }

    private FailureOutcome migrate(final PageOwner owner, final int vcpu) {
        final long allocatee = owner.allocatee();
        final long pages = 1L << owner.order();
        final long before = PageContents.checksum(ram, pageShift, owner.headPfn(), pages);
        allocator.poison(owner.pfn(), vcpu);
        final long target = migrator.migrate(allocatee, vcpu);   // frees the old block: bad page taken off
        if (target == PageAllocator.NO_PAGE) {
            descs.orFlags(allocatee, MemdescHeader.PG_HWPOISON);
            return new FailureOutcome(owner, FailureAction.NO_MEMORY, -1, true);
        }
        final boolean ok = PageContents.checksum(ram, pageShift, target, pages) == before;
        return new FailureOutcome(owner, FailureAction.MIGRATED, target, ok);
    }
}

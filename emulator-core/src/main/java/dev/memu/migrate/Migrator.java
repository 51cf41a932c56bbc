package dev.memu.migrate;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.alloc.PageAllocator;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescHeader;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;

import java.lang.foreign.MemorySegment;

/**
 * Moves a movable allocation to a new block ({@code migrate_pages} for one folio): allocate a
 * block of the same order for the same allocatee (which writes the new block's memmap entries),
 * copy the bytes, point the descriptor at the new pfn, free the old block (which clears its
 * entries). Owners that keep pfns of their own hear about it through a {@link MigrationListener};
 * owners that go through their descriptor (as memu's workloads do) need nothing.
 *
 * <p>Only the PageAllocator interface is used, so any allocator (buddy, POTAD, PCP) works.
 */
public final class Migrator {

    private final PageAllocator allocator;
    private final Memdescs descs;
    private final Access access;
    private final MemorySegment ram;
    private final int pageShift;
    private MigrationListener listener = MigrationListener.NONE;
    private long migrated;
    private long pagesMoved;
    private long failed;

    public Migrator(final PageAllocator allocator, final Memdescs descs) {
        this.allocator = allocator;
        this.descs = descs;
        this.access = allocator.memmap().access();
        this.ram = allocator.memmap().machine().ram();
        this.pageShift = allocator.memmap().machine().pageShift();
    }

    public void setListener(final MigrationListener listener) {
        this.listener = listener == null ? MigrationListener.NONE : listener;
    }

    public MigrationListener listener() {
        return listener;
    }

    /** Folios and movable pages move; slab, page tables, netpool, zone-device and vmalloc pages do not. */
    public static boolean isMovable(final MemdescType type) {
        return type == MemdescType.FILE_FOLIO || type == MemdescType.ANON_FOLIO
                || type == MemdescType.MOVABLE || type == MemdescType.KSM;
    }

    /**
     * Migrates the allocation named by {@code allocatee} to a block the allocator picks.
     *
     * @return the new first pfn, or {@link PageAllocator#NO_PAGE} when no block was free (nothing changed)
     * @throws IllegalArgumentException when the allocation is not movable or has no descriptor
     */
    public long migrate(final long allocatee, final int vcpu) {
        checkMovable(allocatee);
        final int order = descs.order(allocatee);
        final long target = allocator.alloc(order, allocatee, vcpu);
        if (target == PageAllocator.NO_PAGE) {
            failed++;
            return PageAllocator.NO_PAGE;
        }
        moveTo(allocatee, target, vcpu);
        return target;
    }

    /**
     * Second half of a migration whose target block the caller already allocated for {@code
     * allocatee}: copy, repoint, free the old block.
     */
    public void moveTo(final long allocatee, final long target, final int vcpu) {
        final long old = descs.pfn(allocatee);
        final int order = descs.order(allocatee);
        descs.orFlags(allocatee, MemdescHeader.PG_ISOLATED);
        access.copy(Region.PAGE_DATA, ram, old << pageShift, Region.PAGE_DATA, ram, target << pageShift,
                1L << (order + pageShift));
        descs.setPfn(allocatee, target);
        allocator.free(old, order, vcpu);
        descs.clearFlags(allocatee, MemdescHeader.PG_ISOLATED);
        migrated++;
        pagesMoved += 1L << order;
        listener.migrated(allocatee, old, target, order);
    }

    void checkMovable(final long allocatee) {
        final MemdescType type = Allocatee.type(allocatee);
        if (type == null || !isMovable(type) || Allocatee.descriptor(allocatee) == 0) {
            throw new IllegalArgumentException("allocatee 0x" + Long.toHexString(allocatee) + " (" + type
                    + ") is not a movable allocation with a descriptor");
        }
    }

    public long migrated() {
        return migrated;
    }

    public long pagesMoved() {
        return pagesMoved;
    }

    /** Migrations that found no target block. */
    public long failed() {
        return failed;
    }
}

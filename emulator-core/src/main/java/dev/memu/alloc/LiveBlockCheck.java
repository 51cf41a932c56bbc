package dev.memu.alloc;

import dev.memu.layout.Memmap;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

/**
 * The argument checks of the {@link PageAllocator} contract, shared by every allocator that keeps
 * allocations in a memmap: what an allocation may be owned by, and whether a free names exactly
 * one live allocation. The free check reads only the memmap entry of {@code pfn} (one line), as
 * Linux's {@code free_pages_prepare} checks read only the freed page, and throws before anything
 * changes.
 */
public final class LiveBlockCheck {

    private LiveBlockCheck() {
    }

    /** @throws IllegalArgumentException for an order outside 0..maxOrder or a bad allocatee */
    public static void allocation(final int order, final int maxOrder, final long allocatee) {
        if (order < 0 || order > maxOrder) {
            throw new IllegalArgumentException("order " + order + " is outside 0.." + maxOrder);
        }
        allocatee(allocatee);
    }

    /** @throws IllegalArgumentException unless {@code allocatee} is a tagged pointer of a known type, neither none nor free */
    public static void allocatee(final long allocatee) {
        if (!Allocatee.isValid(allocatee) || allocatee == Allocatee.NONE || Allocatee.type(allocatee) == null
                || Allocatee.tag(allocatee) == MemdescType.FREE.tag()) {
            throw new IllegalArgumentException("allocatee 0x" + Long.toHexString(allocatee)
                    + " must be a tagged pointer of a known type that is neither none nor free");
        }
    }

    /**
     * Checks that {@code pfn} heads a live allocation of exactly {@code order} among {@code pages}
     * managed pages, in this order: order in range, block in range (written so that no pfn, however
     * large, overflows), alignment, then the memmap's record of the allocation.
     *
     * @throws BadFreeException naming what is wrong
     */
    public static void free(final Memmap memmap, final long pages, final int maxOrder, final long pfn, final int order) {
        placement(pages, maxOrder, pfn, order);
        allocated(memmap, pfn, order);
    }

    /**
     * The first three checks of {@link #free}: order in range, block in range (no pfn, however
     * large, overflows), alignment. Reads nothing.
     *
     * @throws BadFreeException naming what is wrong
     */
    public static void placement(final long pages, final int maxOrder, final long pfn, final int order) {
        if (order < 0 || order > maxOrder) {
            throw new BadFreeException(BadFreeException.Kind.BAD_ORDER, pfn, order, "order is outside 0.." + maxOrder);
        }
        if (pfn < 0 || pfn > pages - (1L << order)) {
            throw new BadFreeException(BadFreeException.Kind.OUT_OF_RANGE, pfn, order,
                    "block is outside the " + pages + " managed pages");
        }
        if ((pfn & ((1L << order) - 1)) != 0) {
            throw new BadFreeException(BadFreeException.Kind.MISALIGNED, pfn, order,
                    "pfn is not aligned to 2^" + order + " pages");
        }
    }

    /**
     * The last check of {@link #free}: the memmap records a live allocation of exactly {@code
     * order} headed by {@code pfn} (the caller has checked the placement).
     *
     * @throws BadFreeException naming what is wrong
     */
    public static void allocated(final Memmap memmap, final long pfn, final int order) {
        final int allocated = memmap.allocatedOrder(pfn);
        if (allocated < 0) {
            if (memmap.allocatee(pfn) == Allocatee.NONE) {
                throw new BadFreeException(BadFreeException.Kind.DOUBLE_FREE, pfn, order, "page is already free");
            }
            throw new BadFreeException(BadFreeException.Kind.NOT_ALLOCATED, pfn, order,
                    "pfn is inside an allocation but not its head");
        }
        if (allocated != order) {
            throw new BadFreeException(BadFreeException.Kind.WRONG_ORDER, pfn, order,
                    "allocation there has order " + allocated);
        }
    }
}

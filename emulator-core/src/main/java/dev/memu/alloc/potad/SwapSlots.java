package dev.memu.alloc.potad;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.VerifyReport;
import dev.memu.machine.Footprint;
import dev.memu.machine.NativeMemory;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * The slots of an emulated swap device (Linux {@code swap_map}'s job), managed by the same
 * lock-free {@link PotadCore} as RAM: a resource with no memory behind it, so nothing records an
 * allocatee and there is no memmap. {@code --swap 64G} with 4 KiB slots is 16 Mi slots, 2 MiB
 * of bits and 256 KiB of entries.
 *
 * <p><b>Accounting.</b> The core's metadata is mapped in this object's own arena and reported in
 * its own {@link Footprint} (region {@code allocator}), never in the machine's: bytes per RAM
 * page must not grow because a swap device was configured. Callers report
 * {@link #metadataBytes()} separately, e.g. as bytes per swap slot.
 *
 * <p><b>Checks.</b> A free is checked at the level of bits and entries (see {@link
 * PotadCore#free}): out of range, misaligned, bad order, double free, a small-order free inside a
 * huge block, a huge free of the wrong order. With no per-allocation record, a free of one slot
 * inside a live order-3 cluster looks legal, as it does to Linux's per-slot {@code swap_map}.
 */
public final class SwapSlots implements AutoCloseable {

    /** Returned by {@link #alloc} when no block of slots of the order is free. */
    public static final long NO_SLOT = PotadCore.NO_FRAME;

    private final Arena arena = Arena.ofShared();
    private final Footprint footprint = new Footprint();
    private final PotadCore core;

    /**
     * @param slots    number of slots (device bytes / slot size)
     * @param vcpus    vcpus that may call in
     * @param maxOrder largest cluster order, or -1 for all of the device
     * @param access   the access layer (counting or plain)
     */
    public SwapSlots(final long slots, final int vcpus, final int maxOrder, final Access access) {
        this.core = new PotadCore(access, slots, vcpus, maxOrder, bytes -> {
            final var segment = NativeMemory.map(bytes, arena);
            footprint.add(Region.ALLOCATOR, segment.byteSize());
            return segment;
        });
    }

    /** A device of {@code deviceBytes} in slots of {@code 1 << slotShift} bytes (12: 4 KiB). */
    public static SwapSlots ofDevice(final long deviceBytes, final int slotShift, final int vcpus, final Access access) {
        if (deviceBytes < (1L << slotShift) || (deviceBytes & ((1L << slotShift) - 1)) != 0) {
            throw new IllegalArgumentException("swap size " + deviceBytes + " is not a positive multiple of the "
                    + (1L << slotShift) + "-byte slot");
        }
        return new SwapSlots(deviceBytes >>> slotShift, vcpus, -1, access);
    }

    public long slots() {
        return core.frames();
    }

    public int maxOrder() {
        return core.maxOrder();
    }

    /** Allocates 2^order adjacent slots, aligned; returns the first or {@link #NO_SLOT}. */
    public long alloc(final int order, final int vcpu) {
        return core.alloc(order, vcpu);
    }

    /**
     * Frees 2^order slots at {@code slot}.
     *
     * @throws BadFreeException when they are not an allocated block of that order; nothing changes
     */
    public void free(final long slot, final int order, final int vcpu) {
        final BadFreeException.Kind kind = core.free(slot, order);
        if (kind != null) {
            throw new BadFreeException(kind, slot, order, "swap slot" + (order > 0 ? "s" : "")
                    + " not allocated as an order-" + order + " block (" + kind + ")");
        }
    }

    public long freeSlots() {
        return core.freeFrames();
    }

    public long[] freeBlocksByOrder() {
        return core.freeBlocksByOrder();
    }

    public void releaseReservation(final int vcpu) {
        core.releaseReservation(vcpu);
    }

    public PotadCore core() {
        return core;
    }

    /** Off-heap bytes of this device's allocator metadata (its own footprint, not the machine's). */
    public long metadataBytes() {
        return footprint.metadataBytes();
    }

    public Footprint footprint() {
        return footprint;
    }

    public VerifyReport verify() {
        final List<String> problems = new ArrayList<>();
        final long free = core.verify(problems);
        if (free != core.freeFrames()) {
            VerifyReport.addProblem(problems, "tokens count " + core.freeFrames() + " free slots but the bits hold " + free);
        }
        return new VerifyReport(free, core.frames() - free, core.frames(), problems);
    }

    @Override
    public void close() {
        arena.close();
    }
}

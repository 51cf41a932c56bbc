package dev.memu.alloc.potad;

import dev.memu.access.FieldLabeler;
import dev.memu.access.Region;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Memmap;
import dev.memu.machine.Machine;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * What {@link PotadAllocator} and {@link PotadNodescAllocator} share: one {@link PotadCore} over
 * the machine's RAM pages, its words in the allocator region, and the queries and vcpu hooks that
 * only forward to it. {@code alloc} and {@code free}, where the two differ (the memmap written
 * and checked, or not), stay in each final subclass, so a call site sees one receiver class and
 * the hot path gains no branch or extra call.
 */
abstract sealed class PotadBase implements PageAllocator, FieldLabeler permits PotadAllocator, PotadNodescAllocator {

    final Memmap memmap;
    final PotadCore core;
    final long pages;

    PotadBase(final Memmap memmap, final AllocatorOptions options) {
        final Machine machine = memmap.machine();
        this.memmap = memmap;
        this.pages = machine.pages();
        this.core = new PotadCore(memmap.access(), pages, options.vcpus(), options.maxOrder(),
                bytes -> machine.allocate(Region.ALLOCATOR, bytes));
    }

    @Override
    public final Memmap memmap() {
        return memmap;
    }

    /** The lock-free frame allocator underneath (for sub-page blocks, benchmarks, checks). */
    public final PotadCore core() {
        return core;
    }

    @Override
    public final int maxOrder() {
        return core.maxOrder();
    }

    @Override
    public final long managedPages() {
        return pages;
    }

    @Override
    public final long freePages() {
        return core.freeFrames();
    }

    /**
     * The vcpu's region reservation goes back to the shared entries ({@link
     * PotadCore#releaseReservation}): its tokens become visible to every vcpu and its region can
     * be reserved by another vcpu or claimed whole.
     */
    @Override
    public final void vcpuOffline(final int vcpu) {
        core.releaseReservation(vcpu);
    }

    @Override
    public final long[] freeBlocksByOrder() {
        return core.freeBlocksByOrder();
    }

    /**
     * The core's own check (bits against entries and reservations) and its free-token count
     * against the bits, problems added to {@code problems}.
     *
     * @return the free frames the bits hold
     */
    final long verifyCore(final List<String> problems) {
        final long freeFound = core.verify(problems);
        final long free = core.freeFrames();
        if (free != freeFound) {
            VerifyReport.addProblem(problems, "tokens count " + free + " free pages but the bits hold " + freeFound);
        }
        return freeFound;
    }

    /** The core's words ({@link PotadCore#labelFields}); the memmap labels itself. */
    @Override
    public final void labelFields(final MemorySegment segment, final long offset, final long bytes,
                                  final List<String> out) {
        core.labelFields(segment, offset, bytes, out);
    }
}

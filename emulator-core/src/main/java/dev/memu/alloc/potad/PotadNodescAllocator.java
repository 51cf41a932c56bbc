package dev.memu.alloc.potad;

import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.LiveBlockCheck;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Memmap;

import java.util.ArrayList;
import java.util.List;

/**
 * POTAD as a frame allocator only ({@code potad-nodesc}): the same lock-free {@link PotadCore}
 * over RAM pages as {@link PotadAllocator}, but no allocatee is recorded anywhere. It exists for a
 * like-for-like row against LLFree, which records nothing per page either: what POTAD's own
 * metadata costs, apart from what the descriptor layout costs.
 *
 * <p>Why an allocator and not a layout {@code none}: a layout is shared by every allocator, and
 * the buddy allocator keeps its free marks in the memmap, so a layout recording nothing could not
 * serve it. POTAD keeps all its free state outside the memmap already; leaving the memmap out is
 * a property of this allocator alone.
 *
 * <p>What it gives up, as LLFree does: {@link #memmap()} is bound (so consumers that need a
 * layout still get one) but never written, so every page reads as unowned there, and frees are
 * checked against the bitfields and region entries only ({@link PotadCore#free}): a double free,
 * a free of a huge block's tail or a free of a block of 2^order frames that are not all allocated
 * is rejected with {@link BadFreeException} and changes nothing, but an order-0 free of one page
 * inside a live order-3 block cannot be told from a legal one (LLFree's check has the same hole).
 * Order-0 cost: alloc touches the vcpu's slot line and one bitfield line, free one bitfield line
 * and the region's entry line.
 */
public final class PotadNodescAllocator extends PotadBase {

    public PotadNodescAllocator(final Memmap memmap, final AllocatorOptions options) {
        super(memmap, options);
    }

    @Override
    public String name() {
        return "potad-nodesc";
    }

    /** Claims a block; {@code allocatee} is checked like every allocator's and then dropped. */
    @Override
    public long alloc(final int order, final long allocatee, final int vcpu) {
        LiveBlockCheck.allocatee(allocatee);
        final long pfn = core.alloc(order, vcpu);
        return pfn == PotadCore.NO_FRAME ? NO_PAGE : pfn;
    }

    /** @throws BadFreeException when the bits do not show the whole block allocated; nothing changes then */
    @Override
    public void free(final long pfn, final int order, final int vcpu) {
        final BadFreeException.Kind kind = core.free(pfn, order);
        if (kind != null) {
            throw new BadFreeException(kind, pfn, order, "rejected by the POTAD bitfield check");
        }
    }

    /** The core's own check: bits against entries and reservations (nothing in the memmap to check). */
    @Override
    public VerifyReport verify() {
        final List<String> problems = new ArrayList<>();
        final long freeFound = verifyCore(problems);
        return new VerifyReport(freeFound, pages - freeFound, pages, problems);
    }
}

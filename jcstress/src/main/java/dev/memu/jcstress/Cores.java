package dev.memu.jcstress;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.potad.PotadCore;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Small POTAD cores for the races: plain access, metadata in heap segments over {@code long[]}
 * (8-byte aligned, so the atomic VarHandle modes work on them) so that the millions of states
 * jcstress creates cost a few hundred bytes each and go away with the GC instead of piling up
 * as mappings. The allocator code is the same; only where its words live differs.
 */
final class Cores {

    private Cores() {
    }

    static PotadCore core(final long frames, final int vcpus) {
        return new PotadCore(PlainAccess.INSTANCE, frames, vcpus, -1,
                bytes -> MemorySegment.ofArray(new long[(int) ((bytes + 7) >>> 3)]));
    }

    /** Allocates every frame of region 0 (512 frames) but frame 1, frame 0 as an order-0 block. */
    static void fillButFrame1(final PotadCore core) {
        boolean ok = core.claimAt(0, 0);
        for (int order = 1; order <= 8; order++) {
            ok &= core.claimAt(1L << order, order);
        }
        if (!ok || core.freeFrames() != 1) {
            throw new IllegalStateException("set-up could not fill the region");
        }
    }

    /** 1 when the core's own check finds nothing and the bits agree with the tokens, else 0. */
    static int sound(final PotadCore core) {
        final List<String> problems = new ArrayList<>();
        final long free = core.verify(problems);
        return problems.isEmpty() && free == core.freeFrames() ? 1 : 0;
    }
}

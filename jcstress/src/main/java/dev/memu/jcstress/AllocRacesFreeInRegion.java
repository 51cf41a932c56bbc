package dev.memu.jcstress;

import dev.memu.alloc.potad.PotadCore;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * An alloc races a free in the same region, on the same bitfield word. The region is full but
 * for frame 1; vcpu 0 frees frame 0 while vcpu 1 allocates. The allocator must get frame 1 (free
 * all along) or frame 0 (if the free came first), never fail, and the tokens must end equal to
 * the one free frame left.
 */
@JCStressTest
@Outcome(id = "1, 0, 1", expect = Expect.ACCEPTABLE, desc = "alloc took frame 1, the one free all along")
@Outcome(id = "1, 1, 1", expect = Expect.ACCEPTABLE, desc = "free came first; alloc took the just-freed frame 0")
@Outcome(expect = Expect.FORBIDDEN, desc = "alloc failed, free refused, or state inconsistent")
@State
public class AllocRacesFreeInRegion {

    private final PotadCore core = Cores.core(512, 2);

    public AllocRacesFreeInRegion() {
        Cores.fillButFrame1(core);
    }

    @Actor
    public void vcpu0(final III_Result r) {
        r.r1 = core.free(0, 0) == null ? 1 : 0;
    }

    @Actor
    public void vcpu1(final III_Result r) {
        final long frame = core.alloc(0, 1);
        r.r2 = frame == 1 ? 0 : frame == 0 ? 1 : (int) frame;
    }

    @Arbiter
    public void check(final III_Result r) {
        r.r3 = Cores.sound(core) & (core.freeFrames() == 1 ? 1 : 0);
    }
}

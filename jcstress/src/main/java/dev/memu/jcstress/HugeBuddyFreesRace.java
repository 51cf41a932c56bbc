package dev.memu.jcstress;

import dev.memu.alloc.potad.PotadCore;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Two vcpus free two buddy order-9 blocks (two whole regions) at once: both region entries go
 * back to "all free" and the pair is allocatable as one order-10 block.
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 1", expect = Expect.ACCEPTABLE, desc = "both frees succeed, order 10 whole again")
@Outcome(expect = Expect.FORBIDDEN, desc = "a free was lost, refused, or left the state inconsistent")
@State
public class HugeBuddyFreesRace {

    private final PotadCore core = Cores.core(1024, 2);

    public HugeBuddyFreesRace() {
        if (core.alloc(9, 0) < 0 || core.alloc(9, 0) < 0) {
            throw new IllegalStateException("set-up did not get two order-9 blocks");
        }
    }

    @Actor
    public void vcpu0(final IIII_Result r) {
        r.r1 = core.free(0, 9) == null ? 1 : 0;
    }

    @Actor
    public void vcpu1(final IIII_Result r) {
        r.r2 = core.free(512, 9) == null ? 1 : 0;
    }

    @Arbiter
    public void check(final IIII_Result r) {
        r.r3 = Cores.sound(core) & (core.freeFrames() == 1024 ? 1 : 0);
        r.r4 = core.alloc(10, 0) == 0 ? 1 : 0;
    }
}

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
 * Two vcpus free the two order-0 buddies of one pair at once: their bits share one word, so the
 * two CASes collide. Both frees must succeed and the region must end whole: every frame free,
 * tokens matching bits, and the whole region allocatable as one order-9 block again.
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 1", expect = Expect.ACCEPTABLE, desc = "both frees succeed, region whole again")
@Outcome(expect = Expect.FORBIDDEN, desc = "a free was lost, refused, or left the state inconsistent")
@State
public class BuddyFreesRace {

    private final PotadCore core = Cores.core(512, 2);

    public BuddyFreesRace() {
        if (core.alloc(0, 0) != 0 || core.alloc(0, 0) != 1) {
            throw new IllegalStateException("set-up did not get pfns 0 and 1");
        }
        core.releaseReservation(0);
    }

    @Actor
    public void vcpu0(final IIII_Result r) {
        r.r1 = core.free(0, 0) == null ? 1 : 0;
    }

    @Actor
    public void vcpu1(final IIII_Result r) {
        r.r2 = core.free(1, 0) == null ? 1 : 0;
    }

    @Arbiter
    public void check(final IIII_Result r) {
        r.r3 = Cores.sound(core) & (core.freeFrames() == 512 ? 1 : 0);
        r.r4 = core.alloc(9, 0) == 0 ? 1 : 0;
    }
}

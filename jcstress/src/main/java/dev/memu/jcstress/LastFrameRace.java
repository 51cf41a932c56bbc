package dev.memu.jcstress;

import dev.memu.alloc.potad.PotadCore;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/** Two vcpus race for the last free frame: exactly one of them gets it. */
@JCStressTest
@Outcome(id = "1, -1, 1", expect = Expect.ACCEPTABLE, desc = "vcpu 0 won")
@Outcome(id = "-1, 1, 1", expect = Expect.ACCEPTABLE, desc = "vcpu 1 won")
@Outcome(expect = Expect.FORBIDDEN, desc = "both or neither got it, or state inconsistent")
@State
public class LastFrameRace {

    private final PotadCore core = Cores.core(512, 2);

    public LastFrameRace() {
        Cores.fillButFrame1(core);
    }

    @Actor
    public void vcpu0(final III_Result r) {
        r.r1 = (int) core.alloc(0, 0);
    }

    @Actor
    public void vcpu1(final III_Result r) {
        r.r2 = (int) core.alloc(0, 1);
    }

    @Arbiter
    public void check(final III_Result r) {
        r.r3 = Cores.sound(core) & (core.freeFrames() == 0 ? 1 : 0);
    }
}

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
 * vcpu 0 steals vcpu 1's reservation while vcpu 1 allocates and frees in it. Two regions: region
 * 0 is full, vcpu 1 reserves region 1 and holds frame 512 (511 tokens in its reservation word).
 * vcpu 0 can only allocate by taking that reservation back; vcpu 1 meanwhile allocates a page
 * (its token CAS races vcpu 0's CAS of the same word) and frees frame 512 (its entry update
 * races the thief giving the tokens back). Both must end with distinct frames of region 1 (vcpu 0
 * may get frame 512 itself once it is free), and
 * the bits, entries and reservation words must agree; vcpu 1 may fail only in the one window the
 * protocol leaves open while not quiescent (it scanned between the thief's CAS of its word and
 * the thief's return of the tokens to the entry).
 */
@JCStressTest
@Outcome(id = "1, 1, 1", expect = Expect.ACCEPTABLE, desc = "both allocated in region 1, state sound")
@Outcome(id = "1, 0, 1", expect = Expect.ACCEPTABLE_INTERESTING,
        desc = "vcpu 1 scanned inside the thief's window (its word gone, tokens not yet back): NO_FRAME while not quiescent")
@Outcome(expect = Expect.FORBIDDEN, desc = "the thief failed, a frame twice or outside region 1, or state inconsistent")
@State
public class ReservationStealRace {

    private final PotadCore core = Cores.core(1024, 2);
    private long frame0;
    private long frame1;

    public ReservationStealRace() {
        boolean full = core.claimAt(0, 0) && core.claimAt(1, 0);
        for (int order = 1; order <= 8; order++) {
            full &= core.claimAt(1L << order, order);
        }
        if (!full || core.freeFrames() != 512 || core.alloc(0, 1) != 512 || core.reservedRegionOf(1) != 1) {
            throw new IllegalStateException("set-up: region 0 full, vcpu 1 reserving region 1 and holding frame 512");
        }
    }

    @Actor
    public void vcpu0(final III_Result r) {
        frame0 = core.alloc(0, 0);
        r.r1 = inRegion1(frame0);
    }

    @Actor
    public void vcpu1(final III_Result r) {
        frame1 = core.alloc(0, 1);
        r.r2 = inRegion1(frame1);
        if (core.free(512, 0) != null) {
            r.r2 = 3;
        }
    }

    /** 1: a frame of region 1 (512 too: vcpu 0 may get it once vcpu 1 freed it); 0: NO_FRAME; 2: anything else. */
    private static int inRegion1(final long frame) {
        return frame == PotadCore.NO_FRAME ? 0 : frame >= 512 && frame < 1024 ? 1 : 2;
    }

    @Arbiter
    public void check(final III_Result r) {
        final long live = (frame0 == PotadCore.NO_FRAME ? 0 : 1) + (frame1 == PotadCore.NO_FRAME ? 0 : 1);
        final boolean distinct = frame0 != frame1 || frame0 == PotadCore.NO_FRAME;
        r.r3 = Cores.sound(core) & (core.freeFrames() == 512 - live && distinct ? 1 : 0);
    }
}

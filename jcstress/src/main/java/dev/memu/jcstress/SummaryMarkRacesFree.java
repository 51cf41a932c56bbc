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
 * The summary's marker races its raiser (PotadSummary's M1, M2 against R1, R2), on both levels.
 * Region 0 is full of small blocks, regions 1..63 are huge (marked), region 64 is free. vcpu 0's
 * allocation searches from region 0: it finds region 0 without tokens, marks it, and so makes
 * summary word 0 all ones and marks it in the top level, then reserves region 64. Meanwhile a
 * free of frame 5 gives region 0 its first token and clears what it finds marked. Whatever the
 * interleaving, at the end no mark may sit on a region with tokens, and no top bit on a word that
 * is not all ones (checked by {@code verify}), and the allocation gets frame 5 (the free came
 * first) or the first frame of region 64.
 */
@JCStressTest
@Outcome(id = "1, 0, 1", expect = Expect.ACCEPTABLE, desc = "the search passed region 0 before the free: region 64")
@Outcome(id = "1, 1, 1", expect = Expect.ACCEPTABLE, desc = "the free came first: frame 5")
@Outcome(expect = Expect.FORBIDDEN, desc = "a stale mark, a wrong frame, or a refused free")
@State
public class SummaryMarkRacesFree {

    private static final long REGION = PotadCore.REGION_FRAMES;

    private final PotadCore core = Cores.core(65 * REGION, 1);

    public SummaryMarkRacesFree() {
        boolean ok = core.claimAt(0, 0) & core.claimAt(1, 0);
        for (int order = 1; order < PotadCore.REGION_ORDER; order++) {
            ok &= core.claimAt(1L << order, order);
        }
        for (long r = 1; r < 64; r++) {
            ok &= core.claimAt(r * REGION, PotadCore.REGION_ORDER);
        }
        if (!ok || core.freeFrames() != REGION) {
            throw new IllegalStateException("set-up could not fill regions 0..63");
        }
    }

    @Actor
    public void free(final III_Result r) {
        r.r1 = core.free(5, 0) == null ? 1 : 0;
    }

    @Actor
    public void vcpu0(final III_Result r) {
        final long frame = core.alloc(0, 0);
        r.r2 = frame == 64 * REGION ? 0 : frame == 5 ? 1 : -2 - (int) Math.min(frame, 1000);
    }

    @Arbiter
    public void check(final III_Result r) {
        r.r3 = Cores.sound(core);
    }
}

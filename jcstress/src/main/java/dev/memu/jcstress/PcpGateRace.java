package dev.memu.jcstress;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.pcp.PcpGate;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

import java.lang.foreign.MemorySegment;

/**
 * The PCP drain protocol: a vcpu's owner (no lock, no atomic read-modify-write: a volatile store
 * then a volatile load) against a drainer (CAS, then wait for the owner to be outside). Each
 * changes a plain counter while it holds the lists; if both could hold them at once, one update
 * would be lost or torn.
 */
@JCStressTest
@Outcome(id = "11", expect = Expect.ACCEPTABLE, desc = "owner and drainer each held the lists alone")
@Outcome(expect = Expect.FORBIDDEN, desc = "both held the lists at once: an update was lost")
@State
public class PcpGateRace {

    private final PcpGate gate = new PcpGate(PlainAccess.INSTANCE, MemorySegment.ofArray(new long[2]));
    private int lists;

    @Actor
    public void owner() {
        gate.enter(0);
        lists = lists + 1;
        gate.exit(0);
    }

    @Actor
    public void drainer() {
        gate.lockRemote(0, 1);
        lists = lists + 10;
        gate.unlockRemote(0);
    }

    @Arbiter
    public void check(final I_Result r) {
        r.r1 = lists;
    }
}

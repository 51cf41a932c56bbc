package dev.memu.alloc.pcp;

import dev.memu.access.PlainAccess;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The drain protocol alone (the smallest race, jcstress-style but as a JUnit stress): an owner
 * and two drainers each do a plain, non-atomic read-modify-write of the same per-vcpu word inside
 * their critical sections ({@code enter/exit} for the owner, {@code lockRemote/unlockRemote} for
 * drainers). With mutual exclusion no increment is lost; any overlap of an owner operation with a
 * drain, or of two drains, loses one sooner or later. Each section also marks a second plain word
 * on entry and checks it on exit, which catches an overlap even when no increment happens to be
 * lost. A stress test only samples interleavings: the store-load reordering
 * that a missing fence at O1 would allow lasts a few nanoseconds and is rarely hit here (weakening
 * O1 to a release store did not fail in a trial run); the ordering argument in {@link PcpAllocator}
 * is what covers it, and jcstress would be the tool to sample it densely.
 */
class PcpProtocolStressTest {

    private static final long OWNER = 100;

    /** Marks the section taken, in a plain word no protocol touches (the drains statistic). */
    private static void occupy(final PerCpuPages lists, final long base, final long who) {
        final long occupant = lists.stat(base, PerCpuPages.DRAINS);
        if (occupant != 0) {
            throw new AssertionError(who + " entered while " + occupant + " is inside");
        }
        lists.addStat(base, PerCpuPages.DRAINS);                 // 0 -> 1 ...
        lists.addStat(base, PerCpuPages.DRAINS);                 // ... -> 2: only the occupant moves it
    }

    private static void leave(final PerCpuPages lists, final long base, final long who) {
        final long occupant = lists.stat(base, PerCpuPages.DRAINS);
        if (occupant != 2) {
            throw new AssertionError(who + " found the section word at " + occupant + ": someone else was inside");
        }
        lists.setCount(base, lists.count(base));                 // no-op store: keeps the section non-empty
        resetOccupant(lists, base);
    }

    private static void resetOccupant(final PerCpuPages lists, final long base) {
        lists.clearStatForTest(base, PerCpuPages.DRAINS);
    }

    @Test
    void ownerAndDrainersNeverOverlap() throws Exception {
        try (Machine machine = Machine.create(1 << 20)) {
            final ArrayPerCpuPages lists = new ArrayPerCpuPages(machine, PlainAccess.INSTANCE, 2, new int[] {16, 1, 1, 1, 1});
            final long base = lists.base(0);
            final int ownerOps = 1_000_000;
            final int drainerOps = 50_000;
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CountDownLatch go = new CountDownLatch(1);
            final Thread owner = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < ownerOps; i++) {
                        lists.enter(base);
                        try {
                            occupy(lists, base, OWNER);
                            lists.setCount(base, lists.count(base) + 1);
                            leave(lists, base, OWNER);
                        } finally {
                            lists.exit(base);
                        }
                    }
                } catch (final Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "protocol-owner");
            final Thread[] drainers = new Thread[2];
            for (int d = 0; d < drainers.length; d++) {
                final long who = d + 1;
                drainers[d] = new Thread(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < drainerOps; i++) {
                            lists.lockRemote(base, who);
                            try {
                                occupy(lists, base, who);
                                final int c = lists.count(base);
                                Thread.onSpinWait();
                                lists.setCount(base, c + 1);
                                leave(lists, base, who);
                            } finally {
                                lists.unlockRemote(base);
                            }
                        }
                    } catch (final Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "protocol-drainer-" + who);
            }
            owner.start();
            for (final Thread t : drainers) {
                t.start();
            }
            go.countDown();
            owner.join(120_000);
            assertFalse(owner.isAlive(), "the owner did not finish");
            for (final Thread t : drainers) {
                t.join(120_000);
                assertFalse(t.isAlive(), t.getName() + " did not finish");
            }
            assertNull(failure.get(), () -> "failed: " + failure.get());
            lists.enter(base);                                   // this thread now acts as the owner
            assertEquals(ownerOps + drainers.length * drainerOps, lists.count(base), "increments lost: the sections overlapped");
            lists.exit(base);
        }
    }
}

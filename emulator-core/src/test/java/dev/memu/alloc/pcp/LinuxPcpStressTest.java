package dev.memu.alloc.pcp;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static dev.memu.alloc.pcp.PcpFixture.owner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * buddy+pcp's owners racing a drainer that takes their {@code pcp->lock} ({@code drain_all_pages}):
 * an owner whose trylock fails goes to the buddy directly, as Linux does. Every block handed out
 * is claimed in a test-side bitmap with CAS, so a block handed out twice fails at once; at
 * quiescence the verifier must pass and every page must be free again. {@code -Dmemu.stress.ops}
 * scales the run (default 20000 ops per owner).
 */
class LinuxPcpStressTest {

    private static final int OPS = Integer.getInteger("memu.stress.ops", 20_000);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"linux64", "memdesc8", "memdesc16"})
    void ownersRacingADrainerNeverShareABlock(final String layout) throws InterruptedException {
        try (Machine machine = Machine.create(16L << 20)) {
            final LinuxPcpAllocator pcp = new LinuxPcpAllocator(Layouts.byName(layout).bind(machine, PlainAccess.INSTANCE),
                    new AllocatorOptions(AllocatorOptions.DEFAULT, 3, 24, 4));
            final AtomicLongArray held = new AtomicLongArray((int) (machine.pages() / 64));
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final AtomicBoolean done = new AtomicBoolean();
            final CountDownLatch start = new CountDownLatch(1);
            final List<Thread> owners = new ArrayList<>();
            for (int vcpu = 0; vcpu < 2; vcpu++) {
                final int me = vcpu;
                owners.add(new Thread(() -> {
                    try {
                        start.await();
                        final Random random = new Random(me);
                        final List<long[]> mine = new ArrayList<>();
                        for (int i = 0; i < OPS; i++) {
                            if (mine.isEmpty() || (mine.size() < 200 && random.nextBoolean())) {
                                final int order = random.nextInt(10) < 8 ? 0 : random.nextInt(4);
                                final long pfn = pcp.alloc(order, owner(i + 1), me);
                                if (pfn != PageAllocator.NO_PAGE) {
                                    claim(held, pfn, order);
                                    mine.add(new long[] {pfn, order});
                                }
                            } else {
                                final long[] block = mine.remove(random.nextInt(mine.size()));
                                release(held, block[0], (int) block[1]);
                                pcp.free(block[0], (int) block[1], me);
                            }
                        }
                        for (final long[] block : mine) {
                            release(held, block[0], (int) block[1]);
                            pcp.free(block[0], (int) block[1], me);
                        }
                    } catch (final Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }, "owner-" + vcpu));
            }
            final Thread drainer = new Thread(() -> {
                try {
                    start.await();
                    while (!done.get()) {
                        pcp.drainAllPages(2);
                        Thread.onSpinWait();
                    }
                } catch (final Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "drainer");
            owners.forEach(Thread::start);
            drainer.start();
            start.countDown();
            for (final Thread t : owners) {
                t.join(120_000);
                assertFalse(t.isAlive(), t.getName() + " still running");
            }
            done.set(true);
            drainer.join(30_000);
            assertFalse(drainer.isAlive(), "drainer still running");
            assertNull(failure.get(), () -> "a thread failed: " + failure.get());
            final VerifyReport report = pcp.verify();
            assertTrue(report.ok(), report::toString);
            assertEquals(machine.pages(), pcp.freePages(), "every page free again");
        }
    }

    private static void claim(final AtomicLongArray held, final long pfn, final int order) {
        for (long p = pfn; p < pfn + (1L << order); p++) {
            final long bit = 1L << p;
            final long before = held.getAndUpdate((int) (p >>> 6), w -> w | bit);
            if ((before & bit) != 0) {
                throw new AssertionError("pfn 0x" + Long.toHexString(p) + " handed out twice");
            }
        }
    }

    private static void release(final AtomicLongArray held, final long pfn, final int order) {
        for (long p = pfn; p < pfn + (1L << order); p++) {
            final long bit = 1L << p;
            held.getAndUpdate((int) (p >>> 6), w -> w & ~bit);
        }
    }
}

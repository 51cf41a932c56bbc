package dev.memu.alloc.pcp;

import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static dev.memu.alloc.pcp.PcpFixture.options;
import static dev.memu.alloc.pcp.PcpFixture.owner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Owners on their fast paths racing remote drains of their lists, over the buddy and over POTAD
 * (whose failing allocations also take other vcpus' region reservations back while those vcpus
 * refill and bulk-free through them). Every block handed out is claimed in a test-side bitmap with
 * CAS, so a block handed out twice (two vcpus, or a drainer and an owner, working one list at
 * once) fails at once; at quiescence the verifier must agree with the bitmap and free + allocated
 * == managed. No time is measured or asserted: the loops count operations.
 */
class PcpStressTest {

    /** Test-side ownership of every page: a set bit is a page some thread holds. */
    private static final class Pages {
        private final AtomicLongArray bits;

        Pages(final long pages) {
            bits = new AtomicLongArray((int) ((pages + 63) / 64));
        }

        void claim(final long pfn, final int order, final String who) {
            for (long p = pfn; p < pfn + (1L << order); p++) {
                final int word = (int) (p >>> 6);
                final long bit = 1L << p;
                long before;
                do {
                    before = bits.get(word);
                    if ((before & bit) != 0) {
                        throw new AssertionError(who + ": pfn 0x" + Long.toHexString(p) + " handed out twice");
                    }
                } while (!bits.compareAndSet(word, before, before | bit));
            }
        }

        void release(final long pfn, final int order) {
            for (long p = pfn; p < pfn + (1L << order); p++) {
                final int word = (int) (p >>> 6);
                final long bit = 1L << p;
                long before;
                do {
                    before = bits.get(word);
                } while (!bits.compareAndSet(word, before, before & ~bit));
            }
        }

        long count() {
            long n = 0;
            for (int i = 0; i < bits.length(); i++) {
                n += Long.bitCount(bits.get(i));
            }
            return n;
        }
    }

    /**
     * The smallest race: vcpu 0 alloc/free pairs (its hot line, its refills and bulk frees) while
     * another thread drains vcpu 0 over and over.
     */
    @ParameterizedTest(name = "{0}+pcp")
    @ValueSource(strings = {"buddy", "potad"})
    void ownerFastPathVersusRemoteDrainOfTheSameVcpu(final String backend) throws Exception {
        try (PcpFixture f = PcpFixture.over(backend, "memdesc8", 4 << 20, options(2, 32, 7), PcpAllocator.Lists.ARRAY)) {
            final PcpAllocator a = f.pcp;
            final Pages pages = new Pages(f.machine.pages());
            final AtomicBoolean done = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final AtomicLong drainsSeeingBlocks = new AtomicLong();
            final Thread owner = new Thread(() -> {
                try {
                    final Random random = new Random(1);
                    final long[] live = new long[48];
                    int n = 0;
                    // At least 200k ops, and on until the drainer has really raced the owner (a
                    // busy machine may schedule them apart for a while), within a bound.
                    for (int op = 0; op < 200_000 || op < 20_000_000
                            && (drainsSeeingBlocks.get() <= 10 || a.drains(0) <= 100); op++) {
                        if (n < live.length && (n == 0 || random.nextBoolean())) {
                            final long pfn = a.alloc(0, owner(op), 0);
                            if (pfn == PageAllocator.NO_PAGE) {
                                throw new AssertionError("1024 pages and at most 48 live: NO_PAGE");
                            }
                            pages.claim(pfn, 0, "owner");
                            live[n++] = pfn;
                        } else {
                            final int i = random.nextInt(n);
                            pages.release(live[i], 0);
                            a.free(live[i], 0, 0);
                            live[i] = live[--n];
                        }
                    }
                    for (int i = 0; i < n; i++) {
                        pages.release(live[i], 0);
                        a.free(live[i], 0, 0);
                    }
                } catch (final Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.set(true);
                }
            }, "pcp-owner");
            final Thread drainer = new Thread(() -> {
                try {
                    while (!done.get()) {
                        final long before = a.count(0);         // racy read: only a statistic
                        a.drainPages(0, 1);
                        if (before > 0) {
                            drainsSeeingBlocks.incrementAndGet();
                        }
                    }
                } catch (final Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "pcp-drainer");
            owner.start();
            drainer.start();
            owner.join(120_000);
            assertFalse(owner.isAlive(), "the owner did not finish");
            drainer.join(120_000);
            assertFalse(drainer.isAlive(), "the drainer did not stop");
            assertNull(failure.get(), () -> "failed: " + failure.get());
            assertTrue(a.drains(0) > 100, "the drainer ran " + a.drains(0) + " times");
            assertTrue(drainsSeeingBlocks.get() > 10, "drains found blocks " + drainsSeeingBlocks.get() + " times");
            final VerifyReport report = a.verify();
            assertTrue(report.ok(), report::toString);
            assertEquals(0, pages.count());
            assertEquals(f.machine.pages(), a.freePages());
        }
    }

    /**
     * Three worker vcpus with mixed orders, blocks handed to other workers to free (cross-vcpu
     * frees), memory tight enough that allocations drain every list, and a fourth thread draining
     * lists remotely all the while.
     */
    @ParameterizedTest(name = "{0}+pcp, {1} lists")
    @CsvSource({"buddy, ARRAY", "buddy, LINKED", "potad, ARRAY", "potad, LINKED"})
    void workersWithCrossVcpuFreesPressureAndConcurrentDrains(final String backend, final PcpAllocator.Lists scheme)
            throws Exception {
        final int workers = 3;
        final int drainerVcpu = workers;
        try (PcpFixture f = PcpFixture.over(backend, "memdesc8", 8 << 20, options(workers + 1, 64, 7), scheme)) {
            final PcpAllocator a = f.pcp;
            final long managed = f.machine.pages();
            final Pages pages = new Pages(managed);
            final List<ConcurrentLinkedQueue<long[]>> inbox = new ArrayList<>();
            for (int t = 0; t < workers; t++) {
                inbox.add(new ConcurrentLinkedQueue<>());
            }
            final long[][][] leftovers = new long[workers][][];
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final AtomicLong noPage = new AtomicLong();
            final AtomicBoolean done = new AtomicBoolean();
            final CountDownLatch go = new CountDownLatch(1);
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < workers; t++) {
                final int vcpu = t;
                threads.add(new Thread(() -> {
                    try {
                        go.await();
                        leftovers[vcpu] = work(a, vcpu, workers, pages, inbox, noPage);
                    } catch (final Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "pcp-worker-" + t));
            }
            final Thread drainer = new Thread(() -> {
                try {
                    go.await();
                    final Random random = new Random(99);
                    // at least some drains even if the scheduler kept this thread off the CPU
                    // until the workers were done (the count is asserted below)
                    for (int round = 0; !done.get() || round < 64; round++) {
                        if (random.nextInt(4) == 0) {
                            a.drainAllPages(drainerVcpu);
                        } else {
                            a.drainPages(random.nextInt(workers), drainerVcpu);
                        }
                        Thread.onSpinWait();
                    }
                } catch (final Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "pcp-drainer");
            threads.forEach(Thread::start);
            drainer.start();
            go.countDown();
            for (final Thread t : threads) {
                t.join(120_000);
                assertFalse(t.isAlive(), t.getName() + " did not finish");
            }
            done.set(true);
            drainer.join(120_000);
            assertFalse(drainer.isAlive(), "the drainer did not stop");
            assertNull(failure.get(), () -> "failed: " + failure.get());
            assertTrue(noPage.get() > 0, "memory was never tight: no allocation failed");

            // Quiescent: the verifier sees exactly what the threads hold.
            long heldByThreads = 0;
            for (final ConcurrentLinkedQueue<long[]> q : inbox) {
                for (final long[] block : q) {
                    heldByThreads += 1L << block[1];
                }
            }
            for (final long[][] blocks : leftovers) {
                for (final long[] block : blocks) {
                    heldByThreads += 1L << block[1];
                }
            }
            assertEquals(pages.count(), heldByThreads);
            VerifyReport report = a.verify();
            assertTrue(report.ok(), report::toString);
            assertEquals(heldByThreads, report.allocatedPages());
            assertEquals(managed, report.freePages() + report.allocatedPages());
            long drains = 0;
            long refills = 0;
            long bulkFrees = 0;
            for (int v = 0; v < workers; v++) {
                drains += a.drains(v);
                refills += a.refills(v);
                bulkFrees += a.bulkFrees(v);
            }
            assertTrue(drains > 0 && refills > 0 && bulkFrees > 0,
                    "drains " + drains + ", refills " + refills + ", bulk frees " + bulkFrees);

            // Everything comes back (this thread now runs as each vcpu in turn).
            for (int t = 0; t < workers; t++) {
                for (final long[] block : inbox.get(t)) {
                    a.free(block[0], (int) block[1], t);
                }
                for (final long[] block : leftovers[t]) {
                    a.free(block[0], (int) block[1], t);
                }
            }
            assertEquals(managed, a.freePages());
            report = a.verify();
            assertTrue(report.ok(), report::toString);
            assertEquals(0, report.allocatedPages());
        }
    }

    private static long[][] work(final PcpAllocator a, final int vcpu, final int workers, final Pages pages,
                                 final List<ConcurrentLinkedQueue<long[]>> inbox, final AtomicLong noPage) {
        final Random random = new Random(1000 + vcpu);
        final String who = "vcpu " + vcpu;
        final long allocatee = owner(vcpu);
        final List<long[]> live = new ArrayList<>();
        for (int op = 0; op < 60_000; op++) {
            final long[] handed = inbox.get(vcpu).poll();
            if (handed != null) {                                  // another vcpu's block: free it here
                pages.release(handed[0], (int) handed[1]);
                a.free(handed[0], (int) handed[1], vcpu);
            }
            if (live.size() < 600 && (live.isEmpty() || random.nextInt(100) < 52)) {
                final int r = random.nextInt(100);
                final int order = r < 70 ? 0 : r < 90 ? 1 + random.nextInt(3) : r < 97 ? 4 + random.nextInt(2) : 9;
                final long pfn = a.alloc(order, allocatee, vcpu);
                if (pfn == PageAllocator.NO_PAGE) {
                    noPage.incrementAndGet();
                    continue;
                }
                pages.claim(pfn, order, who);
                if (a.memmap().allocatee(pfn) != allocatee || a.memmap().allocatedOrder(pfn) != order) {
                    throw new AssertionError(who + ": block 0x" + Long.toHexString(pfn) + " order " + order
                            + " reads allocatee 0x" + Long.toHexString(a.memmap().allocatee(pfn)));
                }
                live.add(new long[] {pfn, order});
            } else {
                final long[] block = live.remove(random.nextInt(live.size()));
                if (random.nextInt(3) == 0) {
                    inbox.get((vcpu + 1 + random.nextInt(workers - 1)) % workers).add(block);
                } else {
                    pages.release(block[0], (int) block[1]);
                    a.free(block[0], (int) block[1], vcpu);
                }
            }
        }
        return live.toArray(new long[0][]);
    }
}

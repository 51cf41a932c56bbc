package dev.memu.alloc.potad;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PotadAllocator#freeBatch} racing allocations: in each round every vcpu allocates a fresh
 * share of blocks while it batch-frees, in a shuffled order and in batches of 31, the share
 * another vcpu allocated the round before, so a batch's memmap passes and core frees run in
 * regions other vcpus are claiming from at the same time. The test claims every page in a shared
 * bitmap with CAS (no page handed out twice), checks each page names its allocatee before it
 * frees it, and at the end that everything came back and verify() finds nothing.
 * {@code -Dmemu.stress.ops=N} scales the rounds as in {@link PotadStressTest}.
 */
class PotadFreeBatchStressTest {

    private static final long OPS = Long.getLong("memu.stress.ops", 150_000);
    private static final int SHARE = 1500;
    private static final int BATCH = 31;

    @ParameterizedTest(name = "{0} threads, {1}, order {2}")
    @CsvSource({"2, memdesc8, 0", "3, memdesc8-hvo, 0", "2, linux64, 1"})
    void batchFreesRacingAllocsKeepEveryInvariant(final int threads, final String layout, final int order)
            throws Exception {
        try (Machine machine = Machine.create(64L << 20)) {
            final PotadAllocator a = new PotadAllocator(Layouts.byName(layout).bind(machine, PlainAccess.INSTANCE),
                    AllocatorOptions.defaults().withVcpus(threads));
            final long pages = a.managedPages();
            final AtomicLongArray claimed = new AtomicLongArray((int) pages);
            final long[][][] shares = new long[2][threads][SHARE];
            final int rounds = (int) Math.max(4, OPS / SHARE);
            final CyclicBarrier barrier = new CyclicBarrier(threads);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread[] workers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                final int vcpu = t;
                workers[t] = new Thread(() -> {
                    final SplittableRandom random = new SplittableRandom(7 + vcpu);
                    final long allocatee = Allocatee.of(MemdescType.ANON_FOLIO, 64L * (vcpu + 1));
                    try {
                        for (int r = 0; r <= rounds; r++) {
                            final long[] mine = shares[r & 1][vcpu];
                            final long[] theirs = shares[(r + 1) & 1][(vcpu + 1) % threads];
                            final boolean allocate = r < rounds;
                            final boolean free = r > 0;
                            if (free) {
                                shuffle(theirs, random);
                            }
                            int next = 0;
                            for (int i = 0; i < SHARE; i++) {
                                if (allocate) {
                                    final long pfn = a.alloc(order, allocatee, vcpu);
                                    if (pfn == PageAllocator.NO_PAGE) {
                                        throw new AssertionError("vcpu " + vcpu + " ran out of memory in round " + r);
                                    }
                                    for (long p = pfn; p < pfn + (1L << order); p++) {
                                        if (claimed.getAndSet((int) p, 1) != 0) {
                                            throw new AssertionError("pfn 0x" + Long.toHexString(p) + " handed out twice");
                                        }
                                    }
                                    mine[i] = pfn;
                                }
                                if (free && (i % BATCH == BATCH - 1 || i == SHARE - 1)) {
                                    final int to = i + 1;
                                    for (int k = next; k < to; k++) {
                                        for (long p = theirs[k]; p < theirs[k] + (1L << order); p++) {
                                            if (a.memmap().allocatee(p) == Allocatee.NONE) {
                                                throw new AssertionError("live pfn 0x" + Long.toHexString(p) + " names no allocatee");
                                            }
                                            claimed.set((int) p, 0);
                                        }
                                    }
                                    a.freeBatch(theirs, next, to, order, vcpu);
                                    next = to;
                                }
                            }
                            barrier.await();
                        }
                    } catch (final Throwable e) {
                        failure.compareAndSet(null, e);
                        barrier.reset();
                    }
                }, "batch-vcpu" + t);
                workers[t].start();
            }
            for (final Thread w : workers) {
                w.join(120_000);
                assertFalse(w.isAlive(), w.getName() + " still runs");
            }
            assertNull(failure.get(), () -> "a worker failed: " + failure.get());
            for (int v = 0; v < threads; v++) {
                a.releaseReservation(v);
            }
            assertEquals(pages, a.freePages(), "every block came back");
            final VerifyReport report = a.verify();
            assertTrue(report.ok(), report::toString);
            System.out.println("potad freeBatch " + layout + " " + threads + " threads order " + order + ": "
                    + rounds + " rounds of " + SHARE + " blocks per vcpu, " + report);
        }
    }

    private static void shuffle(final long[] blocks, final SplittableRandom random) {
        for (int i = blocks.length - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final long b = blocks[i];
            blocks[i] = blocks[j];
            blocks[j] = b;
        }
    }
}

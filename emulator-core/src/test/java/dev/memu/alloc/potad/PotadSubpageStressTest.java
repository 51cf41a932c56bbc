package dev.memu.alloc.potad;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two vcpus allocate sub-page blocks of all three sizes and free each other's through a
 * handoff ring, so frees race the owner's allocations on the same page-state word and the
 * retire-versus-last-free race happens. Every 512-byte unit handed out is claimed in a shared
 * bitmap (no unit handed out twice); at the end every block is freed and all pages must be back
 * except the vcpus' current pages, which each vcpu keeps.
 */
class PotadSubpageStressTest {

    private static final long OPS = Long.getLong("memu.stress.ops", 150_000);
    private static final int HANDOFF = 128;

    @Test
    void crossVcpuFreesNeverLoseOrDuplicateABlock() throws Exception {
        try (Machine machine = Machine.create(16L << 20)) {    // 4096 pages
            final PotadAllocator pages = new PotadAllocator(Layouts.byName("memdesc8").bind(machine, PlainAccess.INSTANCE),
                    AllocatorOptions.defaults().withVcpus(2));
            final PotadSubpage sub = new PotadSubpage(pages);
            final AtomicLongArray units = new AtomicLongArray((int) (machine.ramBytes() >>> 9 >>> 6));
            final AtomicLongArray handoff = new AtomicLongArray(HANDOFF);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CyclicBarrier start = new CyclicBarrier(2);
            final List<List<Long>> kept = List.of(new ArrayList<>(), new ArrayList<>());
            final Thread[] workers = new Thread[2];
            for (int t = 0; t < 2; t++) {
                final int vcpu = t;
                workers[t] = new Thread(() -> {
                    try {
                        start.await();
                        final SplittableRandom random = new SplittableRandom(99 + vcpu);
                        final List<Long> mine = kept.get(vcpu);
                        for (long op = 0; op < OPS; op++) {
                            final int r = random.nextInt(100);
                            if (r < 45 && mine.size() < 2000) {
                                final int bytes = 512 << random.nextInt(3);
                                final long address = sub.alloc(bytes, vcpu);
                                if (address != PotadSubpage.NO_ADDRESS) {
                                    mark(units, address, bytes, true);
                                    mine.add(address << 2 | Integer.numberOfTrailingZeros(bytes >>> 9));
                                }
                            } else if (r < 60 && !mine.isEmpty()) {
                                final long b = mine.remove(mine.size() - 1);
                                if (!handoff.compareAndSet(random.nextInt(HANDOFF), 0, b + 1)) {
                                    mine.add(b);
                                }
                            } else if (r < 75) {
                                final long v = handoff.getAndSet(random.nextInt(HANDOFF), 0);
                                if (v != 0) {
                                    release(sub, units, v - 1, vcpu);
                                }
                            } else if (!mine.isEmpty()) {
                                release(sub, units, mine.remove(random.nextInt(mine.size())), vcpu);
                            }
                        }
                    } catch (final Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                workers[t].start();
            }
            for (final Thread w : workers) {
                w.join(120_000);
                assertFalse(w.isAlive(), w.getName() + " did not finish");
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (int t = 0; t < 2; t++) {
                for (final long b : kept.get(t)) {
                    release(sub, units, b, 0);
                }
            }
            for (int i = 0; i < HANDOFF; i++) {
                final long v = handoff.get(i);
                if (v != 0) {
                    release(sub, units, v - 1, 1);
                }
            }
            // Each vcpu may keep one current page per size class: at most 6 pages still out.
            final long out = pages.managedPages() - pages.freePages();
            assertTrue(out <= 6, out + " pages still out");
            assertTrue(pages.verify().ok(), pages.verify()::toString);
            for (long p = 0; p < pages.managedPages(); p++) {
                assertEquals(0, sub.usedUnits(p), "page " + p + " still has units in use");
            }
        }
    }

    private static void release(final PotadSubpage sub, final AtomicLongArray units, final long b, final int vcpu) {
        final long address = b >>> 2;
        final int bytes = 512 << (int) (b & 3);
        mark(units, address, bytes, false);
        sub.free(address, bytes, vcpu);
    }

    private static void mark(final AtomicLongArray units, final long address, final int bytes, final boolean set) {
        for (long u = address >>> 9; u < (address + bytes) >>> 9; u++) {
            final long bit = 1L << u;
            final long before = units.getAndUpdate((int) (u >>> 6), w -> set ? w | bit : w & ~bit);
            if (((before & bit) != 0) == set) {
                throw new AssertionError("unit " + u + (set ? " handed out twice" : " freed while not held"));
            }
        }
    }
}

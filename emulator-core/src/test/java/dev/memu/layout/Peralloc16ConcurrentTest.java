package dev.memu.layout;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.PageAllocator;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The buddy updates the memmap outside its zone lock; the peralloc16 lookups must stay consistent
 * when two vcpus do that at once.
 */
class Peralloc16ConcurrentTest {

    @ParameterizedTest
    @ValueSource(strings = {"peralloc16-radix", "peralloc16-btree", "memdesc32"})
    void twoVcpusKeepTheStateSound(final String name) throws Exception {
        try (Machine machine = Machine.create(16L << 20)) {
            final Memmap memmap = Layouts.byName(name).bind(machine, PlainAccess.INSTANCE);
            final PageAllocator buddy = new BuddyAllocator(memmap, AllocatorOptions.defaults().withVcpus(2));
            final CyclicBarrier start = new CyclicBarrier(2);
            final AtomicReference<Throwable> error = new AtomicReference<>();
            final Thread[] ts = new Thread[2];
            for (int t = 0; t < 2; t++) {
                final int vcpu = t;
                ts[t] = new Thread(() -> {
                    try {
                        final SplittableRandom rnd = new SplittableRandom(vcpu);
                        final long owner = Allocatee.of(MemdescType.ANON_FOLIO, 0x1000L * (vcpu + 1));
                        final long[] pfn = new long[64];
                        final int[] order = new int[64];
                        start.await();
                        for (int round = 0; round < 150; round++) {
                            for (int i = 0; i < pfn.length; i++) {
                                order[i] = rnd.nextInt(4);
                                pfn[i] = buddy.alloc(order[i], owner, vcpu);
                            }
                            for (int i = 0; i < pfn.length; i++) {
                                if (pfn[i] != PageAllocator.NO_PAGE) {
                                    final long seen = memmap.allocatee(pfn[i] + (1L << order[i]) - 1);
                                    if (seen != owner) {
                                        throw new AssertionError("pfn " + pfn[i] + " owned by 0x"
                                                + Long.toHexString(seen) + ", expected vcpu " + vcpu);
                                    }
                                    buddy.free(pfn[i], order[i], vcpu);
                                }
                            }
                        }
                    } catch (final Throwable e) {
                        error.compareAndSet(null, e);
                    }
                });
                ts[t].start();
            }
            for (final Thread t : ts) {
                t.join();
            }
            assertNull(error.get(), () -> String.valueOf(error.get()));
            assertTrue(buddy.verify().ok(), () -> buddy.verify().toString());
            assertEquals(machine.pages(), buddy.freePages());
        }
    }
}

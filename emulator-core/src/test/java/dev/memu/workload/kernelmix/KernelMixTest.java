package dev.memu.workload.kernelmix;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.failure.BackingStore;
import dev.memu.failure.FailureOutcome;
import dev.memu.failure.MemoryFailure;
import dev.memu.failure.PoisonAwareAllocator;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelMixTest {

    static Stream<Layout> layouts() {
        return Layouts.all().stream();
    }

    private record Run(long livePages, long allocs, long heapLive, long[] buddyinfo) {
    }

    private static Run run(final Layout layout, final long seed) {
        try (Machine machine = Machine.create(32L << 20)) {
            final BuddyAllocator buddy = new BuddyAllocator(layout.bind(machine, PlainAccess.INSTANCE),
                    AllocatorOptions.defaults());
            final Memdescs descs = new Memdescs(MemdescHeap.forDescriptors(machine, PlainAccess.INSTANCE));
            final KernelMix mix = new KernelMix(new KernelObjects(buddy, descs, false),
                    KernelMixConfig.defaults().withSeed(seed));
            mix.run(5_000, 0);
            return new Run(mix.livePages(), mix.allocs(), descs.heap().liveObjects(), buddy.freeBlocksByOrder());
        }
    }

    @Test
    void sameSeedSameRun() {
        final Run a = run(Layouts.byName("memdesc16"), 5);
        final Run b = run(Layouts.byName("memdesc16"), 5);
        assertEquals(a.livePages(), b.livePages());
        assertEquals(a.allocs(), b.allocs());
        assertEquals(a.heapLive(), b.heapLive());
        assertEquals(java.util.Arrays.toString(a.buddyinfo()), java.util.Arrays.toString(b.buddyinfo()));
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void mixWithFailuresKeepsEverythingConsistent(final Layout layout) {
        try (Machine machine = Machine.create(32L << 20)) {
            final PoisonAwareAllocator allocator = new PoisonAwareAllocator(new BuddyAllocator(
                    layout.bind(machine, PlainAccess.INSTANCE), AllocatorOptions.defaults()));
            final Memdescs descs = new Memdescs(MemdescHeap.forDescriptors(machine, PlainAccess.INSTANCE));
            final KernelObjects objects = new KernelObjects(allocator, descs, true);
            final KernelMix mix = new KernelMix(objects, KernelMixConfig.defaults());
            final MemoryFailure failure = new MemoryFailure(allocator, descs, BackingStore.PATTERN);
            final SplittableRandom rnd = new SplittableRandom(9);
            final List<Long> bad = new ArrayList<>();
            for (int round = 0; round < 20; round++) {
                mix.run(500, 0);
                final long a = mix.live(rnd.nextInt(mix.liveCount()));
                final long pfn = Allocatee.type(a) == MemdescType.VMALLOC
                        ? descs.page(a, rnd.nextInt(descs.nrPages(a)))
                        : descs.pfn(a) + rnd.nextLong(1L << descs.order(a));
                final FailureOutcome out = failure.fail(pfn, 0);
                assertEquals(a, out.owner().allocatee(), "owner of pfn " + pfn);
                assertTrue(out.checksumOk());
                bad.add(pfn);
            }
            assertTrue(allocator.verify().ok(), () -> allocator.verify().toString());
            for (final MemdescType t : List.of(MemdescType.FILE_FOLIO, MemdescType.ANON_FOLIO, MemdescType.SLAB,
                    MemdescType.PAGE_TABLE, MemdescType.NETPOOL, MemdescType.VMALLOC)) {
                assertTrue(mix.allocs(t) > 0, t.toString());
            }
            assertEquals(20, failure.stats().recovered() + failure.stats().lost());
            mix.drain(0);
            for (final long pfn : bad) {
                assertTrue(allocator.isTakenOff(pfn), "poisoned pfn " + pfn + " left the allocator for good");
            }
            assertEquals(machine.pages() - bad.stream().distinct().count() - allocator.quarantinedPages(),
                    allocator.freePages());
            assertEquals(0, descs.heap().liveObjects(), "every descriptor freed");
            assertTrue(allocator.verify().ok(), () -> allocator.verify().toString());
        }
    }

    @Test
    void badSharesAreRejectedByName() {
        final KernelMixConfig c = KernelMixConfig.defaults();
        assertEquals(7, c.withShares("anon=7").shares()[KernelMixConfig.Kind.ANON.ordinal()]);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.withShares("anno=7"));
        assertTrue(e.getMessage().contains("anno"));
    }
}

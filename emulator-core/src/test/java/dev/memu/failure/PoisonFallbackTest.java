package dev.memu.failure;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;
import dev.memu.migrate.CompactionResult;
import dev.memu.migrate.Compactor;
import dev.memu.migrate.Migrator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Poison and compaction in front of an allocator that caches small frees like a PCP. */
class PoisonFallbackTest {

    @Test
    void poisonStillNeverHandedOutWhenTheAllocatorCachesFrees() {
        try (Machine machine = Machine.create(4L << 20)) {
            final BuddyAllocator buddy = new BuddyAllocator(
                    Layouts.byName("memdesc16").bind(machine, PlainAccess.INSTANCE), AllocatorOptions.defaults());
            final PoisonAwareAllocator allocator = new PoisonAwareAllocator(new CachingAllocator(buddy, 4));
            final long owner = Allocatee.of(MemdescType.ANON_FOLIO, 0x2000);
            final SplittableRandom rnd = new SplittableRandom(1);
            final List<long[]> live = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                final int order = rnd.nextInt(3);
                live.add(new long[] {allocator.alloc(order, owner, 0), order});
            }
            for (int i = 0; i < 100; i++) {
                final long[] a = live.remove(rnd.nextInt(live.size()));
                allocator.free(a[0], (int) a[1], 0);
            }
            final long victim = live.get(5)[0];
            allocator.poison(victim, 0);
            final long[] victimBlock = live.remove(5);
            allocator.free(victimBlock[0], (int) victimBlock[1], 0);
            allocator.poison(machine.pages() - 1, 0);
            assertTrue(allocator.isTakenOff(victim));
            for (int op = 0; op < 200_000; op++) {
                if (live.isEmpty() || rnd.nextInt(100) < 50) {
                    final int order = rnd.nextInt(3);
                    final long pfn = allocator.alloc(order, owner, 0);
                    if (pfn != PageAllocator.NO_PAGE) {
                        if ((victim >= pfn && victim < pfn + (1L << order))
                                || machine.pages() - 1 < pfn + (1L << order) && machine.pages() - 1 >= pfn) {
                            fail("poisoned pfn handed out in block " + pfn + " order " + order);
                        }
                        live.add(new long[] {pfn, order});
                    }
                } else {
                    final long[] a = live.remove(rnd.nextInt(live.size()));
                    allocator.free(a[0], (int) a[1], 0);
                }
            }
            assertEquals(MemdescType.HWPOISON, Allocatee.type(buddy.memmap().allocatee(victim)));
        }
    }

    @Test
    void compactionStopsWithAReasonWhenTheAllocatorDoesNotMerge() {
        try (Machine machine = Machine.create(8L << 20)) {
            final BuddyAllocator buddy = new BuddyAllocator(
                    Layouts.byName("memdesc8").bind(machine, PlainAccess.INSTANCE), AllocatorOptions.defaults());
            final PageAllocator caching = new CachingAllocator(buddy, 1);     // caches order-0 frees only
            final Memdescs descs = new Memdescs(MemdescHeap.forDescriptors(machine, PlainAccess.INSTANCE));
            final var objects = new dev.memu.workload.kernelmix.KernelObjects(caching, descs, false);
            final List<Long> live = new ArrayList<>();
            long a;
            while ((a = objects.anonFolio(1, 0)) != 0) {
                live.add(a);
            }
            final List<Long> kept = new ArrayList<>();
            for (int i = 0; i < live.size(); i++) {
                if (i % 2 == 0) {
                    objects.free(live.get(i), 0);
                } else {
                    kept.add(live.get(i));
                }
            }
            final long free = caching.freePages();
            final CompactionResult r = new Compactor(caching, descs, new Migrator(caching, descs)).compact(0);
            assertNotEquals("scanners met", r.stopReason(), r::toString);
            assertTrue(r.stopReason().startsWith("stopped"), r.stopReason());
            assertEquals(free, caching.freePages(), "nothing leaked on the way out");
            for (final long k : kept) {
                assertEquals(k, buddy.memmap().allocatee(descs.pfn(k) + 1), "every allocation still where its descriptor says");
            }
        }
    }
}

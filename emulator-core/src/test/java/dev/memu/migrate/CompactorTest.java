package dev.memu.migrate;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.Memdescs;
import dev.memu.workload.kernelmix.KernelObjects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompactorTest {

    static Stream<Layout> layouts() {
        return Layouts.all().stream();
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void compactionBuildsOrder9BlocksAndKeepsBytes(final Layout layout) {
        try (Machine machine = Machine.create(32L << 20)) {          // 8192 pages, 16 pageblocks
            final PageAllocator buddy = new BuddyAllocator(layout.bind(machine, PlainAccess.INSTANCE),
                    AllocatorOptions.defaults());
            final Memdescs descs = new Memdescs(MemdescHeap.forDescriptors(machine, PlainAccess.INSTANCE));
            final KernelObjects objects = new KernelObjects(buddy, descs, true);
            final List<Long> live = new ArrayList<>();
            long a;
            int i = 0;
            while ((a = (i++ < 20 ? objects.slab(0, 256, 0) : objects.anonFolio(i % 3 == 0 ? 1 : 0, 0))) != 0) {
                live.add(a);
            }
            Collections.shuffle(live, new Random(11));
            final List<Long> kept = new ArrayList<>();
            for (int k = 0; k < live.size(); k++) {
                if (k % 10 < 6 && dev.memu.memdesc.Allocatee.type(live.get(k)) != dev.memu.memdesc.MemdescType.SLAB) {
                    objects.free(live.get(k), 0);
                } else {
                    kept.add(live.get(k));
                }
            }
            final long[] sums = new long[kept.size()];
            final long[] pfns = new long[kept.size()];
            for (int k = 0; k < kept.size(); k++) {
                pfns[k] = descs.pfn(kept.get(k));
                sums[k] = PageContents.checksum(machine.ram(), machine.pageShift(), pfns[k], objects.pages(kept.get(k)));
            }
            final long freeBefore = buddy.freePages();
            final Migrator migrator = new Migrator(buddy, descs);
            final CompactionResult r = new Compactor(buddy, descs, migrator).compact(0);

            assertTrue(r.targetBlocksAfter() > r.targetBlocksBefore() + 3, r::toString);
            assertTrue(r.migrated() > 0);
            assertEquals(freeBefore, buddy.freePages(), "compaction neither leaks nor invents pages");
            assertTrue(buddy.verify().ok(), () -> buddy.verify().toString());
            int movedKept = 0;
            for (int k = 0; k < kept.size(); k++) {
                final long owner = kept.get(k);
                final long pfn = descs.pfn(owner);
                movedKept += pfn != pfns[k] ? 1 : 0;
                assertEquals(sums[k], PageContents.checksum(machine.ram(), machine.pageShift(), pfn,
                        objects.pages(owner)), "bytes of a moved allocation");
                assertEquals(owner, buddy.memmap().allocatee(pfn + objects.pages(owner) - 1), "memmap names the owner");
            }
            assertNotEquals(0, movedKept);
            for (final long owner : kept) {
                objects.free(owner, 0);
            }
            assertEquals(machine.pages(), buddy.freePages());
            assertTrue(buddy.verify().ok());
        }
    }
}

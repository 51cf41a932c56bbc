package dev.memu.layout;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** memdesc32 and peralloc16 keep the Memmap contract: round-trips, and the buddy runs over them. */
class NewLayoutsBuddyTest {

    static Stream<Layout> layouts() {
        return Stream.of(Layouts.byName("memdesc32"), Layouts.byName("peralloc16-radix"),
                Layouts.byName("peralloc16-btree"));
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void memmapRoundTrip(final Layout layout) {
        try (Machine machine = Machine.create(8L << 20)) {
            final Memmap m = layout.bind(machine, PlainAccess.INSTANCE);
            m.setFree(0, 10);
            m.setNextFree(0, 1024);
            m.setPrevFree(0, Memmap.NIL);
            assertEquals(10, m.freeOrder(0));
            assertEquals(-1, m.freeOrder(512), "a non-head page of a free block is no head");
            assertEquals(1024, m.nextFree(0));
            assertEquals(Memmap.NIL, m.prevFree(0));
            assertEquals(Allocatee.NONE, m.allocatee(3));
            m.clearFree(0);
            assertEquals(-1, m.freeOrder(0));

            final long owner = Allocatee.of(MemdescType.SLAB, 0x1230);
            m.setAllocated(1024, 3, owner);
            assertEquals(3, m.allocatedOrder(1024));
            assertEquals(-1, m.allocatedOrder(1025), "tail");
            for (long p = 1024; p < 1032; p++) {
                assertEquals(owner, m.allocatee(p));
                assertEquals(-1, m.freeOrder(p));
            }
            assertEquals(Allocatee.NONE, m.allocatee(1032));
            m.clearAllocated(1024, 3);
            assertEquals(-1, m.allocatedOrder(1024));
            assertEquals(Allocatee.NONE, m.allocatee(1027));

            m.setAllocated(1536, 9, owner);          // region-wide in the radix
            assertEquals(9, m.allocatedOrder(1536));
            assertEquals(owner, m.allocatee(1536 + 300));
            m.clearAllocated(1536, 9);
            assertEquals(Allocatee.NONE, m.allocatee(1536 + 300));
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void buddyRunsOverLayout(final Layout layout) {
        try (Machine machine = Machine.create(16L << 20)) {
            final Memmap m = layout.bind(machine, PlainAccess.INSTANCE);
            final PageAllocator buddy = new BuddyAllocator(m, AllocatorOptions.defaults());
            assertTrue(buddy.verify().ok(), () -> buddy.verify().toString());
            final SplittableRandom rnd = new SplittableRandom(42);
            final List<long[]> live = new ArrayList<>();
            for (int op = 0; op < 20_000; op++) {
                if (live.isEmpty() || rnd.nextInt(100) < 55) {
                    final int order = rnd.nextInt(100) < 80 ? rnd.nextInt(4) : rnd.nextInt(11);
                    final MemdescType type = rnd.nextBoolean() ? MemdescType.ANON_FOLIO : MemdescType.SLAB;
                    final long owner = Allocatee.of(type, 16L * (op + 1));
                    final long pfn = buddy.alloc(order, owner, 0);
                    if (pfn != PageAllocator.NO_PAGE) {
                        assertEquals(owner, m.allocatee(pfn + (1L << order) - 1));
                        live.add(new long[] {pfn, order, owner});
                    }
                } else {
                    final long[] a = live.remove(rnd.nextInt(live.size()));
                    assertEquals(a[2], m.allocatee(a[0]));
                    buddy.free(a[0], (int) a[1], 0);
                }
                if (op % 5000 == 0) {
                    final VerifyReport r = buddy.verify();
                    assertTrue(r.ok(), r::toString);
                }
            }
            if (!live.isEmpty()) {
                final long[] a = live.get(0);
                assertThrows(BadFreeException.class, () -> buddy.free(a[0], (int) a[1] + 1, 0));
                if (a[1] > 0) {
                    assertThrows(BadFreeException.class, () -> buddy.free(a[0] + 1, 0, 0));
                }
            }
            final VerifyReport mid = buddy.verify();
            assertTrue(mid.ok(), mid::toString);
            for (final long[] a : live) {
                buddy.free(a[0], (int) a[1], 0);
            }
            final VerifyReport end = buddy.verify();
            assertTrue(end.ok(), end::toString);
            assertEquals(machine.pages(), buddy.freePages());
            assertEquals(machine.pages() >> 10, buddy.freeBlocksByOrder()[10], "everything merged back");
            assertNotEquals(0, machine.footprint().metadataBytes());
        }
    }
}

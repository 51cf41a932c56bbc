package dev.memu.host;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link HostSnapshot#bootAllocator} on the fake 4096-pfn host of {@link HostScannerTest}. */
class HostBootTest {

    private static HostSnapshot snap;

    @BeforeAll
    static void scan() throws IOException, URISyntaxException {
        final ProcFiles fake = new ProcFiles(Path.of(HostBootTest.class.getResource("/host/proc/meminfo").toURI()).getParent());
        snap = new HostScanner(fake, 10).scan();
    }

    @Test
    void everyLayoutEndsWithTheHostsFreePagesAndTags() {
        for (final Layout layout : Layouts.all()) {
            try (Machine m = Machine.create(4096L << 12)) {
                final BuddyAllocator buddy = new BuddyAllocator(layout.bind(m, PlainAccess.INSTANCE),
                        AllocatorOptions.defaults());
                assertEquals(2493, snap.bootAllocator(buddy, false), layout.name());
                assertEquals(2493, buddy.freePages(), layout.name());
                assertArrayEquals(new long[] {1, 0, 1, 1, 1, 3, 1, 2, 2, 1, 1}, buddy.freeBlocksByOrder(), layout.name());
                assertTrue(buddy.verify().ok(), layout.name() + ": " + buddy.verify());
                assertEquals(5, buddy.memmap().freeOrder(32), layout.name());
                assertEquals(MemdescType.SLAB, Allocatee.type(buddy.memmap().allocatee(65)), layout.name());
                assertEquals(MemdescType.PAGE_TABLE, Allocatee.type(buddy.memmap().allocatee(66)), layout.name());
                assertEquals(MemdescType.ANON_FOLIO, Allocatee.type(buddy.memmap().allocatee(79)), layout.name());
                assertEquals(MemdescType.ANON_FOLIO, Allocatee.type(buddy.memmap().allocatee(72)), layout.name());
                assertNotEquals(-1, buddy.memmap().allocatedOrder(2560), layout.name());
                // the host's pages stay allocated: a workload allocating everything gets exactly the free pages
                long got = 0;
                while (buddy.alloc(0, Allocatee.of(MemdescType.ANON_FOLIO, 0), 0) != PageAllocator.NO_PAGE) {
                    got++;
                }
                assertEquals(2493, got, layout.name());
            }
        }
    }

    /** Every allocator, every layout: the boot goes through the public API only. */
    @Test
    void everyAllocatorBootsToTheHostsFreePages() {
        for (final String name : Allocators.names()) {
            for (final Layout layout : Layouts.all()) {
                final String what = name + "/" + layout.name();
                try (Machine m = Machine.create(4096L << 12)) {
                    final PageAllocator a = Allocators.create(name, layout.bind(m, PlainAccess.INSTANCE),
                            AllocatorOptions.defaults());
                    assertEquals(2493, snap.bootAllocator(a, false), what);
                    assertTrue(a.verify().ok(), what + ": " + a.verify());
                    assertEquals(2493, a.verify().freePages(), what);
                    assertEquals(MemdescType.SLAB, Allocatee.type(a.memmap().allocatee(65)), what);
                    assertEquals(MemdescType.ANON_FOLIO, Allocatee.type(a.memmap().allocatee(79)), what);
                    long got = 0;
                    long pfn;
                    while ((pfn = a.alloc(0, Allocatee.of(MemdescType.ANON_FOLIO, 0), 0)) != PageAllocator.NO_PAGE) {
                        assertTrue(pfn == 67 || pfn >= 32 && pfn < 64 || pfn >= 68 && pfn < 72
                                || pfn >= 96 && pfn < 2048 || pfn >= 2056 && pfn < 2560, what + ": got pfn " + pfn);
                        got++;
                    }
                    assertEquals(2493, got, what + ": only the host's free pages are handed out");
                }
            }
        }
    }

    @Test
    void blankPagesAndPfnsBeyondTheSnapshotCanBeFree() {
        try (Machine m = Machine.create(8192L << 12)) {
            final BuddyAllocator buddy = new BuddyAllocator(Layouts.byName("memdesc8").bind(m, PlainAccess.INSTANCE),
                    AllocatorOptions.defaults());
            final long freed = snap.bootAllocator(buddy, true);
            assertEquals(2493 + 5 + 1024 + 4096, freed);
            assertEquals(freed, buddy.freePages());
            // 3072..4095 blank and 4096..8191 beyond: one order-10 block each, merged no further (max order 10)
            assertEquals(10, buddy.memmap().freeOrder(3072));
            assertEquals(10, buddy.memmap().freeOrder(4096));
            assertTrue(buddy.verify().ok(), buddy.verify().toString());
        }
    }

    @Test
    void anAllocatorSmallerThanTheSnapshotIsRefused() {
        try (Machine m = Machine.create(2048L << 12)) {
            final BuddyAllocator buddy = new BuddyAllocator(Layouts.byName("memdesc8").bind(m, PlainAccess.INSTANCE),
                    AllocatorOptions.defaults());
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> snap.bootAllocator(buddy, false));
            assertTrue(e.getMessage().contains("2048") && e.getMessage().contains("4096"), e.getMessage());
            assertEquals(2048, buddy.freePages(), "nothing was allocated");
        }
    }
}

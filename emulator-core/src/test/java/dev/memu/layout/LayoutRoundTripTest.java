package dev.memu.layout;

import dev.memu.access.CountingAccess;
import dev.memu.access.PlainAccess;
import dev.memu.access.Region;
import dev.memu.machine.Machine;
import dev.memu.machine.NativeMemory;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every layout's Memmap stores and reads back what it is given, and touches nothing else. */
class LayoutRoundTripTest {

    private static final long PAGES = 4096;

    private Machine machine;

    static Stream<Layout> layouts() {
        return Layouts.all().stream();
    }

    @AfterEach
    void close() {
        if (machine != null) {
            machine.close();
        }
    }

    private Memmap bind(final Layout layout, final long pages) {
        machine = Machine.create(pages << Machine.DEFAULT_PAGE_SHIFT);
        return layout.bind(machine, PlainAccess.INSTANCE);
    }

    /** Orders to try for free blocks: small ones, Linux's 9 and 10, and all of the test RAM. */
    private static int[] freeOrders(final Layout layout) {
        return IntStream.of(0, 1, 2, 3, 9, 10, 12)
                .filter(o -> o <= layout.maxFreeOrder()).distinct().toArray();
    }

    private static void assertUnowned(final Memmap memmap, final long pfn) {
        assertEquals(-1, memmap.freeOrder(pfn), "freeOrder of untouched pfn 0x" + Long.toHexString(pfn));
        assertEquals(-1, memmap.allocatedOrder(pfn), "allocatedOrder of untouched pfn 0x" + Long.toHexString(pfn));
        assertEquals(Allocatee.NONE, memmap.allocatee(pfn), "allocatee of untouched pfn 0x" + Long.toHexString(pfn));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void freshMemmapReadsAsUnownedEverywhere(final Layout layout) {
        final Memmap memmap = bind(layout, PAGES);
        for (long pfn = 0; pfn < PAGES; pfn++) {
            assertUnowned(memmap, pfn);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void freeMarkAndLinksRoundTrip(final Layout layout) {
        final Memmap memmap = bind(layout, PAGES);
        final long[] linkValues = {Memmap.NIL, 0, 1, PAGES - 1, 1L << 40};
        for (final int order : freeOrders(layout)) {
            final long size = 1L << order;
            for (final long pfn : new long[] {0, (PAGES / 4) & -size, PAGES - size}) {
                memmap.setFree(pfn, order);
                assertEquals(order, memmap.freeOrder(pfn), "freeOrder after setFree(" + pfn + ", " + order + ")");
                for (final long next : linkValues) {
                    for (final long prev : new long[] {Memmap.NIL, 7, PAGES - 2}) {
                        memmap.setNextFree(pfn, next);
                        memmap.setPrevFree(pfn, prev);
                        assertEquals(next, memmap.nextFree(pfn), "nextFree");
                        assertEquals(prev, memmap.prevFree(pfn), "prevFree");
                        assertEquals(order, memmap.freeOrder(pfn), "links must not disturb the order");
                    }
                }
                assertEquals(-1, memmap.allocatedOrder(pfn), "a free block heads no allocation");
                assertEquals(Allocatee.NONE, memmap.allocatee(pfn), "a free block has no allocatee");
                if (pfn + size < PAGES) {
                    assertEquals(-1, memmap.freeOrder(pfn + size), "the next block is untouched");
                }
                memmap.clearFree(pfn);
                assertUnowned(memmap, pfn);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void allocationRoundTripsForHeadAndEveryTail(final Layout layout) {
        final Memmap memmap = bind(layout, PAGES);
        final MemdescType[] types = {MemdescType.FILE_FOLIO, MemdescType.ANON_FOLIO, MemdescType.SLAB,
                MemdescType.PAGE_TABLE, MemdescType.HWPOISON, MemdescType.MOVABLE};
        int t = 0;
        for (final int order : new int[] {0, 1, 2, 3, 9, 10, 11, 12}) {
            final long size = 1L << order;
            for (final long pfn : new long[] {0, PAGES - size, (PAGES / 2) & -size}) {
                // The highest descriptor address the format allows, and a low one: every pointer bit moves.
                final long address = (t % 2 == 0) ? Allocatee.POINTER_MASK : 0x10L * (t + 1);
                final long allocatee = Allocatee.of(types[t++ % types.length], address);
                memmap.setAllocated(pfn, order, allocatee);
                assertEquals(order, memmap.allocatedOrder(pfn), "allocatedOrder of the head");
                for (long p = pfn; p < pfn + size; p++) {
                    assertEquals(allocatee, memmap.allocatee(p), "allocatee of pfn 0x" + Long.toHexString(p)
                            + " in order-" + order + " block 0x" + Long.toHexString(pfn));
                    assertEquals(-1, memmap.freeOrder(p), "an allocated page is not free");
                    if (p != pfn) {
                        assertEquals(-1, memmap.allocatedOrder(p), "a tail heads nothing: 0x" + Long.toHexString(p));
                    }
                }
                if (pfn > 0) {
                    assertUnowned(memmap, pfn - 1);
                }
                if (pfn + size < PAGES) {
                    assertUnowned(memmap, pfn + size);
                }
                memmap.clearAllocated(pfn, order);
                for (long p = pfn; p < pfn + size; p++) {
                    assertUnowned(memmap, p);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void neighbouringAllocationsKeepTheirOwners(final Layout layout) {
        final Memmap memmap = bind(layout, PAGES);
        final long a = Allocatee.of(MemdescType.SLAB, 0xABC0);
        final long b = Allocatee.of(MemdescType.ANON_FOLIO, 0xDEF0);
        final long c = Allocatee.of(MemdescType.FILE_FOLIO, 0x1230);
        memmap.setAllocated(0, 2, a);
        memmap.setAllocated(4, 0, b);
        memmap.setAllocated(6, 1, c);
        memmap.setFree(5, 0);
        memmap.setNextFree(5, Memmap.NIL);
        memmap.setPrevFree(5, Memmap.NIL);
        memmap.setFree(8, 3);
        memmap.setNextFree(8, 5);
        memmap.setPrevFree(8, Memmap.NIL);
        assertEquals(2, memmap.allocatedOrder(0));
        assertEquals(0, memmap.allocatedOrder(4));
        assertEquals(1, memmap.allocatedOrder(6));
        assertEquals(0, memmap.freeOrder(5));
        assertEquals(3, memmap.freeOrder(8));
        assertEquals(5, memmap.nextFree(8));
        for (long p = 0; p < 4; p++) {
            assertEquals(a, memmap.allocatee(p));
        }
        assertEquals(b, memmap.allocatee(4));
        assertEquals(Allocatee.NONE, memmap.allocatee(5));
        assertEquals(c, memmap.allocatee(6));
        assertEquals(c, memmap.allocatee(7));
        memmap.clearAllocated(4, 0);
        assertEquals(a, memmap.allocatee(3), "clearing a neighbour leaves this owner");
        assertEquals(c, memmap.allocatee(6), "clearing a neighbour leaves this owner");
        assertEquals(0, memmap.freeOrder(5), "clearing a neighbour leaves this free mark");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void freedAllocationCanBecomeAFreeBlockAndBack(final Layout layout) {
        final Memmap memmap = bind(layout, PAGES);
        final long owner = Allocatee.of(MemdescType.ANON_FOLIO, 0x4440);
        // The buddy's sequence: allocate, clear, mark free with links, unmark, allocate again.
        memmap.setAllocated(16, 4, owner);
        memmap.clearAllocated(16, 4);
        memmap.setFree(16, 4);
        memmap.setNextFree(16, Memmap.NIL);
        memmap.setPrevFree(16, Memmap.NIL);
        assertEquals(4, memmap.freeOrder(16));
        memmap.clearFree(16);
        for (long p = 16; p < 32; p++) {
            assertUnowned(memmap, p);
        }
        memmap.setAllocated(16, 4, owner);
        assertEquals(4, memmap.allocatedOrder(16));
        assertEquals(owner, memmap.allocatee(31));
    }

    // ---- where things live ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void linksLiveInTheLayoutsLinkRegion(final Layout layout) {
        machine = Machine.create(PAGES << Machine.DEFAULT_PAGE_SHIFT);
        final CountingAccess counting = new CountingAccess();
        final Memmap memmap = layout.bind(machine, counting);
        memmap.setFree(64, 6);
        counting.beginOp();
        memmap.setNextFree(64, 3);
        memmap.nextFree(64);
        counting.endOp();
        assertEquals(1, counting.lastOpLines(memmap.linkRegion()), "one line for one link word");
        assertEquals(1, counting.lastOpLinesTotal(), "a link write touches nothing but its own line");
        final long firstWord = machine.ram().get(ValueLayout.JAVA_LONG, 64L << machine.pageShift());
        if (memmap.linkRegion() == Region.PAGE_DATA) {
            assertEquals(3L, firstWord, "links kept in the free page are its first word");
        } else {
            assertEquals(0L, firstWord, "links kept elsewhere leave page data untouched");
        }
        if (layout.name().equals("memdesc8")) {
            assertEquals(Region.PAGE_DATA, memmap.linkRegion(), "memdesc8 has no room: links live in the free page");
        }
        if (layout.name().equals("linux64") || layout.name().equals("memdesc16")) {
            assertEquals(Region.MEMMAP, memmap.linkRegion(), layout.name() + " threads links through the memmap");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void memmapBytesAreBytesPerPageTimesPages(final Layout layout) {
        for (final long pages : new long[] {1, 1000, 4096, 100_003}) {
            try (Machine m = Machine.create(pages << Machine.DEFAULT_PAGE_SHIFT)) {
                assertEquals(0, m.footprint().bytes(Region.MEMMAP), "no memmap before bind");
                layout.bind(m, PlainAccess.INSTANCE);
                assertEquals(NativeMemory.roundUp(layout.bytesPerPage() * pages, NativeMemory.HOST_PAGE),
                        m.footprint().bytes(Region.MEMMAP), layout.name() + " memmap bytes for " + pages + " pages");
                assertEquals(pages << Machine.DEFAULT_PAGE_SHIFT, m.footprint().bytes(Region.PAGE_DATA));
                assertEquals(0, m.footprint().bytes(Region.ALLOCATOR), "binding a layout allocates no allocator state");
            }
        }
    }

    // ---- field tables ----

    /** Absolute bit ranges [from, to) of each field within the entry. */
    private static long[][] bitRanges(final Layout layout) {
        return layout.fields().stream()
                .map(f -> new long[] {f.byteOffset() * 8L + f.bitOffset(), f.byteOffset() * 8L + f.bitOffset() + f.bitWidth()})
                .toArray(long[][]::new);
    }

    /** Layouts with a per-page entry; per-allocation layouts (0 B/page) describe other structures. */
    static Stream<Layout> perPageLayouts() {
        return Layouts.all().stream().filter(l -> l.bytesPerPage() > 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("perPageLayouts")
    void fieldTableFitsTheEntry(final Layout layout) {
        final int bits = layout.bytesPerPage() * 8;
        for (final LayoutField f : layout.fields()) {
            assertTrue(f.byteOffset() >= 0 && f.byteOffset() % 4 == 0, f + ": word offset");
            assertTrue(f.bitWidth() > 0 && f.bitOffset() >= 0, f + ": bit range");
            final long from = f.byteOffset() * 8L + f.bitOffset();
            final long to = from + f.bitWidth();
            assertTrue(to <= bits, f + " ends at bit " + to + ", past the " + bits + "-bit entry");
            assertTrue(f.bitOffset() + f.bitWidth() <= 64, f + " crosses its 64-bit word");
            assertTrue(!f.name().isBlank() && !f.meaning().isBlank(), f + ": name and meaning");
        }
        assertTrue(layout.fields().stream().anyMatch(f -> f.byteOffset() + 8 >= layout.bytesPerPage()),
                layout.name() + ": the table describes the entry's last word");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("perPageLayouts")
    void fieldTableIsInOffsetOrder(final Layout layout) {
        final long[][] ranges = bitRanges(layout);
        for (int i = 1; i < ranges.length; i++) {
            assertTrue(ranges[i][0] >= ranges[i - 1][0], layout.name() + ": field " + i + " starts before field " + (i - 1));
        }
    }

    /**
     * struct page has no unions at the bit level in memu's table: 64 bytes, each bit in exactly one
     * field (the memdesc layouts overlay free and allocated interpretations, so only fit is checked).
     */
    @org.junit.jupiter.api.Test
    void linux64FieldTableCoversSixtyFourBytesExactlyWithoutOverlap() {
        final Layout linux64 = Layouts.byName("linux64");
        assertEquals(64, linux64.bytesPerPage());
        final int[] owners = new int[512];
        long total = 0;
        for (final long[] r : bitRanges(linux64)) {
            total += r[1] - r[0];
            for (long b = r[0]; b < r[1]; b++) {
                owners[(int) b]++;
            }
        }
        for (int b = 0; b < owners.length; b++) {
            assertEquals(1, owners[b], "linux64 bit " + b + " (byte " + b / 8 + ", bit " + b % 64 + " of its word)"
                    + " belongs to " + owners[b] + " fields");
        }
        assertEquals(512, total);
    }

    @org.junit.jupiter.api.Test
    void bytesPerPageMatchTheDesign() {
        assertEquals(64, Layouts.byName("linux64").bytesPerPage());
        assertEquals(16, Layouts.byName("memdesc16").bytesPerPage());
        assertEquals(8, Layouts.byName("memdesc8").bytesPerPage());
    }
}

package dev.memu.host;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 4096-pfn fake /proc (host/make-fake-proc.py writes it):
 * <pre>
 * pfn          what                                      expected
 * 0            PG_reserved                               reserved
 * 1..15        blank, outside System RAM in iomem        hole
 * 16..31       PG_reserved                               reserved
 * 32..63       BUDDY                                     free order 5
 * 64..65       SLAB compound head + tail                 slab allocation order 1
 * 66           PGTABLE                                   page table order 0
 * 67..71       BUDDY                                     free order 0 (67) + order 2 (68)
 * 72..79       anon THP compound                         anon allocation order 3
 * 80..95       LRU|UPTODATE                              16 file pages
 * 96..2047     BUDDY, zone DMA32 starts at 1536          free 5,7,8,9 | 9 (split at the zone)
 * 2048..2050   PG_private only                           kernel
 * 2051..2055   blank                                     blank
 * 2056..2559   BUDDY                                     free orders 3,4,5,6,7,8
 * 2560..3071   hugetlb compound                          hugetlb allocation order 9
 * 3072..4095   blank                                     blank
 * </pre>
 */
class HostScannerTest {

    private static ProcFiles fake;
    private static HostSnapshot snap;

    @TempDir
    Path tmp;

    @BeforeAll
    static void scan() throws IOException, URISyntaxException {
        fake = new ProcFiles(Path.of(HostScannerTest.class.getResource("/host/proc/meminfo").toURI()).getParent());
        snap = new HostScanner(fake, 10).scan();
    }

    @Test
    void classifiesEveryPage() {
        assertEquals(4096, snap.pfns());
        assertEquals(17, snap.pages(PageClass.RESERVED));
        assertEquals(15, snap.pages(PageClass.HOLE), "blank pfns outside System RAM are holes");
        assertEquals(2493, snap.pages(PageClass.FREE));
        assertEquals(2, snap.pages(PageClass.SLAB));
        assertEquals(1, snap.pages(PageClass.PAGE_TABLE));
        assertEquals(8, snap.pages(PageClass.ANON));
        assertEquals(16, snap.pages(PageClass.FILE));
        assertEquals(3, snap.pages(PageClass.KERNEL));
        assertEquals(5 + 1024, snap.pages(PageClass.BLANK));
        assertEquals(512, snap.pages(PageClass.HUGETLB));
        assertEquals(8, snap.thpPages());
        assertEquals(0, snap.oddCompounds());
    }

    @Test
    void rebuildsCompoundAllocationsByOrder() {
        assertEquals(1, snap.allocations(PageClass.SLAB, 1));
        assertEquals(1, snap.allocations(PageClass.SLAB));
        assertEquals(1, snap.allocations(PageClass.ANON, 3));
        assertEquals(1, snap.allocations(PageClass.HUGETLB, 9));
        assertEquals(16, snap.allocations(PageClass.FILE, 0));
        assertEquals(1, snap.allocations(PageClass.PAGE_TABLE, 0));
    }

    @Test
    void rebuildsFreeBlocksAndMatchesBuddyinfo() throws IOException {
        final long[] expected = {1, 0, 1, 1, 1, 3, 1, 2, 2, 3, 0};
        assertArrayEquals(expected, snap.freeBlocksByOrder());
        assertEquals(2493, snap.freePages());
        final HostReport.BuddyCheck check = HostReport.buddyCheck(snap, fake.buddyinfo());
        assertArrayEquals(check.proc(), check.rebuilt(), "the fake buddyinfo is the truth here");
    }

    @Test
    void aFreeRunIsSplitAtAZoneBoundary() throws IOException {
        // without zoneinfo, 1024..2047 is one order-10 block instead of two order-9 blocks
        final Path noZones = tmp.resolve("proc");
        Files.createDirectories(noZones);
        for (final String f : List.of("kpageflags", "kpagecount", "iomem")) {
            Files.copy(fake.root().resolve(f), noZones.resolve(f));
        }
        final HostSnapshot s = new HostScanner(new ProcFiles(noZones), 10).scan();
        assertEquals(1, s.freeBlocksByOrder()[9], "only 512..1023 is left at order 9");
        assertEquals(1, s.freeBlocksByOrder()[10]);
        assertEquals(2493, s.freePages());
    }

    @Test
    void descriptorsFollowTheMemdescTable() {
        // slab 64 + ptdesc 64 + large anon folio 112 + 16 folios x 80 + large hugetlb folio 112
        assertEquals(64 + 64 + 112 + 16 * 80 + 112, snap.descriptorBytes());
        assertEquals(16 * 80, snap.descriptorBytes(PageClass.FILE));
    }

    @Test
    void layoutCostsOnThisHost() {
        final List<HostReport.LayoutCost> costs = HostReport.costs(snap, Layouts.all());
        final HostReport.LayoutCost linux = costs.get(0);
        assertEquals("linux64", linux.layout());
        assertEquals(64L * 4096, linux.memmapBytes());
        assertEquals(0, linux.descriptorBytes(), "a 64-byte struct page holds its descriptor");
        assertEquals(1.5625 + 100.0 * linux.allocatorBytes() / (4096 * 4096), linux.percentOfRam(), 1e-9);
        for (final HostReport.LayoutCost c : costs) {
            if (c.bytesPerPage() < 64) {
                assertEquals(1632, c.descriptorBytes(), c.layout());
                assertEquals(linux.totalBytes() - c.totalBytes(), c.savedVsStructPage());
            }
        }
    }

    @Test
    void crossChecksAgainstMeminfo() throws IOException {
        final List<HostReport.Check> checks = HostReport.meminfoChecks(snap, fake.meminfo());
        final HostReport.Check total = find(checks, "total");
        assertEquals(16256, total.procKb());
        assertEquals(16256, total.rebuiltKb());
        final HostReport.Check free = find(checks, "free");
        assertEquals(-4, free.differenceKb(), "one page on a per-CPU list in the fake MemFree");
        assertEquals(32, find(checks, "anon").rebuiltKb());
        assertEquals(64, find(checks, "file").rebuiltKb());
        assertEquals(8, find(checks, "slab").rebuiltKb());
        assertEquals(4, find(checks, "pagetables").rebuiltKb());
        assertEquals(2048, find(checks, "hugetlb").procKb());
        assertEquals(2048, find(checks, "hugetlb").rebuiltKb());
    }

    private static HostReport.Check find(final List<HostReport.Check> checks, final String what) {
        return checks.stream().filter(c -> c.what().equals(what)).findFirst().orElseThrow();
    }

    @Test
    void missingFilesAreNamed() throws URISyntaxException {
        final Path noroot = Path.of(HostScannerTest.class.getResource("/host/noroot/meminfo").toURI()).getParent();
        final NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> new HostScanner(new ProcFiles(noroot), 10).scan());
        assertTrue(e.getMessage().contains("kpageflags"), e.getMessage());
    }

    @Test
    void filesThatDisagreeInLengthAreRefused() throws IOException {
        final Path short1 = tmp.resolve("short");
        Files.createDirectories(short1);
        Files.write(short1.resolve("kpageflags"), new byte[8]);
        Files.write(short1.resolve("kpagecount"), new byte[16]);
        final IOException mismatch = assertThrows(IOException.class, () -> new HostScanner(new ProcFiles(short1), 10).scan());
        assertTrue(mismatch.getMessage().contains("disagree"), mismatch.getMessage());
    }

    @Test
    void anUnreadableFileIsNamed() throws IOException {
        final Path locked = tmp.resolve("locked");
        Files.createDirectories(locked);
        Files.write(locked.resolve("kpageflags"), new byte[8]);
        Files.write(locked.resolve("kpagecount"), new byte[8]);
        try {
            Files.setPosixFilePermissions(locked.resolve("kpageflags"), java.util.Set.of());
        } catch (final UnsupportedOperationException e) {
            Assumptions.abort("no POSIX permissions on this file system");
        }
        Assumptions.assumeFalse(Files.isReadable(locked.resolve("kpageflags")),
                "root (or a capability) reads a mode-000 file anyway");
        final AccessDeniedException e = assertThrows(AccessDeniedException.class,
                () -> new HostScanner(new ProcFiles(locked), 10).scan());
        assertTrue(e.getMessage().contains("kpageflags") && e.getMessage().contains("root"), e.getMessage());
    }

    @Test
    void allocatorColumnIsWhatTheBuddyMapsPerZone() {
        // the fake host has two zones with pages, DMA (1..1535) and DMA32 (1536..4095): one buddy each
        long expected = 0;
        for (final ProcFiles.Zone z : snap.zones()) {
            try (Machine m = Machine.create(z.spanned() << 12)) {
                new BuddyAllocator(Layouts.byName("memdesc8").bind(m, PlainAccess.INSTANCE), AllocatorOptions.defaults());
                expected += m.footprint().bytes(dev.memu.access.Region.ALLOCATOR);
            }
        }
        assertEquals(2, snap.zones().size());
        assertTrue(expected > 0);
        final HostReport.LayoutCost md8 = HostReport.costs(snap, List.of(Layouts.byName("memdesc8"))).get(0);
        assertEquals(expected, md8.allocatorBytes());
        assertEquals(md8.memmapBytes() + md8.descriptorBytes() + expected, md8.totalBytes());
        // a bigger host costs more allocator metadata (usemap per 128 MiB section): nothing is a constant
        final long small = HostReport.allocatorBytes("buddy", Layouts.byName("memdesc8"), 1L << 15, 12);
        final long large = HostReport.allocatorBytes("buddy", Layouts.byName("memdesc8"), 1L << 22, 12);
        assertTrue(large > small, small + " vs " + large);
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        final Path file = tmp.resolve("host.snap");
        snap.save(file);
        final HostSnapshot back = HostSnapshot.load(file);
        assertEquals(snap.pfns(), back.pfns());
        assertArrayEquals(snap.freeBlocksByOrder(), back.freeBlocksByOrder());
        assertEquals(snap.extents(), back.extents());
        for (int i = 0; i < snap.extents(); i++) {
            assertEquals(snap.extentPfn(i), back.extentPfn(i));
            assertEquals(snap.extentCount(i), back.extentCount(i));
            assertEquals(snap.extentOrder(i), back.extentOrder(i));
            assertEquals(snap.extentClass(i), back.extentClass(i));
        }
        for (final PageClass c : PageClass.values()) {
            assertEquals(snap.pages(c), back.pages(c));
            assertEquals(snap.allocations(c), back.allocations(c));
        }
        assertEquals(snap.zones(), back.zones());
    }

    @Test
    void loadRejectsWhatIsNotASnapshot() throws IOException {
        final Path bogus = tmp.resolve("bogus");
        Files.writeString(bogus, "hello");
        final IOException e = assertThrows(IOException.class, () -> HostSnapshot.load(bogus));
        assertTrue(e.getMessage().contains(bogus.toString()));
        final Path cut = tmp.resolve("cut.snap");
        snap.save(tmp.resolve("full.snap"));
        final byte[] full = Files.readAllBytes(tmp.resolve("full.snap"));
        Files.write(cut, java.util.Arrays.copyOf(full, full.length / 2));
        assertThrows(IOException.class, () -> HostSnapshot.load(cut));
    }

    @Test
    void bootsAMemmapAtTheHostsPfns() {
        for (final Layout layout : Layouts.all()) {
            try (Machine m = Machine.create(4096L << 12)) {
                final Memmap mm = layout.bind(m, PlainAccess.INSTANCE);
                snap.applyTo(mm, false, 10);
                assertEquals(5, mm.freeOrder(32), layout.name());
                assertEquals(-1, mm.freeOrder(33), layout.name());
                assertEquals(9, mm.freeOrder(1536), layout.name());
                assertEquals(1, mm.allocatedOrder(64), layout.name());
                assertEquals(MemdescType.SLAB, Allocatee.type(mm.allocatee(65)), layout.name());
                assertEquals(3, mm.allocatedOrder(72), layout.name());
                assertEquals(MemdescType.ANON_FOLIO, Allocatee.type(mm.allocatee(79)), layout.name());
                assertEquals(9, mm.allocatedOrder(2560), layout.name());
                assertEquals(MemdescType.PAGE_TABLE, Allocatee.type(mm.allocatee(66)), layout.name());
                // the memmap the report computes is the one a booted machine maps
                final HostReport.LayoutCost cost = HostReport.costs(snap, List.of(layout)).get(0);
                if (layout.bytesPerPage() > 0) {
                    assertEquals(cost.memmapBytes(), m.footprint().bytes(dev.memu.access.Region.MEMMAP), layout.name());
                } else {
                    // no memmap at all: one 16-byte record per allocation and per free block instead
                    assertEquals(0, m.footprint().bytes(dev.memu.access.Region.MEMMAP), layout.name());
                    assertTrue(HostReport.records(snap) > 0);
                    assertEquals(16 * HostReport.records(snap), cost.memmapBytes(), layout.name());
                }
            }
        }
    }

    @Test
    void bootsAnAllocatorWithTheHostsFreeBlocks() {
        try (Machine m = Machine.create(4096L << 12)) {
            final Memmap mm = Layouts.byName("linux64").bind(m, PlainAccess.INSTANCE);
            final BuddyAllocator buddy = new BuddyAllocator(mm, AllocatorOptions.defaults());
            final long freed = snap.bootAllocator(buddy, false);
            assertEquals(2493, freed);
            assertEquals(2493, buddy.freePages());
            // the emulator has one zone: 1024..1535 and 1536..2047 merge into one order-10 block
            assertArrayEquals(new long[] {1, 0, 1, 1, 1, 3, 1, 2, 2, 1, 1}, buddy.freeBlocksByOrder(),
                    "the buddy merges the freed pages into the blocks the host had, but across zones");
            assertTrue(buddy.verify().ok(), buddy.verify().toString());
        }
    }
}

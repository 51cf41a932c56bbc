package dev.memu.machine;

import dev.memu.access.Region;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HugePagesTest {

    private static final long MIB = 1L << 20;

    @Test
    void hugeMappingsStartOnA2MiBBoundaryAndKeepTheirSize() {
        try (Arena arena = Arena.ofShared()) {
            for (final long bytes : new long[] {2 * MIB, 3 * MIB + 4096, 10 * MIB}) {
                final MemorySegment s = NativeMemory.mapHuge(bytes, arena);
                assertEquals(0, s.address() % NativeMemory.HUGE_PAGE, "aligned");
                assertEquals(bytes, s.byteSize(), "size rounded to the host page only");
                s.set(ValueLayout.JAVA_LONG, bytes - 8, 42L);      // the whole range is mapped
                assertEquals(42L, s.get(ValueLayout.JAVA_LONG, bytes - 8));
            }
        }
    }

    @Test
    void policyAdvisesMetadataBetweenOneHugePageAndItsCap() {
        final HugePagePolicy p = new HugePagePolicy(true, false, 64 * MIB);
        assertTrue(p.advises(false, 2 * MIB));
        assertTrue(p.advises(false, 64 * MIB));
        assertFalse(p.advises(false, 2 * MIB - 4096), "below one huge page");
        assertFalse(p.advises(false, 64 * MIB + 4096), "above the cap");
        assertFalse(p.advises(true, 8 * MIB), "RAM is off unless asked");
        assertTrue(p.withRam(true).advises(true, 8 * MIB));
    }

    @Test
    void aReportComesBackFromItsJsonAndSumsItsMetadata() {
        final HugePageReport r = new HugePageReport("madvise", List.of(
                new HugePageReport.RegionBacking(Region.MEMMAP, 16 * MIB, 16 * MIB, 8 * MIB, 6 * MIB),
                new HugePageReport.RegionBacking(Region.ALLOCATOR, 4096, 0, 4096, 0),
                new HugePageReport.RegionBacking(Region.PAGE_DATA, 1L << 30, 0, 2 * MIB, 0)));
        assertEquals(r, HugePageReport.fromJson(r.asJson()));
        assertEquals(null, HugePageReport.fromJson(java.util.Map.of("thpMode", "never")), "no byRegion");
        assertEquals(null, HugePageReport.fromJson(null));
        assertEquals(new HugePageReport.RegionBacking(null, 16 * MIB + 4096, 16 * MIB, 8 * MIB + 4096, 6 * MIB),
                r.metadata(), "every region but the RAM");
    }

    @Test
    void aSystemPropertyReplacesTheLimitPerMapping() {
        final String before = System.getProperty(HugePagePolicy.MAX_MAPPING_PROPERTY);
        try {
            System.setProperty(HugePagePolicy.MAX_MAPPING_PROPERTY, "64G");
            assertEquals(64L << 30, HugePagePolicy.defaults().maxMapping());
            System.setProperty(HugePagePolicy.MAX_MAPPING_PROPERTY, "512m");
            assertEquals(512L << 20, HugePagePolicy.defaults().maxMapping());
            System.setProperty(HugePagePolicy.MAX_MAPPING_PROPERTY, "4096");
            assertEquals(4096, HugePagePolicy.defaults().maxMapping());
            System.setProperty(HugePagePolicy.MAX_MAPPING_PROPERTY, "99999999999T");
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, HugePagePolicy::defaults,
                    "beyond a long");
            System.setProperty(HugePagePolicy.MAX_MAPPING_PROPERTY, "lots");
            final IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, HugePagePolicy::defaults);
            assertTrue(e.getMessage().startsWith("-Dmemu.hugepages.maxMapping='lots'"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(HugePagePolicy.MAX_MAPPING_PROPERTY);
            } else {
                System.setProperty(HugePagePolicy.MAX_MAPPING_PROPERTY, before);
            }
        }
        assertEquals(HostMemory.availableBytes() / 8, HugePagePolicy.defaults().maxMapping(), 1L << 30,
                "without it, an eighth of the host's available memory");
    }

    @Test
    void machineRecordsEveryMappingAndWhichWereAdvised() {
        try (Machine m = Machine.create(64 * MIB, 12, new HugePagePolicy(true, false, 1L << 30))) {
            m.allocate(Region.MEMMAP, 4 * MIB);
            m.allocate(Region.ALLOCATOR, 4096);
            final List<Machine.Mapping> maps = m.mappings();
            assertEquals(3, maps.size());
            assertEquals(Region.PAGE_DATA, maps.get(0).region());
            assertFalse(maps.get(0).advisedHuge(), "RAM not advised by this policy");
            assertTrue(maps.get(1).advisedHuge(), "4 MiB memmap advised");
            assertFalse(maps.get(2).advisedHuge(), "one page of allocator metadata not advised");
            assertEquals(64 * MIB + 4 * MIB + 4096, m.footprint().bytes(Region.PAGE_DATA)
                    + m.footprint().bytes(Region.MEMMAP) + m.footprint().bytes(Region.ALLOCATOR));
        }
    }

    @Test
    void smapsIsParsedAndSplitOverTheMachinesMappings() {
        final List<HugePageReport.Vma> vmas = HugePageReport.parseSmaps(List.of(
                "7f0000000000-7f0000400000 rw-p 00000000 00:00 0 ",
                "Size:               4096 kB",
                "Rss:                4096 kB",
                "AnonHugePages:      4096 kB",
                "VmFlags: rd wr mr mw me ac hg",
                "7f0000400000-7f0000401000 rw-p 00000000 00:00 0 ",
                "Rss:                   4 kB",
                "AnonHugePages:         0 kB"));
        assertEquals(2, vmas.size());
        // Two machine mappings merged by the kernel into the first VMA, 2 MiB each.
        final HugePageReport r = HugePageReport.of(List.of(
                new Machine.Mapping(Region.MEMMAP, 0x7f0000000000L, 2 * MIB, true),
                new Machine.Mapping(Region.LOOKUP, 0x7f0000200000L, 2 * MIB, true),
                new Machine.Mapping(Region.ALLOCATOR, 0x7f0000400000L, 4096, false)), vmas, "madvise");
        assertEquals("madvise", r.thpMode());
        assertEquals(3, r.regions().size());
        for (final HugePageReport.RegionBacking b : r.regions()) {
            switch (b.region()) {
                case MEMMAP, LOOKUP -> {
                    assertEquals(2 * MIB, b.hugeBytes());
                    assertEquals(2 * MIB, b.advisedBytes());
                }
                case ALLOCATOR -> {
                    assertEquals(0, b.hugeBytes());
                    assertEquals(4096, b.residentBytes());
                    assertEquals(0, b.advisedBytes());
                }
                default -> throw new AssertionError(b);
            }
        }
    }

    /**
     * Two mappings made one after the other (the kernel places them side by side) stay two VMAs,
     * each with its own Rss: the one written is resident, the other not. Without the guard pages
     * they merged, and a large untouched mapping took most of a small touched one's Rss.
     */
    @Test
    void everyMappingIsAVmaOfItsOwnWithItsOwnRss() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "no smaps on this host");
        try (Machine m = Machine.create(16 * MIB, 12, HugePagePolicy.OFF)) {
            final MemorySegment touched = m.allocate(Region.MEMMAP, 8 * MIB);
            final MemorySegment idle = m.allocate(Region.LOOKUP, 64 * MIB);
            touched.fill((byte) 1);
            final List<HugePageReport.Vma> vmas = HugePageReport.parseSmaps(Files.readAllLines(Path.of("/proc/self/smaps")));
            for (final MemorySegment s : List.of(touched, idle)) {
                assertEquals(1, vmas.stream().filter(v -> v.start() == s.address() && v.end() == s.address() + s.byteSize())
                        .count(), "a VMA of exactly the mapping at 0x" + Long.toHexString(s.address()));
            }
            final HugePageReport r = HugePageReport.of(m);
            assertEquals(8 * MIB, r.backing(Region.MEMMAP).residentBytes(), "all of the written mapping, and only it");
            assertEquals(0, r.backing(Region.LOOKUP).residentBytes());
        }
    }

    @Test
    void theKernelBacksATouchedAdvisedMappingWhenThpIsOn() {
        final String mode = HostMemory.thpMode();
        assumeTrue(mode.equals("madvise") || mode.equals("always"), "THP is " + mode + " on this host");
        try (Machine m = Machine.create(16 * MIB, 12, new HugePagePolicy(true, false, 1L << 30))) {
            final MemorySegment memmap = m.allocate(Region.MEMMAP, 8 * MIB);
            memmap.fill((byte) 1);
            final HugePageReport r = HugePageReport.of(m);
            final long huge = r.regions().stream().filter(b -> b.region() == Region.MEMMAP)
                    .mapToLong(HugePageReport.RegionBacking::hugeBytes).sum();
            // The kernel may lack free huge pages at this moment; it must at least have tried some.
            assumeTrue(huge > 0, "the kernel backed nothing with huge pages (fragmented host?)");
            assertTrue(huge <= 8 * MIB, "no more than was mapped: " + huge);
        }
    }

    @Test
    void hostMemoryReadsMeminfoAndThpModeFiles(@org.junit.jupiter.api.io.TempDir final Path dir) throws IOException {
        final Path meminfo = dir.resolve("meminfo");
        Files.writeString(meminfo, "MemTotal:       24000000 kB\nMemAvailable:   20000000 kB\n");
        assertEquals(20000000L * 1024, HostMemory.availableBytes(meminfo));
        assertEquals(HostMemory.FALLBACK_AVAILABLE, HostMemory.availableBytes(dir.resolve("missing")));
        final Path enabled = dir.resolve("enabled");
        Files.writeString(enabled, "always [madvise] never\n");
        assertEquals("madvise", HostMemory.thpMode(enabled));
        assertEquals("unknown", HostMemory.thpMode(dir.resolve("missing")));
    }
}

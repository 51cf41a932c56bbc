package dev.memu.alloc.potad;

import dev.memu.access.CountingAccess;
import dev.memu.access.Region;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * POTAD on 1 TiB and 16 TiB of emulated RAM (memdesc8-hvo: 2 GiB and 32 GiB of memmap, 32 MiB
 * and 512 MiB of bits, 4 MiB and 64 MiB of entries, all mapped lazily; the test touches a few
 * MiB of them). The order-0 fast path stays at 3 lines whatever the size; the reservation search
 * reads the summary above the entries first ({@link PotadCore}: one hint bit per region, 512
 * regions per line) and skips the 2048 regions of a 4 GiB block in 4 summary lines instead of 256
 * entry lines. And a stale hint (a region freed by order-0 frees, which never touch the summary)
 * does not hide the region: the full search finds it and clears the hint.
 * Each size test needs the host to map the whole layout lazily, else it is skipped.
 */
class PotadScaleTest {

    private static final long OWNER = Allocatee.of(MemdescType.ANON_FOLIO, 0x40);

    private static Machine machineOrSkip(final long bytes) {
        try {
            return Machine.create(bytes);
        } catch (final RuntimeException | OutOfMemoryError e) {
            assumeTrue(false, "host cannot map " + (bytes >> 40) + " TiB lazily: " + e);
            return null;
        }
    }

    /** POTAD on memdesc8-hvo over {@code machine}, or the test skipped when the host cannot map its metadata lazily. */
    private static PotadAllocator potadOrSkip(final Machine machine, final CountingAccess access, final int vcpus) {
        try {
            return new PotadAllocator(Layouts.byName("memdesc8-hvo").bind(machine, access),
                    AllocatorOptions.defaults().withVcpus(vcpus));
        } catch (final RuntimeException | OutOfMemoryError e) {
            assumeTrue(false, "host cannot map the metadata of " + (machine.ramBytes() >> 40) + " TiB lazily: " + e);
            return null;
        }
    }

    @ParameterizedTest(name = "{0} TiB")
    @ValueSource(longs = {1, 16})
    void fastPathStaysAtThreeLinesAndTheSearchIsLinearInSkippedRegions(final long tib) {
        try (Machine machine = machineOrSkip(tib << 40)) {
            final CountingAccess access = new CountingAccess();
            final PotadAllocator potad = potadOrSkip(machine, access, 2);
            assertEquals(28 + Long.numberOfTrailingZeros(tib), potad.maxOrder(), "order of all of memory");
            final long huge = potad.alloc(20, OWNER, 0);         // regions 0..2047, from vcpu 0's cursor
            assertEquals(0, huge);

            access.beginOp();
            final long first = potad.alloc(0, OWNER, 0);          // reserve: scans past the 2048 huge regions
            access.endOp();
            assertEquals(2048L << PotadCore.REGION_ORDER, first, "first free region after the block");
            final int searchLines = access.lastOpLines(Region.ALLOCATOR) - 2;   // less slot + bitfield
            assertEquals(2048 / 512 + 1 + 1, searchLines,
                    "summary words 0..32 (5 lines: 4 of marked regions, 1 holding region 2048's) + its entry line");

            long allocLines = 0;
            long freeLines = 0;
            final int n = 1000;
            final long[] pfns = new long[n];
            for (int i = 0; i < n; i++) {
                access.beginOp();
                pfns[i] = potad.alloc(0, OWNER, 0);
                access.endOp();
                allocLines += access.lastOpLinesTotal();
            }
            for (int i = n - 1; i >= 0; i--) {
                access.beginOp();
                potad.free(pfns[i], 0, 0);
                access.endOp();
                freeLines += access.lastOpLinesTotal();
            }
            // 3 per op; the one new reservation when the first region's 512 frames run out adds a line.
            assertTrue(allocLines >= 3L * n && allocLines <= 3L * n + 2, "order-0 alloc: slot, bitfield, memmap; got " + allocLines);
            assertEquals(3L * n, freeLines, "order-0 free: memmap, bitfield, entry");
            System.out.printf("potad %2d TiB: order-0 alloc %.3f / free %.3f lines; a reservation past 2048 huge"
                    + " regions reads %d summary and entry lines%n", tib, allocLines / (double) n,
                    freeLines / (double) n, searchLines);

            potad.free(first, 0, 0);
            potad.free(huge, 20, 0);
            final long other = potad.alloc(0, OWNER, 1);          // vcpu 1's cursor: the middle of RAM
            assertTrue(other >= (machine.pages() / 2), "vcpu 1 starts in the second half, got " + other);
            potad.free(other, 0, 1);
            assertEquals(machine.pages(), potad.freePages());
            assertEquals(0, potad.core().rawSummary(0), "the huge free cleared its regions' hints");
        }
    }

    /**
     * POTAD on two regions, left with a stale hint: region 0 filled by order-0 allocations (the
     * search then marks it empty), one page taken in region 1, and region 0 freed again by
     * order-0 frees, which never touch the summary.
     */
    private static PotadCore withRegionZeroFreeBehindAStaleHint(final Machine machine) {
        final PotadCore core = new PotadAllocator(Layouts.byName("memdesc8").bind(machine,
                dev.memu.access.PlainAccess.INSTANCE), AllocatorOptions.defaults()).core();
        final long[] first = new long[PotadCore.REGION_FRAMES];
        for (int i = 0; i < first.length; i++) {
            first[i] = core.alloc(0, 0);
            assertTrue(first[i] < PotadCore.REGION_FRAMES, "region 0 first");
        }
        assertTrue(core.alloc(0, 0) >= PotadCore.REGION_FRAMES, "region 0 is full: region 1");
        assertEquals(1, core.rawSummary(0), "the search found region 0 empty and marked it");
        for (final long f : first) {
            assertEquals(null, core.free(f, 0));
        }
        assertEquals(1, core.rawSummary(0), "frees never touch the summary: the hint is stale");
        return core;
    }

    @org.junit.jupiter.api.Test
    void aStaleHintDoesNotHideAFreedRegion() {
        try (Machine machine = Machine.create(2L << 21)) {       // two regions
            final PotadCore core = withRegionZeroFreeBehindAStaleHint(machine);
            for (int i = 1; i < PotadCore.REGION_FRAMES; i++) {
                assertTrue(core.alloc(0, 0) >= PotadCore.REGION_FRAMES, "region 1 until it is full");
            }
            final long again = core.alloc(0, 0);
            assertTrue(again < PotadCore.REGION_FRAMES, "the full search found region 0, got " + again);
            assertEquals(2, core.rawSummary(0), "region 0's hint cleared, region 1 marked empty");
            assertEquals(PotadCore.REGION_FRAMES - 1, core.freeFrames());
        }
    }

    @ParameterizedTest(name = "{0} TiB")
    @ValueSource(longs = {1, 16})
    void theHugeSearchSkipsMarkedRegionsBySummaryWords(final long tib) {
        try (Machine machine = machineOrSkip(tib << 40)) {
            final CountingAccess access = new CountingAccess();
            final PotadAllocator potad = potadOrSkip(machine, access, 1);
            // Regions 0..4095 (8 GiB) taken as two order-20 blocks in place: the huge cursor stays at 0.
            assertTrue(potad.core().claimAt(0, 20));
            assertTrue(potad.core().claimAt(2048L << PotadCore.REGION_ORDER, 20));
            access.beginOp();
            final long block = potad.alloc(9, OWNER, 0);
            access.endOp();
            assertEquals(4096L << PotadCore.REGION_ORDER, block, "the first wholly free region");
            final int lines = access.lastOpLines(Region.ALLOCATOR);
            // 4096 marked regions = 64 summary words = 8 lines, plus the line with region 4096's
            // word (read, then marked) and its entry; the slot line for the huge cursor. Reading
            // the entries instead would be 512 lines.
            assertTrue(lines <= 12, "order-9 alloc past 4096 marked regions read " + lines + " allocator lines");
            System.out.printf("potad %2d TiB: an order-9 alloc past 4096 huge regions reads %d allocator lines%n",
                    tib, lines);
            potad.free(block, 9, 0);
        }
    }

    @org.junit.jupiter.api.Test
    void aStaleHintDoesNotHideAWhollyFreeRegionFromAHugeAllocation() {
        try (Machine machine = Machine.create(2L << 21)) {       // two regions
            final PotadCore core = withRegionZeroFreeBehindAStaleHint(machine);
            assertEquals(0, core.alloc(9, 0), "the full pass finds region 0 behind its stale hint");
            assertEquals(PotadCore.NO_FRAME, core.alloc(9, 0), "region 1 holds a page: no second huge block");
        }
    }
}

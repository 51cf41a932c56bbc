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
 * MiB of them). The order-0 fast path stays at 3 lines whatever the size; every search reads the
 * summary above the entries first ({@link PotadSummary}: one bit per region with no tokens, 512
 * regions per line, and one bit per 64 summary words above that), so a reservation past 2048 huge
 * regions reads 3 summary lines instead of 256 entry lines, and an order-0 allocation that fails
 * on a full RAM reads the top level (16 lines at 1 TiB, 256 at 16 TiB) instead of every entry
 * (64 Ki and 1 Mi lines). A free that gives a marked region a token clears its mark, so marks are
 * never stale at quiescence and skipping them is exact.
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
            assertEquals(4, searchLines, "summary word 0 (all marked), the top word (words 1..31 all marked),"
                    + " summary word 32 (region 2048 unmarked) and region 2048's entry");

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
            // Memmap, bitfield, entry; the first free into each of the two regions (whose entries
            // had run dry) also reads its summary word.
            assertTrue(freeLines >= 3L * n && freeLines <= 3L * n + 2, "order-0 free: memmap, bitfield, entry; got " + freeLines);
            System.out.printf("potad %2d TiB: order-0 alloc %.3f / free %.3f lines; a reservation past 2048 huge"
                    + " regions reads %d summary and entry lines%n", tib, allocLines / (double) n,
                    freeLines / (double) n, searchLines);

            potad.free(first, 0, 0);
            potad.free(huge, 20, 0);
            final long other = potad.alloc(0, OWNER, 1);          // vcpu 1's cursor: the middle of RAM
            assertTrue(other >= (machine.pages() / 2), "vcpu 1 starts in the second half, got " + other);
            potad.free(other, 0, 1);
            assertEquals(machine.pages(), potad.freePages());
            assertEquals(0, potad.core().rawSummary(0), "the huge free cleared its regions' marks");
            assertEquals(0, potad.core().rawSummaryTop(0), "and the top level's");
        }
    }

    /**
     * Every region taken but one frame (huge blocks of halving orders, the last region filled by
     * order 0..8 blocks but frame 1): the allocation that takes that frame and the next one, which
     * fails, each read the top level of the summary, not the entries.
     */
    @ParameterizedTest(name = "{0} TiB")
    @ValueSource(longs = {1, 16})
    void aFailingAllocationOnAFullRamReadsTheTopLevelNotTheEntries(final long tib) {
        try (Machine machine = machineOrSkip(tib << 40)) {
            final CountingAccess access = new CountingAccess();
            final PotadAllocator potad = potadOrSkip(machine, access, 1);
            final PotadCore core = potad.core();
            final long regions = core.regions();
            long start = 0;
            for (int order = core.maxOrder() - 1; order >= PotadCore.REGION_ORDER; order--) {
                assertTrue(core.claimAt(start, order), "order " + order + " at " + start);
                start += 1L << order;
            }
            assertEquals((regions - 1) << PotadCore.REGION_ORDER, start, "all but the last region");
            assertTrue(core.claimAt(start, 0));
            for (int order = 1; order < PotadCore.REGION_ORDER; order++) {
                assertTrue(core.claimAt(start + (1L << order), order));
            }
            assertEquals(1, core.freeFrames());
            final long topLines = (regions / (64 * 64) * 8 + 63) / 64;

            access.beginOp();
            final long last = potad.alloc(0, OWNER, 0);
            access.endOp();
            assertEquals(start + 1, last, "the one free frame");
            final int found = access.lastOpLines(Region.ALLOCATOR);

            access.beginOp();
            final long none = potad.alloc(0, OWNER, 0);
            access.endOp();
            assertEquals(PotadAllocator.NO_PAGE, none);
            final int failed = access.lastOpLines(Region.ALLOCATOR);
            // The reservation search and the last-resort scan each: summary word 0, the top words,
            // the last summary word; plus the slot, the last region's entry and bitfield.
            assertTrue(found <= topLines + 8, "the allocation of the last frame read " + found + " allocator lines");
            assertTrue(failed <= topLines + 8, "the failing allocation read " + failed + " allocator lines");
            System.out.printf("potad %2d TiB, full: the last frame's allocation reads %d allocator lines, the failing one"
                    + " %d (top level %d lines; the entries would be %d)%n", tib, found, failed, topLines, regions / 8);
            potad.free(last, 0, 0);
            access.beginOp();
            assertEquals(last, potad.alloc(0, OWNER, 0), "the free cleared the last region's mark");
            access.endOp();
            final java.util.List<String> problems = new java.util.ArrayList<>();
            core.verify(problems);
            assertEquals(java.util.List.of(), problems);
        }
    }

    /**
     * An order-18 (1 GiB) allocation past 16 GiB of huge blocks: the blocks that start in
     * all-marked summary words are skipped by the top level (one top word for 4096 regions), not
     * by reading each block's summary words.
     */
    @ParameterizedTest(name = "{0} TiB")
    @ValueSource(longs = {1, 16})
    void giganticBlocksInAllMarkedWordsAreSkippedByTheTopLevel(final long tib) {
        try (Machine machine = machineOrSkip(tib << 40)) {
            final CountingAccess access = new CountingAccess();
            final PotadAllocator potad = potadOrSkip(machine, access, 1);
            for (long r = 0; r < 8192; r += 2048) {               // regions 0..8191 as four order-20 blocks
                assertTrue(potad.core().claimAt(r << PotadCore.REGION_ORDER, 20));
            }
            access.beginOp();
            final long block = potad.alloc(18, OWNER, 0);
            access.endOp();
            assertEquals(8192L << PotadCore.REGION_ORDER, block, "the first wholly free 1 GiB");
            final int lines = access.lastOpLines(Region.ALLOCATOR);
            // The slot (huge cursor), the top word (summary words 0..127 all marked: 16 blocks of
            // 512 regions skipped), summary word 128's line, and the 512 entries (64 lines) that
            // the claim reads and CASes. Reading each skipped block's 8 summary words instead
            // would add 16 lines.
            assertTrue(lines <= 1 + 1 + 1 + 64 + 2, "order-18 alloc past 8192 marked regions read " + lines + " allocator lines");
            System.out.printf("potad %2d TiB: an order-18 alloc past 8192 huge regions reads %d allocator lines%n", tib, lines);
            potad.free(block, 18, 0);
        }
    }

    /**
     * POTAD on two regions: region 0 filled by order-0 allocations (the search that moves on to
     * region 1 finds it without tokens and marks it), then freed again.
     */
    private static PotadCore withRegionZeroFilledAndFreed(final Machine machine) {
        final PotadCore core = new PotadAllocator(Layouts.byName("memdesc8").bind(machine,
                dev.memu.access.PlainAccess.INSTANCE), AllocatorOptions.defaults()).core();
        final long[] first = new long[PotadCore.REGION_FRAMES];
        for (int i = 0; i < first.length; i++) {
            first[i] = core.alloc(0, 0);
            assertTrue(first[i] < PotadCore.REGION_FRAMES, "region 0 first");
        }
        assertTrue(core.alloc(0, 0) >= PotadCore.REGION_FRAMES, "region 0 is full: region 1");
        assertEquals(1, core.rawSummary(0), "the search found region 0 without tokens and marked it");
        assertEquals(null, core.free(first[0], 0));
        assertEquals(0, core.rawSummary(0), "the free that gave region 0 its first token cleared the mark");
        for (int i = 1; i < first.length; i++) {
            assertEquals(null, core.free(first[i], 0));
        }
        return core;
    }

    @org.junit.jupiter.api.Test
    void aFreedRegionIsFoundAgain() {
        try (Machine machine = Machine.create(2L << 21)) {       // two regions
            final PotadCore core = withRegionZeroFilledAndFreed(machine);
            for (int i = 1; i < PotadCore.REGION_FRAMES; i++) {
                assertTrue(core.alloc(0, 0) >= PotadCore.REGION_FRAMES, "region 1 until it is full");
            }
            final long again = core.alloc(0, 0);
            assertTrue(again < PotadCore.REGION_FRAMES, "the search found region 0, got " + again);
            assertEquals(2, core.rawSummary(0), "region 1 marked without tokens, region 0 not");
            assertEquals(PotadCore.REGION_FRAMES - 1, core.freeFrames());
        }
    }

    @org.junit.jupiter.api.Test
    void aWhollyFreedRegionIsFoundByAHugeAllocation() {
        try (Machine machine = Machine.create(2L << 21)) {       // two regions
            final PotadCore core = withRegionZeroFilledAndFreed(machine);
            assertEquals(0, core.alloc(9, 0), "region 0, freed page by page");
            assertEquals(PotadCore.NO_FRAME, core.alloc(9, 0), "region 1 holds a page: no second huge block");
        }
    }

    @org.junit.jupiter.api.Test
    void verifyReportsAStaleMark() {
        try (Machine machine = Machine.create(2L << 21)) {
            final PotadCore core = withRegionZeroFilledAndFreed(machine);
            final java.util.List<String> problems = new java.util.ArrayList<>();
            core.verify(problems);
            assertEquals(java.util.List.of(), problems);
            core.setRawSummary(0, 1);                           // region 0 marked, with 512 tokens
            core.verify(problems);
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains("region 0 is marked"), problems.get(0));
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
            // Summary word 0 (all marked), the top word (words 1..63 all marked), the line with
            // region 4096's word (read, then marked) and its entry; the slot line for the huge
            // cursor. Reading the entries instead would be 512 lines, the summary words 9.
            assertEquals(5, lines, "order-9 alloc past 4096 marked regions read " + lines + " allocator lines");
            System.out.printf("potad %2d TiB: an order-9 alloc past 4096 huge regions reads %d allocator lines%n",
                    tib, lines);
            potad.free(block, 9, 0);
        }
    }
}

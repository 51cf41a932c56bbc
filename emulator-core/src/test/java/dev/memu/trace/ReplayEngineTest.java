package dev.memu.trace;

import dev.memu.access.Region;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayEngineTest {

    private static TraceLog read(final String name) throws IOException {
        return FtraceParser.read(List.of(TraceResources.path(name)), false, InputStream.nullInputStream());
    }

    private static long freePages(final ReplayReport.Snapshot s) {
        long pages = 0;
        final long[] blocks = s.freeBlocksByOrder();
        for (int o = 0; o < blocks.length; o++) {
            pages += blocks[o] << o;
        }
        return pages;
    }

    @ParameterizedTest
    @EnumSource(Placement.class)
    void everyOddityOfTheMalformedTraceIsCountedOnce(final Placement placement) throws IOException {
        final ReplayReport r = ReplayEngine.replay(read("malformed.trace"),
                ReplayOptions.defaults().withPlacement(placement));
        assertEquals(6, r.allocsReplayed(), "7 allocs, one beyond any RAM");
        assertEquals(1, r.outOfRangeAllocs());
        assertEquals(1, r.outOfRangeFrees());
        assertEquals(1, r.unmatchedFrees(), "pfn 0x107467 was allocated before tracing began");
        assertEquals(2, r.duplicateFrees(), "free_batched after free, twice");
        assertEquals(2, r.duplicateBatchedAfterFree());
        assertEquals(1, r.partialFrees(), "order-0 free inside the order-2 block at 0x116f00");
        assertEquals(1, r.allocOverLive(), "0x1104ab allocated twice: its free was lost");
        assertEquals(1, r.lostMarkers());
        assertEquals(92, r.lostEvents());
        assertEquals(5, r.freesReplayed());
        assertEquals(0, r.failures());
        // live at the end: 0x1104ab (1), the order-3 block (8), 0x116f03 left of the split block (1)
        assertEquals(10, r.livePagesAtEnd());
        assertEquals(1 + 1 + 256 + 8 - 1 + 4, r.peakLivePages(), "after the order-2 alloc, A2 freed");
        assertEquals(r.trace().unparsable() + 1 + 1 + 1 + 2 + 1 + 1 + 1, r.oddities());
        assertEquals(2, r.vcpus(), "highest [CPU#] is 1");
    }

    @Test
    void tracePlacementSizesRamFromTheHighestPfnAndLeavesTheRestFree() throws IOException {
        final TraceLog log = read("real-6.18-small.trace");
        final ReplayReport r = ReplayEngine.replay(log, ReplayOptions.defaults());
        assertEquals(0x12ffffL, log.stats().maxPfn());
        assertEquals(0x130000L, r.pages(), "highest pfn + 1 rounded up to 1024 pages");
        assertEquals(1101, r.allocsReplayed());
        assertEquals(64, r.unmatchedFrees());
        assertEquals(417, r.duplicateFrees());
        assertEquals(417, r.duplicateBatchedAfterFree(), "Linux 6.18 reports free then free_batched");
        assertEquals(r.allocsReplayed(), r.allocOps(), "every placed alloc is one measured op");
        final ReplayReport.Snapshot last = r.snapshots().get(r.snapshots().size() - 1);
        assertEquals(log.size() - 1, last.eventIndex());
        assertEquals(r.pages() - r.livePagesAtEnd(), freePages(last));
        assertEquals(4, r.snapshots().size());
    }

    @Test
    void allocatorPlacementKeepsFreePlusLiveEqualToManaged() throws IOException {
        final TraceLog log = read("real-6.18-small.trace");
        final ReplayReport r = ReplayEngine.replay(log,
                ReplayOptions.defaults().withPlacement(Placement.ALLOCATOR));
        assertEquals("buddy", r.allocatorName());
        assertEquals(0, r.failures());
        final ReplayReport.Snapshot last = r.snapshots().get(r.snapshots().size() - 1);
        assertEquals(r.pages() - r.livePagesAtEnd(), freePages(last));
        assertTrue(r.allocLinesPerOp(Region.ALLOCATOR) > 0, "buddy touches its zone on every alloc");
    }

    @Test
    void allocatorPlacementWithLittleRamCountsFailuresByOrder() throws IOException {
        final TraceLog log = read("real-6.18-small.trace");
        final ReplayReport r = ReplayEngine.replay(log, ReplayOptions.defaults()
                .withPlacement(Placement.ALLOCATOR).withRamBytes(4L << 20));
        assertEquals(1024, r.pages());
        assertEquals(0, r.outOfRangeAllocs(), "trace pfns need no emulated RAM in this placement");
        assertTrue(r.failures() > 0);
        assertTrue(r.failuresByOrder(8) > 0, "1 MiB blocks cannot all fit in 4 MiB");
        assertTrue(r.failuresByOrder(8) <= r.allocsByOrder(8));
        assertTrue(r.freesOfFailed() <= r.failures(), "a free of a failed block is skipped, at most once each");
        final ReplayReport.Snapshot last = r.snapshots().get(r.snapshots().size() - 1);
        assertTrue(freePages(last) <= r.pages());
    }

    @Test
    void explicitRamCountsAndSkipsBlocksBeyondIt() throws IOException {
        final TraceLog log = read("real-6.18-small.trace");
        final ReplayReport r = ReplayEngine.replay(log, ReplayOptions.defaults().withRamBytes(0x110000L << 12));
        assertTrue(r.outOfRangeAllocs() > 0);
        assertTrue(r.outOfRangeFrees() > 0);
        assertEquals(1101, r.allocsReplayed() + r.outOfRangeAllocs());
    }

    @Test
    void layoutsDifferInLinesPerAllocOnTheSamePlacement() throws IOException {
        final TraceLog log = read("real-6.18-small.trace");
        final ReplayReport linux = ReplayEngine.replay(log, ReplayOptions.defaults().withLayout("linux64"));
        final ReplayReport md8 = ReplayEngine.replay(log, ReplayOptions.defaults().withLayout("memdesc8"));
        // an order-8 block writes 256 descriptors: 256 lines at 64 B each, 32 lines at 8 B each
        assertEquals(256, linux.allocLinesPercentile(99.9));
        assertEquals(32, md8.allocLinesPercentile(99.9));
        assertTrue(linux.allocLinesPerOp(Region.MEMMAP) > md8.allocLinesPerOp(Region.MEMMAP));
        for (final Layout l : Layouts.all()) {
            final ReplayReport r = ReplayEngine.replay(log, ReplayOptions.defaults().withLayout(l.name()));
            assertEquals(l.bytesPerPage(), r.regionBytes(Region.MEMMAP) / r.pages(), l.name());
        }
    }

    @Test
    void cpuColumnMapsToVcpuModuloVcpus() throws IOException {
        final ReplayReport r = ReplayEngine.replay(read("real-6.18-small.trace"),
                ReplayOptions.defaults().withPlacement(Placement.ALLOCATOR).withVcpus(1));
        assertEquals(1, r.vcpus());
        assertEquals(0, r.failures());
    }

    @Test
    void strictMakesTheFirstSequenceOddityFatalWithItsLine() throws IOException {
        final TraceLog log = read("real-6.18-small.trace");
        final TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> ReplayEngine.replay(log, ReplayOptions.defaults().withStrict(true)));
        assertEquals(42, e.lineNumber(), e.getMessage());
        assertTrue(e.getMessage().contains("never allocated"), e.getMessage());
    }

    @Test
    void strictRefusesALogWithOddTextEvenIfReadLeniently() throws IOException {
        assertThrows(TraceFormatException.class, () -> ReplayEngine.replay(read("malformed.trace"),
                ReplayOptions.defaults().withStrict(true)));
    }

    @Test
    void realTraceWithLostEventsReplaysWithoutFailure() throws IOException {
        final ReplayReport r = ReplayEngine.replay(read("real-6.18-overwritten.trace.gz"),
                ReplayOptions.defaults().withPlacement(Placement.ALLOCATOR));
        assertEquals(55917 - 5032, r.trace().overwrittenEvents());
        assertTrue(r.unmatchedFrees() > 0, "a ring that overwrote its start frees what it never showed allocated");
        assertEquals(r.trace().allocs(), r.allocsReplayed() + r.outOfRangeAllocs());
    }
}

package dev.memu.trace;

import dev.memu.access.Region;
import dev.memu.driver.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The streamed replay (issue 10): same results as from memory, bounded options, progress, no overflow. */
class ReplayStreamTest {

    @TempDir
    Path tmp;

    private static TraceInputs inputs(final String... names) throws IOException {
        final List<String> paths = new ArrayList<>();
        for (final String n : names) {
            paths.add(TraceResources.path(n));
        }
        return TraceInputs.open(paths, InputStream.nullInputStream());
    }

    @ParameterizedTest
    @EnumSource(Placement.class)
    void streamingGivesWhatTheLogInMemoryGives(final Placement placement) throws IOException {
        for (final String trace : List.of("malformed.trace", "real-6.18-small.trace")) {
            final TraceLog log = FtraceParser.read(List.of(TraceResources.path(trace)), false, InputStream.nullInputStream());
            final ReplayOptions options = ReplayOptions.defaults().withPlacement(placement);
            final ReplayReport mem = ReplayEngine.replay(log, options);
            try (TraceInputs in = inputs(trace)) {
                final TraceStats stats = FtraceParser.count(in, false);
                assertEquals(log.size(), stats.replayEvents());
                final ReplayReport streamed = ReplayEngine.replay(in, stats, options, ProgressListener.NONE);
                assertEquals(mem.pages(), streamed.pages(), trace);
                assertEquals(mem.vcpus(), streamed.vcpus(), trace);
                assertEquals(mem.allocsReplayed(), streamed.allocsReplayed(), trace);
                assertEquals(mem.freesReplayed(), streamed.freesReplayed(), trace);
                assertEquals(mem.oddities(), streamed.oddities(), trace);
                assertEquals(mem.livePagesAtEnd(), streamed.livePagesAtEnd(), trace);
                assertEquals(mem.peakLivePages(), streamed.peakLivePages(), trace);
                assertEquals(mem.allocLinesPerOp(), streamed.allocLinesPerOp(), 0.0, trace);
                assertEquals(mem.freeLinesPerOp(Region.MEMMAP), streamed.freeLinesPerOp(Region.MEMMAP), 0.0, trace);
                assertEquals(mem.sequenceExamples(), streamed.sequenceExamples(), trace);
                assertEquals(mem.snapshots().size(), streamed.snapshots().size());
                for (int i = 0; i < mem.snapshots().size(); i++) {
                    assertEquals(mem.snapshots().get(i).eventIndex(), streamed.snapshots().get(i).eventIndex());
                    assertArrayEquals(mem.snapshots().get(i).freeBlocksByOrder(),
                            streamed.snapshots().get(i).freeBlocksByOrder());
                }
            }
        }
    }

    @Test
    void theHighestPfnTheParserAcceptsIsOutOfRangeNotAnIndexError() throws IOException {
        final Path f = tmp.resolve("far.trace");
        Files.writeString(f, """
                  bash-1  [000] ..... 1.000001: mm_page_alloc: page=0000000011 pfn=0xfffffffffffff order=10 migratetype=1 gfp_flags=GFP_KERNEL
                  bash-1  [000] ..... 1.000002: mm_page_free: page=0000000011 pfn=0xfffffffffffff order=10
                  bash-1  [000] ..... 1.000003: mm_page_alloc: page=0000000011 pfn=0x100 order=0 migratetype=1 gfp_flags=GFP_KERNEL
                """);
        for (final Placement p : Placement.values()) {
            try (TraceInputs in = TraceInputs.open(List.of(f.toString()), InputStream.nullInputStream())) {
                final ReplayReport r = ReplayEngine.replay(in, FtraceParser.count(in, false),
                        ReplayOptions.defaults().withPlacement(p), ProgressListener.NONE);
                assertEquals(1, r.outOfRangeAllocs(), p.name());
                assertEquals(1, r.outOfRangeFrees(), p.name());
                assertEquals(1, r.allocsReplayed(), p.name());
                assertEquals(1024, r.pages(), "the far pfn does not size the RAM");
            }
        }
    }

    @Test
    void aFileThatChangesBetweenItsReadsIsAnIoErrorNamingIt() throws IOException {
        final Path f = tmp.resolve("live.trace");
        final String line = "  bash-1  [000] ..... 1.000001: mm_page_alloc: page=0000000011 pfn=0x100 order=0 "
                + "migratetype=1 gfp_flags=GFP_KERNEL\n";
        for (final String later : List.of(line + line + line, "")) {
            Files.writeString(f, line + line);
            try (TraceInputs in = TraceInputs.open(List.of(f.toString()), InputStream.nullInputStream())) {
                final TraceStats stats = FtraceParser.count(in, false);
                Files.writeString(f, later);          // as a live tracefs 'trace' file does
                final IOException e = assertThrows(IOException.class,
                        () -> ReplayEngine.replay(in, stats, ReplayOptions.defaults(), ProgressListener.NONE));
                assertTrue(e.getMessage().startsWith(f + ": changed while it was replayed"), e.getMessage());
            }
        }
    }

    @Test
    void progressIsReportedOnALongPassAndEnded() throws IOException {
        final List<String> seen = new ArrayList<>();
        final ProgressListener listener = new ProgressListener() {
            @Override
            public void progress(final String pass, final long done, final long total, final double rate) {
                assertTrue(done <= total, done + " of " + total);
                seen.add(pass + " " + done + "/" + total);
            }

            @Override
            public void passDone(final String pass) {
                seen.add("done " + pass);
            }
        };
        final long[] now = {0};
        try (TraceInputs in = inputs("real-6.18-overwritten.trace.gz")) {
            final TraceStats stats = FtraceParser.count(in, false);
            assertTrue(stats.replayEvents() > 4096, "a few looks at the clock: " + stats.replayEvents());
            // every look at the clock is two seconds later: each one reports
            ReplayEngine.replay(in, stats, ReplayOptions.defaults(), listener, () -> now[0] += 2_000_000_000L);
            assertTrue(seen.size() >= 2, seen.toString());
            assertTrue(seen.get(0).startsWith("replay linux64 "), seen.toString());
            assertEquals("done replay linux64", seen.get(seen.size() - 1));
        }
    }

    @Test
    void vcpusAndSnapshotsAreBounded() {
        final ReplayOptions d = ReplayOptions.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withVcpus(ReplayEngine.MAX_VCPUS + 1));
        assertThrows(IllegalArgumentException.class, () -> d.withVcpus(1_000_000_000));
        assertThrows(IllegalArgumentException.class, () -> d.withVcpus(-1));
        assertEquals(ReplayEngine.MAX_VCPUS, d.withVcpus(ReplayEngine.MAX_VCPUS).vcpus());
        assertThrows(IllegalArgumentException.class, () -> new ReplayOptions("linux64", "buddy", Placement.TRACE, 0, 0,
                false, ReplayOptions.MAX_SNAPSHOTS + 1, false));
    }

    @Test
    void aRamThatCannotBeMappedOrWhoseMemmapExceedsTheHostIsRefused() {
        final long host = 24L << 30;
        ReplayEngine.checkFits(1L << 30, "linux64", host);
        ReplayEngine.checkFits(1L << 40, "memdesc8", host);
        final IllegalArgumentException peta = assertThrows(IllegalArgumentException.class,
                () -> ReplayEngine.checkFits(1L << 50, "memdesc8", host));
        assertTrue(peta.getMessage().contains("more than a replay maps"), peta.getMessage());
        final IllegalArgumentException hundredT = assertThrows(IllegalArgumentException.class,
                () -> ReplayEngine.checkFits(100L << 40, "memdesc8", host));
        assertTrue(hundredT.getMessage().contains("100 TiB") && hundredT.getMessage().contains("64 TiB"),
                hundredT.getMessage());
        final IllegalArgumentException twentyT = assertThrows(IllegalArgumentException.class,
                () -> ReplayEngine.checkFits(20L << 40, "memdesc8", host));
        assertTrue(twentyT.getMessage().contains("40 GiB") && twentyT.getMessage().contains("24 GiB"),
                twentyT.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ReplayEngine.checkFits(2L << 40, "linux64", host),
                "32 GiB of struct pages on a 24 GiB host");
        assertThrows(IllegalArgumentException.class,
                () -> ReplayEngine.replay(new TraceLog(), ReplayOptions.defaults().withRamBytes(1L << 50)));
    }
}

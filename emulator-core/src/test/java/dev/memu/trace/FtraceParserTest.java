package dev.memu.trace;

import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FtraceParserTest {

    private static final InputStream NO_STDIN = InputStream.nullInputStream();

    private static TraceLog read(final String name) throws IOException {
        return FtraceParser.read(List.of(TraceResources.path(name)), false, NO_STDIN);
    }

    private static TraceLog text(final String... lines) throws IOException {
        final String s = String.join("\n", lines) + "\n";
        return FtraceParser.read("text", new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), false);
    }

    @Test
    void countsEveryOddityOfTheMalformedTrace() throws IOException {
        final TraceStats s = read("malformed.trace").stats();
        assertEquals(30, s.lines());
        assertEquals(7, s.headerLines());
        assertEquals(7, s.allocs(), "the NULL-page alloc is a kernel failure, not an event");
        assertEquals(7, s.frees());
        assertEquals(2, s.freesBatched());
        assertEquals(1, s.kernelAllocFailures());
        assertEquals(1, s.otherEvents(), "mm_page_pcpu_drain is skipped, not odd");
        assertEquals(1, s.garbage());
        assertEquals(2, s.truncated());
        assertEquals(1, s.lostMarkers());
        assertEquals(92, s.lostEvents());
        assertEquals(5, s.overwrittenEvents(), "header says 27 in buffer of 32 written");
        assertEquals(1, s.maxCpu());
        assertEquals(0xfffffffff0L, s.maxPfn());
        assertTrue(s.examples().stream().anyMatch(e -> e.contains("line 16") && e.contains("not ftrace output")),
                s.examples().toString());
    }

    @Test
    void gzipIsDetectedByMagicAndReadsTheSameEvents() throws IOException {
        final TraceLog plain = read("malformed.trace");
        final TraceLog gz = read("malformed.trace.gz");
        assertEquals(plain.size(), gz.size());
        for (int i = 0; i < plain.size(); i++) {
            assertEquals(plain.kind(i), gz.kind(i));
            assertEquals(plain.pfn(i), gz.pfn(i));
            assertEquals(plain.order(i), gz.order(i));
            assertEquals(plain.cpu(i), gz.cpu(i));
            assertEquals(plain.timestampNanos(i), gz.timestampNanos(i));
        }
    }

    @Test
    void readsFieldsOfARealLine() throws IOException {
        final TraceLog log = read("malformed.trace");
        // first event: bash-7276 [001] ..... 11242.423477: mm_page_alloc: pfn=0x1104ab order=0 migratetype=0
        assertEquals(TraceLog.ALLOC, log.kind(0));
        assertEquals(0x1104abL, log.pfn(0));
        assertEquals(0, log.order(0));
        assertEquals(0, log.migratetype(0));
        assertEquals(1, log.cpu(0));
        assertEquals(11242_423477000L, log.timestampNanos(0));
        assertEquals(MemdescType.PAGE_TABLE, log.type(0));
        assertEquals(8, log.globalLine(0));
        // dd: order 8 page cache for a write
        assertEquals(8, log.order(2));
        assertEquals(MemdescType.FILE_FOLIO, log.type(2));
        // a task name with a space runs on cpu 0
        assertEquals(0x116eb8L, log.pfn(3));
        assertEquals(0, log.cpu(3));
        assertEquals(3, log.order(3));
    }

    @Test
    void toleratesOptionalColumnsDecimalPfnsAndCounterClocks() throws IOException {
        final TraceLog log = text(
                "  kswapd0-77  (   77) [003] d..1. 100.5: mm_page_free: page=000000001 pfn=0x2000 order=2",
                "  kswapd0-77  [002] 100.600001: mm_page_free_batched: page=ffffea0000 pfn=4096",
                "  kswapd0-77  [002] ..... 123456789: mm_page_alloc: page=0000000011 pfn=8192 order=1 migratetype=2 gfp_flags=GFP_KERNEL");
        assertEquals(3, log.size());
        assertEquals(0, log.stats().unparsable());
        assertEquals(0x2000L, log.pfn(0));
        assertEquals(3, log.cpu(0));
        assertEquals(100_500_000_000L, log.timestampNanos(0));
        assertEquals(TraceLog.FREE_BATCHED, log.kind(1));
        assertEquals(0, log.order(1), "free_batched without an order is order 0");
        assertEquals(4096L, log.pfn(1));
        assertEquals(123456789L, log.timestampNanos(2), "a counter clock is kept as is");
        assertEquals(2, log.migratetype(2));
    }

    @Test
    void lostMarkersOfARealTracePipeCapture() throws IOException {
        final TraceLog log = read("real-6.18-pipe-lost.trace.gz");
        assertEquals(3, log.stats().lostMarkers());
        assertEquals(276, log.stats().lostEvents());
        long lostInLog = 0;
        for (int i = 0; i < log.size(); i++) {
            if (log.kind(i) == TraceLog.LOST) {
                lostInLog += log.lostCount(i);
                assertEquals(0, log.cpu(i));
            }
        }
        assertEquals(276, lostInLog);
    }

    @Test
    void overwrittenEventsComeFromTheTraceHeader() throws IOException {
        final TraceStats s = read("real-6.18-overwritten.trace.gz").stats();
        assertEquals(55917 - 5032, s.overwrittenEvents());
        assertEquals(5032, s.events());
    }

    @Test
    void aCutGzipStreamKeepsWhatWasReadAndCountsOneTruncation() throws IOException {
        final TraceLog log = read("cut.trace.gz");
        assertEquals(1, log.stats().truncated());
        assertTrue(log.size() > 1000, "events before the cut are kept: " + log.size());
    }

    @Test
    void strictStopsAtTheFirstOddLineWithItsNumber() {
        final TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> FtraceParser.read(List.of(TraceResources.path("malformed.trace")), true, NO_STDIN));
        assertEquals(16, e.lineNumber());
        assertTrue(e.getMessage().contains("malformed.trace:16"), e.getMessage());
    }

    @Test
    void strictRejectsACutGzipStream() {
        assertThrows(TraceFormatException.class,
                () -> FtraceParser.read(List.of(TraceResources.path("cut.trace.gz")), true, NO_STDIN));
    }

    @Test
    void readsStandardInputAndSeveralInputsAsOneSequence() throws IOException {
        try (InputStream stdin = new FileInputStream(TraceResources.path("malformed.trace.gz"))) {
            final TraceLog log = FtraceParser.read(List.of(TraceResources.path("malformed.trace"), "-"), false, stdin);
            assertEquals(2 * 16 + 2, log.size(), "16 events and one LOST marker per copy");
            assertEquals("<stdin>:8", log.where(log.globalLine(17)));
            assertEquals(60, log.stats().lines());
        }
    }

    @Test
    void aMissingFileIsNamed() {
        final NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> FtraceParser.read(List.of("/nonexistent/trace.txt"), false, NO_STDIN));
        assertTrue(e.getMessage().contains("/nonexistent/trace.txt"));
    }
}

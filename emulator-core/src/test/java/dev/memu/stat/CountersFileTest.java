package dev.memu.stat;

import dev.memu.driver.AllocatorBoot;
import dev.memu.driver.Driver;
import dev.memu.driver.ProgressListener;
import dev.memu.driver.RunResult;
import dev.memu.driver.RunSpec;
import dev.memu.driver.StreamFactory;
import dev.memu.workload.WorkloadSpec;
import dev.memu.workload.Workloads;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CountersFileTest {

    private static final long RAM = 64L << 20;

    @TempDir
    Path dir;

    private static RunSpec spec(final long ops) {
        return RunSpec.of(RAM, "memdesc8", "buddy", 1, WorkloadSpec.defaults(Workloads.CHURN).withOps(ops, ops / 4));
    }

    @Test
    void aRunPublishesItsCountersAndAReaderDecodesThem() throws Exception {
        final Path path = dir.resolve("run.counters");
        final RunSpec spec = spec(30_000);
        final RunResult result;
        try (CountersFile file = CountersFile.create(path, spec.label())) {
            result = Driver.run(spec, StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE,
                    new Telemetry(file, null));
            try (CountersFileReader reader = CountersFileReader.open(path)) {
                assertEquals(ProcessHandle.current().pid(), reader.pid());
                assertEquals("memdesc8/buddy/1t", reader.label());
                assertTrue(reader.writerAlive());
                final CountersSnapshot s = reader.snapshot();
                assertEquals(Phase.COUNTING, s.phase());
                assertFalse(s.done());
                final var w = result.workload();
                assertEquals(w.setupOps() + w.measuredAllocs() + w.measuredFrees(), s.value(RunCounter.OPS));
                assertEquals(w.measuredAllocs(), s.value(RunCounter.ALLOCS));
                assertEquals(w.measuredFrees(), s.value(RunCounter.FREES));
                assertEquals(w.allocFailures(), s.value(RunCounter.ALLOC_FAILURES));
                assertEquals(result.allocLines().ops(), s.value(RunCounter.COUNTED_ALLOCS));
                assertEquals(result.freeLines().ops(), s.value(RunCounter.COUNTED_FREES));
                assertEquals(result.allocLines().total(), s.linesPerAlloc(), 1e-9);
                assertEquals(result.freeLines().total(), s.linesPerFree(), 1e-9);
                // one thread: the counting pass ends in the timed pass's state
                assertArrayEquals(result.freeBlocksByOrder(), s.freeBlocksByOrder());
                assertEquals(result.verify().freePages(), s.value(RunCounter.FREE_PAGES));
                final Map<Integer, String> labels = new HashMap<>();
                for (final CountersSnapshot.Entry e : s.counters()) {
                    labels.putIfAbsent(e.typeId(), e.label());
                }
                assertEquals(RunCounter.OPS.label(), labels.get(RunCounter.OPS.typeId()));
                assertEquals(RunCounter.FREE_BLOCKS.label() + "0", labels.get(RunCounter.FREE_BLOCKS.typeId()));
                assertEquals(RunCounter.values().length - 1 + result.freeBlocksByOrder().length, s.counters().size());
            }
        }
        assertFalse(Files.exists(path), "close deletes the file");
    }

    @Test
    void twoWorkersCountersAddUpToTheRunsTotals() throws Exception {
        final Path path = dir.resolve("two.counters");
        final RunSpec spec = spec(40_000).withThreads(2);
        try (CountersFile file = CountersFile.create(path, spec.label())) {
            final RunResult result = Driver.run(spec, StreamFactory.FROM_SPEC, AllocatorBoot.NONE,
                    ProgressListener.NONE, new Telemetry(file, null));
            try (CountersFileReader reader = CountersFileReader.open(path)) {
                final CountersSnapshot s = reader.snapshot();
                final var w = result.workload();
                assertEquals(w.setupOps() + w.measuredAllocs() + w.measuredFrees(), s.value(RunCounter.OPS));
                assertEquals(w.measuredAllocs(), s.value(RunCounter.ALLOCS));
                assertEquals(w.measuredFrees(), s.value(RunCounter.FREES));
                assertEquals(result.allocLines().ops() + result.freeLines().ops(),
                        s.value(RunCounter.COUNTED_ALLOCS) + s.value(RunCounter.COUNTED_FREES));
                assertEquals(result.freeBlocksByOrder().length, s.freeBlocksByOrder().length);
            }
        }
    }

    @Test
    void closeMarksTheRunDoneForAReaderThatStillMapsIt() throws Exception {
        final Path path = dir.resolve("done.counters");
        final CountersFile file = CountersFile.create(path, "x");
        try (CountersFileReader reader = CountersFileReader.open(path)) {
            assertEquals(Phase.STARTING, reader.snapshot().phase());
            file.phase(Phase.MEASURED);
            assertEquals(Phase.MEASURED, reader.snapshot().phase());
            file.close();
            assertTrue(reader.fileGone());
            assertTrue(reader.snapshot().done());
            assertEquals(Phase.DONE, reader.snapshot().phase());
        }
    }

    @Test
    void refusesFilesThatAreNotCountersFiles() throws Exception {
        final Path text = Files.writeString(dir.resolve("notes.counters"), "x".repeat(4096));
        assertThrows(CountersFileReader.NotACountersFileException.class, () -> CountersFileReader.open(text));
        final Path shortFile = Files.writeString(dir.resolve("short.counters"), "memu");
        assertThrows(CountersFileReader.NotACountersFileException.class, () -> CountersFileReader.open(shortFile));
    }

    @Test
    void liveListsRunningWritersAndRemovesFilesOfDeadOnes() throws Exception {
        final Path mine = dir.resolve(CountersFile.PREFIX + ProcessHandle.current().pid() + CountersFile.SUFFIX);
        try (CountersFile ignored = CountersFile.create(mine, "live")) {
            final Process dead = new ProcessBuilder("true").start();
            dead.waitFor();
            assertFalse(dead.isAlive());
            final Path stale = dir.resolve(CountersFile.PREFIX + dead.pid() + CountersFile.SUFFIX);
            try (CountersFile other = CountersFile.create(dir.resolve("tmp.counters"), "stale")) {
                // a file whose header names a pid that is gone, as a run killed with kill -9 leaves
                final byte[] bytes = Files.readAllBytes(other.path());
                java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.nativeOrder())
                        .putLong(CountersFile.PID_OFFSET, dead.pid());
                Files.write(stale, bytes);
            }
            assertEquals(java.util.List.of(mine), CountersFileReader.live(java.util.List.of(dir)));
            assertFalse(Files.exists(stale));
        }
    }

    @Test
    void aLatencyLogReadsBackWithHdrHistogramsOwnReader() throws Exception {
        final LatencyIntervals intervals = Driver.latencyIntervals(LatencyIntervals.DEFAULT_INTERVAL_NS);
        final RunResult result = Driver.run(spec(40_000), StreamFactory.FROM_SPEC, AllocatorBoot.NONE,
                ProgressListener.NONE, new Telemetry(RunCounters.NONE, intervals));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        intervals.write(out);
        final HistogramLogReader reader = new HistogramLogReader(new ByteArrayInputStream(out.toByteArray()));
        final Map<String, Long> counts = new HashMap<>();
        final Set<String> tags = new TreeSet<>();
        for (EncodableHistogram h = reader.nextIntervalHistogram(); h != null; h = reader.nextIntervalHistogram()) {
            tags.add(h.getTag());
            counts.merge(h.getTag(), ((org.HdrHistogram.Histogram) h).getTotalCount(), Long::sum);
        }
        assertEquals(Set.of("alloc", "free"), tags);
        assertEquals(result.alloc().count(), counts.get("alloc"));
        assertEquals(result.free().count(), counts.get("free"));
        assertEquals(result.allocHistogram().getTotalCount(), intervals.totalCount("alloc"));
        assertTrue(result.alloc().count() > 0);
    }
}

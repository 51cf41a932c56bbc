package dev.memu.cli;

import dev.memu.driver.Driver;
import dev.memu.stat.CountersFile;
import dev.memu.stat.CountersFileReader;
import dev.memu.stat.LatencyIntervals;
import dev.memu.stat.RunCounters;
import dev.memu.stat.Telemetry;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * {@code --counters} and {@code --histogram-log} of {@code memu run}: what a run publishes while
 * it goes (live counters for {@code memu stat}) and after (an HdrHistogram interval log). Both
 * paths are checked before the run starts; {@link #open} makes the counters file, {@link
 * #finish} writes the log and removes the counters file, {@link #close} only removes.
 */
final class TelemetryOptions implements AutoCloseable {

    static final String NONE = "none";

    @Option(names = "--counters", paramLabel = "FILE|none",
            description = {"Publish live counters (ops, allocs, frees, failures, free pages, free blocks by order, "
                    + "lines per op, phase) in this memory-mapped file while the run goes, for 'memu stat'; removed "
                    + "at exit (default: /dev/shm/memu-PID.counters, or the temporary directory without /dev/shm; "
                    + "'none': publish nothing). An existing FILE must be a memu counters file."})
    String counters;

    @Option(names = "--histogram-log", paramLabel = "FILE",
            description = {"Also write the latency samples as an HdrHistogram interval log (1 s intervals, tags "
                    + "alloc and free, values in ns), for HdrHistogram's HistogramLogProcessor and plotters; the "
                    + "file appears whole after the run, like --out."})
    String histogramLog;

    private CountersFile file;
    private LatencyIntervals intervals;
    private OutputTarget log;

    /**
     * Checks both paths and creates the counters file for {@code label}. When the default counters
     * file cannot be made (no module export, no writable directory), says so on {@code err} in one
     * line and runs without.
     *
     * @throws UsageException a path that cannot be used (exit 2)
     * @throws IOException    an explicit {@code --counters FILE} that cannot be created (exit 1)
     */
    Telemetry open(final String label, final PrintWriter err) throws IOException {
        final Path countersPath = countersPath();
        if (histogramLog != null) {
            log = OutputTarget.file("--histogram-log", histogramLog);
            intervals = Driver.latencyIntervals(LatencyIntervals.DEFAULT_INTERVAL_NS);
        }
        if (countersPath != null) {
            try {
                file = CountersFile.create(countersPath, label);
            } catch (final UncheckedIOException | CountersFile.UnavailableException e) {
                final String why = e instanceof UncheckedIOException u ? OutputTarget.reason(u.getCause()) : e.getMessage();
                if (counters != null) {
                    throw new IOException("--counters '" + counters + "': " + why, e);
                }
                err.println("memu: live counters off: " + countersPath + ": " + why);
                err.flush();
            }
        }
        return new Telemetry(file == null ? RunCounters.NONE : file, intervals);
    }

    /** The run has ended: writes the histogram log (if asked for) and removes the counters file. */
    void finish() throws IOException {
        if (log != null) {
            log.commit(intervals::write);
        }
        close();
    }

    /** Removes the counters file (the run is done) and drops an unwritten log. */
    @Override
    public void close() {
        if (file != null) {
            file.close();
            file = null;
        }
        if (log != null) {
            log.abandon();
        }
    }

    /** The counters file to create: the default, the one given, or null for {@code none}. */
    private Path countersPath() {
        if (counters == null) {
            return CountersFile.defaultPath();
        }
        if (counters.equals(NONE)) {
            return null;
        }
        final String label = "--counters '" + counters + "'";
        final Path p;
        try {
            p = Path.of(counters).toAbsolutePath();
        } catch (final InvalidPathException e) {
            throw new UsageException(label + ": not a valid path");
        }
        final Path parent = p.getParent();
        if (counters.isBlank() || p.getFileName() == null || Files.isDirectory(p)) {
            throw new UsageException(label + ": is a directory");
        }
        if (!Files.isDirectory(parent)) {
            throw new UsageException(label + ": directory " + parent + " does not exist (memu creates no directories)");
        }
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new UsageException(label + ": not a regular file");
            }
            try (CountersFileReader ignored = CountersFileReader.open(p)) {
                // a counters file (a stale one, or one being read): replaced whole
            } catch (final CountersFileReader.NotACountersFileException e) {
                throw new UsageException(label + ": exists and is not a memu counters file (memu replaces only those)");
            } catch (final IOException e) {
                throw new UsageException(label + ": " + OutputTarget.reason(e));
            }
        }
        return p;
    }
}

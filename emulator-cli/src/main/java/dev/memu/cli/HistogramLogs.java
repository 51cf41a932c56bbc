package dev.memu.cli;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.HistogramLogReader;
import org.HdrHistogram.HistogramLogWriter;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code --histogram-log FILE} of a command that measures several configurations ({@code
 * compare}, {@code bench llfree}): each configuration writes its own HdrHistogram interval log
 * into a private temporary directory (a child JVM through its own {@code --histogram-log}, or
 * this JVM), and {@link #commit} joins them into FILE with one {@link HistogramLogWriter}: every
 * histogram tagged with its configuration (tag {@code LABEL/KIND}, e.g. {@code
 * memdesc8/buddy/1t/alloc}), its time stamps kept (the log's base time is the first
 * configuration's start), so HdrHistogram's {@code HistogramLogReader} and {@code
 * HistogramLogProcessor -tag ...} read one configuration out of it.
 *
 * <p>FILE is checked before anything runs, as {@code --out} is ({@link OutputTarget}), and
 * appears whole after the last configuration or not at all; the temporary logs are removed in
 * every case ({@link #close}).
 */
final class HistogramLogs implements AutoCloseable {

    /** One configuration's log: the tag prefix its histograms get (null: they are tagged already) and its file. */
    private record Part(String prefix, Path file) {
    }

    private final OutputTarget target;
    private final String comment;
    private final Path dir;
    private final List<Part> parts = new ArrayList<>();

    private HistogramLogs(final OutputTarget target, final String comment, final Path dir) {
        this.target = target;
        this.comment = comment;
        this.dir = dir;
    }

    /**
     * Checks {@code path} and makes the temporary directory; null when no log was asked for.
     *
     * @param comment the first comment line of the joined log (what its values are)
     * @throws UsageException a path that cannot be written, as {@code --out}
     */
    static HistogramLogs open(final String path, final String comment) throws IOException {
        if (path == null) {
            return null;
        }
        final OutputTarget target = OutputTarget.file("--histogram-log", path);
        try {
            return new HistogramLogs(target, comment, Files.createTempDirectory("memu-hlog-"));
        } catch (final IOException e) {
            target.abandon();
            throw new IOException("--histogram-log: cannot make a temporary directory: " + OutputTarget.reason(e), e);
        }
    }

    /**
     * A fresh path for the next configuration's log (not created: its writer makes it).
     *
     * @param prefix the tag prefix of its histograms, e.g. {@code memdesc8/buddy/1t}; null when
     *               the writer tags them whole itself
     */
    Path next(final String prefix) {
        final Path file = dir.resolve(parts.size() + ".hlog");
        parts.add(new Part(prefix, file));
        return file;
    }

    /**
     * Joins the configurations' logs into FILE, one histogram at a time (a long compare's logs
     * are never all in memory); a configuration that wrote no log contributes nothing. The
     * joined log's base time is the first histogram's start: configurations run one after the
     * other, each log in time order.
     */
    void commit() throws IOException {
        final long[] base = {Long.MIN_VALUE};
        for (final Part p : parts) {
            each(p, h -> {
                if (base[0] == Long.MIN_VALUE) {
                    base[0] = h.getStartTimeStamp();
                }
            });
            if (base[0] != Long.MIN_VALUE) {
                break;
            }
        }
        final long start = base[0] == Long.MIN_VALUE ? System.currentTimeMillis() : base[0];
        target.commit(out -> {
            final PrintStream print = new PrintStream(out, false, StandardCharsets.UTF_8);
            final HistogramLogWriter writer = dev.memu.stat.LatencyIntervals.logWriter(print, comment, start);
            for (final Part p : parts) {
                each(p, writer::outputIntervalHistogram);
            }
            print.flush();
            if (print.checkError()) {
                throw new IOException("--histogram-log: write error");
            }
        });
    }

    /** Each histogram of {@code p}'s log, in order, tagged with its prefix. */
    private static void each(final Part p, final Consumer<EncodableHistogram> action) throws IOException {
        if (!Files.exists(p.file())) {
            return;
        }
        final HistogramLogReader reader;
        try {
            reader = new HistogramLogReader(p.file().toString());
        } catch (final FileNotFoundException e) {
            return;
        }
        try {
            for (EncodableHistogram h = reader.nextIntervalHistogram(); h != null; h = reader.nextIntervalHistogram()) {
                if (p.prefix() != null) {
                    h.setTag(h.getTag() == null ? p.prefix() : p.prefix() + "/" + h.getTag());
                }
                action.accept(h);
            }
        } finally {
            reader.close();
        }
    }

    /** Removes the temporary logs and drops FILE unless it was committed. */
    @Override
    public void close() {
        target.abandon();
        try (Stream<Path> files = Files.walk(dir)) {
            for (final Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (final IOException e) {
            // a temporary directory: what is left there changes nothing memu reported
        }
    }
}

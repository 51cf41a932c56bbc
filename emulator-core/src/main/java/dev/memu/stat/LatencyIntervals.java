package dev.memu.stat;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A run's latency samples cut into intervals, for an HdrHistogram interval log
 * ({@link HistogramLogWriter}; read back with {@code HistogramLogReader}, summarised with
 * {@code HistogramLogProcessor}, plotted with HdrHistogram's plotters). One tag per op kind.
 *
 * <p>Each worker gets a {@link Cutter} over the cumulative histograms its timed loop records
 * into. The worker calls {@link Cutter#maybeCut} at its chunk boundaries (after each measured
 * tape, outside its timing; every 4096 ops when its ops are produced one by one): once the clock
 * has passed into a new interval, the samples recorded since the last cut are taken as a
 * difference of cumulative histograms, compressed, and filed under the interval in which that
 * cut started. So an interval may hold up to one chunk recorded just after its end, and with
 * several workers an interval's histogram is the sum of what each filed under it (its time
 * stamps span from the earliest start to the latest end among them). At the end of its measured
 * loop a worker files the rest; the log's total count per tag is then exactly the run's sample
 * count. Nothing here is touched per op.
 */
public final class LatencyIntervals {

    /** Default interval: one second, as HdrHistogram's own examples log. */
    public static final long DEFAULT_INTERVAL_NS = 1_000_000_000L;
    private static final long UNSET = Long.MIN_VALUE;
    /** Smallest highest-trackable value a decoded histogram may get: the range the driver records with. */
    private static final long MIN_HIGHEST_TRACKABLE = 2;

    private final long intervalNs;
    private final List<String> tags;
    private final AtomicLong origin = new AtomicLong(UNSET);
    private volatile long originEpochMs;
    private final List<Piece> pieces = new ArrayList<>();
    private String comment = "";

    /** One worker's samples of one kind between two cuts. */
    private record Piece(int kind, long slot, long startNs, long endNs, byte[] compressed) {
    }

    /**
     * @param intervalNs interval length in the driver's clock
     * @param tags       tag of each op kind, index = kind (e.g. {@code alloc}, {@code free})
     */
    public LatencyIntervals(final long intervalNs, final String... tags) {
        if (intervalNs <= 0) {
            throw new IllegalArgumentException("interval must be positive, got " + intervalNs);
        }
        this.intervalNs = intervalNs;
        this.tags = List.of(tags);
    }

    /** A line written as a comment at the top of the log (what the values are, how they were sampled). */
    public void comment(final String text) {
        this.comment = text;
    }

    /** A cutter over {@code live} (cumulative histograms, index = kind), for the one worker that records into them. */
    public Cutter cutter(final Histogram[] live) {
        if (live.length != tags.size()) {
            throw new IllegalArgumentException(live.length + " histograms for " + tags.size() + " tags");
        }
        return new Cutter(live);
    }

    /** Cuts one worker's cumulative histograms; used by that worker's thread only. */
    public final class Cutter {
        private final Histogram[] live;
        private final Histogram[] filed;
        private final Histogram[] scratch;
        private long lastCutNs;
        private long lastSlot;

        private Cutter(final Histogram[] live) {
            this.live = live;
            this.filed = new Histogram[live.length];
            this.scratch = new Histogram[live.length];
            for (int k = 0; k < live.length; k++) {
                filed[k] = new Histogram(live[k].getLowestDiscernibleValue(), live[k].getHighestTrackableValue(),
                        live[k].getNumberOfSignificantValueDigits());
                filed[k].add(live[k]);    // what was recorded before the start is not this log's
                scratch[k] = filed[k].copy();
            }
        }

        /** The measured loop starts now; the first worker to start sets the log's time origin. */
        public void start(final long nowNs) {
            if (origin.compareAndSet(UNSET, nowNs)) {
                originEpochMs = System.currentTimeMillis();
            }
            lastCutNs = nowNs;
            lastSlot = slot(nowNs);
        }

        /** Files the samples since the last cut if the clock has entered a later interval. */
        public void maybeCut(final long nowNs) {
            if (slot(nowNs) > lastSlot) {
                cut(nowNs);
            }
        }

        /** The measured loop has ended: files what is left. */
        public void finish(final long nowNs) {
            cut(nowNs);
        }

        private void cut(final long nowNs) {
            for (int k = 0; k < live.length; k++) {
                live[k].copyInto(scratch[k]);
                scratch[k].subtract(filed[k]);
                if (scratch[k].getTotalCount() > 0) {
                    final ByteBuffer buffer = ByteBuffer.allocate(scratch[k].getNeededByteBufferCapacity());
                    final int n = scratch[k].encodeIntoCompressedByteBuffer(buffer);
                    add(new Piece(k, lastSlot, lastCutNs, nowNs, java.util.Arrays.copyOf(buffer.array(), n)));
                    filed[k].add(scratch[k]);
                }
            }
            lastCutNs = nowNs;
            lastSlot = slot(nowNs);
        }

        private long slot(final long nowNs) {
            return Math.max(0, nowNs - origin.get()) / intervalNs;
        }
    }

    private synchronized void add(final Piece piece) {
        pieces.add(piece);
    }

    /** Samples filed so far under {@code tag}, over all intervals. */
    public synchronized long totalCount(final String tag) {
        final int kind = tags.indexOf(tag);
        long sum = 0;
        for (final Piece p : pieces) {
            if (p.kind == kind) {
                sum += decode(p).getTotalCount();
            }
        }
        return sum;
    }

    /**
     * A writer of an HdrHistogram interval log on {@code print}, its header written: format
     * version, the comment (unless empty), start time and legend; interval time stamps are then
     * relative to {@code startMs} (ms since the epoch). Every memu log starts this way.
     */
    public static HistogramLogWriter logWriter(final PrintStream print, final String comment, final long startMs) {
        final HistogramLogWriter writer = new HistogramLogWriter(print);
        writer.outputLogFormatVersion();
        if (!comment.isEmpty()) {
            writer.outputComment(comment);
        }
        writer.outputStartTime(startMs);
        writer.setBaseTime(startMs);
        writer.outputLegend();
        return writer;
    }

    /**
     * Writes the log: format version, start time, legend, then per interval and tag (in time
     * order) one histogram, the pieces of all workers filed under it added together. Values are
     * in the driver's clock units (ns); {@code HistogramLogProcessor -outputValueUnitRatio 1000}
     * prints microseconds.
     */
    public void write(final OutputStream out) {
        final PrintStream print = new PrintStream(out, false, StandardCharsets.UTF_8);
        final HistogramLogWriter writer = logWriter(print, comment,
                originEpochMs == 0 ? System.currentTimeMillis() : originEpochMs);
        for (final Map.Entry<Long, Histogram[]> e : merged().entrySet()) {
            for (final Histogram h : e.getValue()) {
                if (h != null) {
                    writer.outputIntervalHistogram(h);
                }
            }
        }
        print.flush();
    }

    /** Per interval, per kind, the pieces added together, time stamps in ms since the epoch. */
    private synchronized TreeMap<Long, Histogram[]> merged() {
        final TreeMap<Long, Histogram[]> bySlot = new TreeMap<>();
        final long originNs = origin.get();
        for (final Piece p : pieces) {
            final Histogram[] row = bySlot.computeIfAbsent(p.slot, s -> new Histogram[tags.size()]);
            final Histogram h = decode(p);
            final long startMs = originEpochMs + (p.startNs - originNs) / 1_000_000;
            final long endMs = originEpochMs + (p.endNs - originNs) / 1_000_000;
            if (row[p.kind] == null) {
                h.setTag(tags.get(p.kind));
                h.setStartTimeStamp(startMs);
                h.setEndTimeStamp(endMs);
                row[p.kind] = h;
            } else {
                final Histogram sum = row[p.kind];
                sum.add(h);
                sum.setStartTimeStamp(Math.min(sum.getStartTimeStamp(), startMs));
                sum.setEndTimeStamp(Math.max(sum.getEndTimeStamp(), endMs));
            }
        }
        return bySlot;
    }

    private static Histogram decode(final Piece p) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(p.compressed), MIN_HIGHEST_TRACKABLE);
        } catch (final java.util.zip.DataFormatException e) {
            throw new IllegalStateException("a latency interval does not decode", e);
        }
    }
}

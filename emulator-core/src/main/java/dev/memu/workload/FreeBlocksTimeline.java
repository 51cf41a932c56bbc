package dev.memu.workload;

import dev.memu.alloc.PageAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Free blocks by order at a few named points of a run (like {@code /proc/buddyinfo} read between
 * the phases of an experiment): the fragment workload passes "filled", "freed", its probe
 * checkpoints and, with compaction, "compacted". Each of a pass's streams reports each point as
 * it passes it; when the last of them has, the allocator's free blocks per order are sampled
 * once, and the streams' probe attempts and successes up to that point are summed.
 *
 * <p>Cheap by construction: a handful of points per run, each one {@link
 * PageAllocator#freeBlocksByOrder()} call (a scan of the allocator's metadata for POTAD), made
 * between ops, never inside an op or its timing. The fragment workload samples in the driver's
 * counting pass only (one thread, the same ops as the timed pass, whose plain timed loop it
 * leaves alone), so a run without a counting pass ({@code Driver.timedOnly}) has no points.
 * With several streams, the other streams may be a few ops past a point when the last one
 * reaches it.
 */
public final class FreeBlocksTimeline {

    /** One point: its name, the probes made and won up to it (all streams), the free blocks per order then. */
    public record Point(String name, long probeAttempts, long probeSuccesses, long[] freeBlocksByOrder) {
        public Point {
            freeBlocksByOrder = freeBlocksByOrder.clone();
        }

        @Override
        public long[] freeBlocksByOrder() {
            return freeBlocksByOrder.clone();
        }
    }

    /** Streams' reports of a point not yet passed by all of them. */
    private static final class Pending {
        int arrived;
        long attempts;
        long successes;
    }

    private final int streams;
    private final TreeMap<Integer, Pending> pending = new TreeMap<>();
    private final TreeMap<Integer, Point> points = new TreeMap<>();

    /** @param streams how many streams report every point (the run's threads) */
    public FreeBlocksTimeline(final int streams) {
        if (streams < 1) {
            throw new IllegalArgumentException("streams must be at least 1, got " + streams);
        }
        this.streams = streams;
    }

    /**
     * One stream has passed point {@code index} (points are ordered by index); the last stream to
     * do so samples {@code allocator}.
     *
     * @param attempts  this stream's probe attempts so far
     * @param successes this stream's probe successes so far
     */
    public synchronized void pass(final int index, final String name, final PageAllocator allocator,
                                  final long attempts, final long successes) {
        final Pending p = pending.computeIfAbsent(index, i -> new Pending());
        p.arrived++;
        p.attempts += attempts;
        p.successes += successes;
        if (p.arrived == streams) {
            pending.remove(index);
            points.put(index, new Point(name, p.attempts, p.successes, allocator.freeBlocksByOrder()));
        }
    }

    /** The points every stream has passed, in index order. */
    public synchronized List<Point> points() {
        return new ArrayList<>(points.values());
    }
}

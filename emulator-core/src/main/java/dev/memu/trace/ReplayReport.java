package dev.memu.trace;

import dev.memu.access.Region;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Everything one replay measured: what the trace held, what the replay made of each event, the
 * oddities of the sequence, cachelines per op, allocation failures by order, free blocks by order
 * over time, and bytes per page of the structures the replay built.
 */
public final class ReplayReport {

    /** Orders tracked in the per-order arrays (0..31, see {@link PfnStates}). */
    public static final int ORDERS = PfnStates.MAX_ORDER + 1;
    /** Longest trace line read; longer ones are counted as too long ({@link TraceStats#tooLong()}). */
    public static final int MAX_LINE_CHARS = BoundedLineReader.MAX_CHARS;
    /** Histogram buckets of distinct lines per op; the last bucket holds everything above. */
    static final int LINE_BUCKETS = 4097;

    /** Free blocks by order at one point of the replay. */
    public record Snapshot(int eventIndex, long timestampNanos, long[] freeBlocksByOrder) {
    }

    final ReplayOptions options;
    final TraceStats trace;
    final List<String> inputs;
    long ramBytes;
    long pages;
    int vcpus;
    String allocatorName;

    final long[] allocsByOrder = new long[ORDERS];
    final long[] freesByOrder = new long[ORDERS];
    final long[] failuresByOrder = new long[ORDERS];
    long freesOfFailed;

    long unmatchedFrees;
    long unmatchedFreePages;
    long duplicateFrees;
    long duplicateBatchedAfterFree;
    long partialFrees;
    long allocOverLive;
    long outOfRangeAllocs;
    long outOfRangeFrees;
    long misaligned;
    long orderTooHigh;
    long lostMarkers;
    long lostEvents;
    final List<String> sequenceExamples = new ArrayList<>();

    long livePages;
    long peakLivePages;

    final long[] allocLines = new long[Region.count()];
    final long[] freeLines = new long[Region.count()];
    long allocOps;
    long freeOps;
    final long[] allocLineHist = new long[LINE_BUCKETS];
    final long[] freeLineHist = new long[LINE_BUCKETS];

    final List<Snapshot> snapshots = new ArrayList<>();
    final long[] regionBytes = new long[Region.count()];

    ReplayReport(final ReplayOptions options, final TraceStats trace, final List<String> inputs) {
        this.options = options;
        this.trace = trace;
        this.inputs = inputs;
    }

    private final java.util.Map<String, Integer> examplesPerKind = new java.util.HashMap<>();

    /** Keeps the first {@code MAX_EXAMPLES / 2 + 1} examples of each kind of oddity. */
    void sequenceExample(final String kind, final String text) {
        final int seen = examplesPerKind.merge(kind, 1, Integer::sum);
        if (seen <= TraceStats.MAX_EXAMPLES / 2 + 1) {
            sequenceExamples.add(kind + ": " + text);
        }
    }

    public ReplayOptions options() { return options; }
    public TraceStats trace() { return trace; }
    public List<String> inputs() { return inputs; }
    public long ramBytes() { return ramBytes; }
    public long pages() { return pages; }
    public int vcpus() { return vcpus; }
    /** Allocator that placed blocks, or "none (trace placement)". */
    public String allocatorName() { return allocatorName; }

    public long allocsByOrder(final int order) { return allocsByOrder[order]; }
    public long freesByOrder(final int order) { return freesByOrder[order]; }
    /** Allocator placement: requests of this order the allocator could not satisfy. */
    public long failuresByOrder(final int order) { return failuresByOrder[order]; }
    public long failures() { return sum(failuresByOrder); }
    /** Frees of blocks whose allocation had failed in the emulator (skipped). */
    public long freesOfFailed() { return freesOfFailed; }
    public long allocsReplayed() { return sum(allocsByOrder); }
    public long freesReplayed() { return sum(freesByOrder); }

    /** Frees of pages the trace never allocated: allocated before tracing began (or lost). */
    public long unmatchedFrees() { return unmatchedFrees; }
    public long unmatchedFreePages() { return unmatchedFreePages; }
    /** Frees of pages the trace had already freed: free + free_batched for one page, and the like. */
    public long duplicateFrees() { return duplicateFrees; }
    /** The subset of duplicates that are a free_batched right after a free of the same page. */
    public long duplicateBatchedAfterFree() { return duplicateBatchedAfterFree; }
    /** Frees that cover only part of a live block, or more than one (split_page, free_pages_exact). */
    public long partialFrees() { return partialFrees; }
    /** Allocations over pages still live in the replay: the trace missed a free (lost events); the old block is dropped. */
    public long allocOverLive() { return allocOverLive; }
    public long outOfRangeAllocs() { return outOfRangeAllocs; }
    public long outOfRangeFrees() { return outOfRangeFrees; }
    /** Blocks whose pfn is not aligned to their order (no Linux allocator does this). */
    public long misaligned() { return misaligned; }
    /** Orders above what the replay can hold (31) or the allocator accepts; skipped. */
    public long orderTooHigh() { return orderTooHigh; }
    public long lostMarkers() { return lostMarkers; }
    public long lostEvents() { return lostEvents; }
    /** The first few odd events, each with its input and line. */
    public List<String> sequenceExamples() { return Collections.unmodifiableList(sequenceExamples); }

    /** Total oddities of the text and of the sequence. */
    public long oddities() {
        return trace.unparsable() + trace.lostMarkers() + unmatchedFrees + duplicateFrees + partialFrees
                + allocOverLive + outOfRangeAllocs + outOfRangeFrees + misaligned + orderTooHigh;
    }

    public long livePagesAtEnd() { return livePages; }
    public long peakLivePages() { return peakLivePages; }

    public long allocOps() { return allocOps; }
    public long freeOps() { return freeOps; }

    /** Mean distinct cachelines per alloc in {@code region} (NaN when lines were not counted). */
    public double allocLinesPerOp(final Region region) {
        return allocOps == 0 ? Double.NaN : (double) allocLines[region.ordinal()] / allocOps;
    }

    public double freeLinesPerOp(final Region region) {
        return freeOps == 0 ? Double.NaN : (double) freeLines[region.ordinal()] / freeOps;
    }

    public double allocLinesPerOp() {
        return allocOps == 0 ? Double.NaN : (double) sum(allocLines) / allocOps;
    }

    public double freeLinesPerOp() {
        return freeOps == 0 ? Double.NaN : (double) sum(freeLines) / freeOps;
    }

    /** Percentile (0..100) of distinct lines per alloc, all regions together; -1 when no alloc was replayed. */
    public long allocLinesPercentile(final double p) {
        return percentile(allocLineHist, allocOps, p);
    }

    public long freeLinesPercentile(final double p) {
        return percentile(freeLineHist, freeOps, p);
    }

    public List<Snapshot> snapshots() { return Collections.unmodifiableList(snapshots); }

    /** Off-heap bytes the replay's machine mapped for {@code region}. */
    public long regionBytes(final Region region) { return regionBytes[region.ordinal()]; }

    /** Metadata bytes (memmap + allocator + memdesc + lookup) per emulated page. */
    public double bytesPerPage() {
        long meta = 0;
        for (final Region r : Region.values()) {
            if (r != Region.PAGE_DATA) {
                meta += regionBytes[r.ordinal()];
            }
        }
        return pages == 0 ? 0 : (double) meta / pages;
    }

    private static long percentile(final long[] hist, final long n, final double p) {
        if (n == 0) {
            return -1;
        }
        final long rank = (long) Math.ceil(p / 100.0 * n);
        long seen = 0;
        for (int i = 0; i < hist.length; i++) {
            seen += hist[i];
            if (seen >= Math.max(1, rank)) {
                return i;
            }
        }
        return hist.length - 1;
    }

    private static long sum(final long[] a) {
        long s = 0;
        for (final long v : a) {
            s += v;
        }
        return s;
    }
}

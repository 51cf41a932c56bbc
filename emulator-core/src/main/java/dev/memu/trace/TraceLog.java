package dev.memu.trace;

import dev.memu.memdesc.MemdescType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A parsed trace held in memory as packed primitive arrays, 24 bytes per event: for tests and
 * small traces that are replayed several times from memory. {@code memu replay} does not hold
 * one: it streams the text ({@link TraceInputs}) once per pass.
 *
 * <pre>
 * per event i
 *   pfn[i]   the block's first pfn (for LOST: the number of events lost)
 *   ts[i]    timestamp in nanoseconds, as the trace clock printed it
 *   info[i]  bits  0..1   kind: 0 alloc, 1 free, 2 free_batched, 3 lost
 *                  2..7   order
 *                  8..11  migratetype (alloc; 15 when not printed)
 *                  12..15 memdesc type tag guessed from gfp_flags (alloc, see {@link GfpClass})
 *                  16..31 cpu, the [CPU#] column
 *                  32..63 line number, counted over all inputs (see {@link #where(long)})
 * </pre>
 */
public final class TraceLog {

    public static final int ALLOC = 0;
    public static final int FREE = 1;
    public static final int FREE_BATCHED = 2;
    public static final int LOST = 3;

    private static final int KIND_MASK = 0x3;
    private static final int ORDER_SHIFT = 2;
    private static final int ORDER_MASK = 0x3f;
    private static final int MT_SHIFT = 8;
    private static final int MT_MASK = 0xf;
    private static final int TAG_SHIFT = 12;
    private static final int CPU_SHIFT = 16;
    private static final int CPU_MASK = 0xffff;
    private static final int LINE_SHIFT = 32;

    private long[] pfn = new long[1024];
    private long[] ts = new long[1024];
    private long[] info = new long[1024];
    private int size;

    private final TraceStats stats = new TraceStats();
    private final List<String> inputs = new ArrayList<>();
    private final List<Long> inputFirstLine = new ArrayList<>();

    /** Fills this log. */
    TraceSink sink() {
        return new TraceSink() {
            @Override
            public void beginInput(final String name, final long firstGlobalLine) {
                TraceLog.this.beginInput(name, firstGlobalLine);
            }

            @Override
            public void add(final int kind, final long pfnOrCount, final int order, final int migratetype,
                            final MemdescType type, final int cpu, final long tsNanos, final long globalLine) {
                TraceLog.this.add(kind, pfnOrCount, order, migratetype, type, cpu, tsNanos, globalLine);
            }
        };
    }

    /** Hands every event, in order, to {@code sink} (a replay of this log). */
    void replayInto(final TraceSink sink) {
        for (int k = 0; k < inputs.size(); k++) {
            sink.beginInput(inputs.get(k), inputFirstLine.get(k));
        }
        for (int i = 0; i < size; i++) {
            sink.add(kind(i), pfn[i], order(i), migratetype(i), kind(i) == ALLOC ? type(i) : null, cpu(i), ts[i],
                    globalLine(i));
        }
    }

    void beginInput(final String name, final long firstGlobalLine) {
        inputs.add(name);
        inputFirstLine.add(firstGlobalLine);
    }

    void add(final int kind, final long pfnOrCount, final int order, final int migratetype, final MemdescType type,
             final int cpu, final long tsNanos, final long globalLine) {
        if (size == pfn.length) {
            final int n = Math.max(16, size * 2);
            pfn = Arrays.copyOf(pfn, n);
            ts = Arrays.copyOf(ts, n);
            info = Arrays.copyOf(info, n);
        }
        pfn[size] = pfnOrCount;
        ts[size] = tsNanos;
        info[size] = kind
                | (long) (order & ORDER_MASK) << ORDER_SHIFT
                | (long) (migratetype < 0 ? MT_MASK : Math.min(migratetype, MT_MASK)) << MT_SHIFT
                | (long) (type == null ? 0 : type.ordinal()) << TAG_SHIFT
                | (long) (cpu & CPU_MASK) << CPU_SHIFT
                | globalLine << LINE_SHIFT;
        size++;
    }

    /** Number of events, LOST markers included. */
    public int size() { return size; }

    public int kind(final int i) { return (int) (info[i] & KIND_MASK); }

    public long pfn(final int i) { return pfn[i]; }

    /** For a LOST marker: how many events the ring buffer dropped. */
    public long lostCount(final int i) { return pfn[i]; }

    public int order(final int i) { return (int) (info[i] >>> ORDER_SHIFT) & ORDER_MASK; }

    /** Migratetype of an alloc, -1 when the line did not print one. */
    public int migratetype(final int i) {
        final int mt = (int) (info[i] >>> MT_SHIFT) & MT_MASK;
        return mt == MT_MASK ? -1 : mt;
    }

    /** Memdesc type guessed from the alloc's gfp_flags. */
    public MemdescType type(final int i) {
        return MemdescType.values()[(int) (info[i] >>> TAG_SHIFT) & 0xf];   // ordinal: Misc types share tag 0
    }

    public int cpu(final int i) { return (int) (info[i] >>> CPU_SHIFT) & CPU_MASK; }

    public long timestampNanos(final int i) { return ts[i]; }

    /** Line number over all inputs; {@link #where(long)} turns it into "file:line". */
    public long globalLine(final int i) { return info[i] >>> LINE_SHIFT; }

    public TraceStats stats() { return stats; }

    public List<String> inputs() { return List.copyOf(inputs); }

    /** "input:line" for a global line number. */
    public String where(final long globalLine) {
        for (int k = inputs.size() - 1; k >= 0; k--) {
            if (globalLine >= inputFirstLine.get(k)) {
                return inputs.get(k) + ":" + (globalLine - inputFirstLine.get(k) + 1);
            }
        }
        return "line " + globalLine;
    }

    /** Input name and line number of a global line, for exceptions. */
    String inputOf(final long globalLine) {
        for (int k = inputs.size() - 1; k >= 0; k--) {
            if (globalLine >= inputFirstLine.get(k)) {
                return inputs.get(k);
            }
        }
        return "?";
    }

    long lineIn(final long globalLine) {
        for (int k = inputs.size() - 1; k >= 0; k--) {
            if (globalLine >= inputFirstLine.get(k)) {
                return globalLine - inputFirstLine.get(k) + 1;
            }
        }
        return globalLine;
    }
}

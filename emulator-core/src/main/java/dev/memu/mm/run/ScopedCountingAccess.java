package dev.memu.mm.run;

import dev.memu.access.Access;
import dev.memu.access.LineSet;
import dev.memu.access.PlainAccess;
import dev.memu.access.Region;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A counting access layer for rmap runs, where one mm operation runs the mm layer and every
 * attached scheme: each access is charged to the current <em>scope</em> (0 = the mm layer, i =
 * scheme i, switched by {@link MeteredScheme} around each call), and each scope counts the
 * distinct 64-byte lines it touched in the operation, per region, and its atomic
 * read-modify-writes (CAS, getAndAdd, getAndBitwise*). A line the layer and a scheme both touch
 * counts once in each: each scope's figure is what that code would cost on its own.
 *
 * <p>Same line identity as {@link dev.memu.access.CountingAccess} (absolute address >>> 6);
 * accesses outside an operation are performed and not counted. One thread; not thread-safe.
 */
public final class ScopedCountingAccess extends Access {

    private static final int LINE_SHIFT = 6;
    private static final PlainAccess PLAIN = PlainAccess.INSTANCE;

    private final int scopes;
    private final int regions = Region.count();
    private final int kinds = OpKind.values().length;
    private final LineSet[] lineSets;     // [scope]: the lines each scope touched in this op
    private boolean inOp;
    private int scope;
    private final long[][] opLines;        // [scope][region]
    private final long[] opAtomics;        // [scope]
    private final long[][][] lines;        // [scope][kind][region] totals
    private final long[][] atomics;        // [scope][kind]
    private final long[][] ops;            // [scope][kind]

    public ScopedCountingAccess(final int scopes) {
        this.scopes = scopes;
        lineSets = new LineSet[scopes];
        for (int s = 0; s < scopes; s++) {
            lineSets[s] = new LineSet();
        }
        opLines = new long[scopes][regions];
        opAtomics = new long[scopes];
        lines = new long[scopes][kinds][regions];
        atomics = new long[scopes][kinds];
        ops = new long[scopes][kinds];
    }

    /** Makes {@code s} the scope later accesses are charged to; returns the previous one. */
    public int scope(final int s) {
        final int prev = scope;
        scope = s;
        return prev;
    }

    @Override
    public void beginOp() {
        for (final LineSet set : lineSets) {
            set.clear();
        }
        for (final long[] l : opLines) {
            Arrays.fill(l, 0);
        }
        Arrays.fill(opAtomics, 0);
        inOp = true;
    }

    @Override
    public void endOp() {
        endOp(OpKind.OTHER, -1);
    }

    /** Ends the operation as one of {@code kind}, counted for every scope ({@code only < 0}) or scope {@code only}. */
    public void endOp(final OpKind kind, final int only) {
        inOp = false;
        final int k = kind.ordinal();
        for (int s = 0; s < scopes; s++) {
            if (only >= 0 && s != only) {
                continue;
            }
            for (int r = 0; r < regions; r++) {
                lines[s][k][r] += opLines[s][r];
            }
            atomics[s][k] += opAtomics[s];
            ops[s][k]++;
        }
    }

    public long ops(final int s, final OpKind kind) {
        return ops[s][kind.ordinal()];
    }

    public long lines(final int s, final OpKind kind, final Region region) {
        return lines[s][kind.ordinal()][region.ordinal()];
    }

    public long lines(final int s, final OpKind kind) {
        long sum = 0;
        for (final long l : lines[s][kind.ordinal()]) {
            sum += l;
        }
        return sum;
    }

    public long atomics(final int s, final OpKind kind) {
        return atomics[s][kind.ordinal()];
    }

    private void touch(final Region region, final MemorySegment segment, final long offset, final long bytes) {
        if (!inOp) {
            return;
        }
        final long base = segment.address() + offset;
        final long last = (base + Math.max(bytes, 1) - 1) >>> LINE_SHIFT;
        for (long line = base >>> LINE_SHIFT; line <= last; line++) {
            if (lineSets[scope].add(line)) {
                opLines[scope][region.ordinal()]++;
            }
        }
    }

    private void atomic() {
        if (inOp) {
            opAtomics[scope]++;
        }
    }

    @Override
    public long getLong(final Region region, final MemorySegment segment, final long offset) {
        touch(region, segment, offset, 8);
        return PLAIN.getLong(region, segment, offset);
    }

    @Override
    public void setLong(final Region region, final MemorySegment segment, final long offset, final long value) {
        touch(region, segment, offset, 8);
        PLAIN.setLong(region, segment, offset, value);
    }

    @Override
    public long getLongAcquire(final Region region, final MemorySegment segment, final long offset) {
        touch(region, segment, offset, 8);
        return PLAIN.getLongAcquire(region, segment, offset);
    }

    @Override
    public void setLongRelease(final Region region, final MemorySegment segment, final long offset, final long value) {
        touch(region, segment, offset, 8);
        PLAIN.setLongRelease(region, segment, offset, value);
    }

    @Override
    public long getLongVolatile(final Region region, final MemorySegment segment, final long offset) {
        touch(region, segment, offset, 8);
        return PLAIN.getLongVolatile(region, segment, offset);
    }

    @Override
    public void setLongVolatile(final Region region, final MemorySegment segment, final long offset, final long value) {
        touch(region, segment, offset, 8);
        PLAIN.setLongVolatile(region, segment, offset, value);
    }

    @Override
    public boolean compareAndSetLong(final Region region, final MemorySegment segment, final long offset,
                                     final long expected, final long value) {
        touch(region, segment, offset, 8);
        atomic();
        return PLAIN.compareAndSetLong(region, segment, offset, expected, value);
    }

    @Override
    public long compareAndExchangeLong(final Region region, final MemorySegment segment, final long offset,
                                       final long expected, final long value) {
        touch(region, segment, offset, 8);
        atomic();
        return PLAIN.compareAndExchangeLong(region, segment, offset, expected, value);
    }

    @Override
    public long getAndAddLong(final Region region, final MemorySegment segment, final long offset, final long delta) {
        touch(region, segment, offset, 8);
        atomic();
        return PLAIN.getAndAddLong(region, segment, offset, delta);
    }

    @Override
    public long getAndBitwiseOrLong(final Region region, final MemorySegment segment, final long offset, final long bits) {
        touch(region, segment, offset, 8);
        atomic();
        return PLAIN.getAndBitwiseOrLong(region, segment, offset, bits);
    }

    @Override
    public long getAndBitwiseAndLong(final Region region, final MemorySegment segment, final long offset, final long bits) {
        touch(region, segment, offset, 8);
        atomic();
        return PLAIN.getAndBitwiseAndLong(region, segment, offset, bits);
    }

    @Override
    public int getInt(final Region region, final MemorySegment segment, final long offset) {
        touch(region, segment, offset, 4);
        return PLAIN.getInt(region, segment, offset);
    }

    @Override
    public void setInt(final Region region, final MemorySegment segment, final long offset, final int value) {
        touch(region, segment, offset, 4);
        PLAIN.setInt(region, segment, offset, value);
    }

    @Override
    public boolean compareAndSetInt(final Region region, final MemorySegment segment, final long offset,
                                    final int expected, final int value) {
        touch(region, segment, offset, 4);
        atomic();
        return PLAIN.compareAndSetInt(region, segment, offset, expected, value);
    }

    @Override
    public int getAndAddInt(final Region region, final MemorySegment segment, final long offset, final int delta) {
        touch(region, segment, offset, 4);
        atomic();
        return PLAIN.getAndAddInt(region, segment, offset, delta);
    }

    @Override
    public short getShort(final Region region, final MemorySegment segment, final long offset) {
        touch(region, segment, offset, 2);
        return PLAIN.getShort(region, segment, offset);
    }

    @Override
    public void setShort(final Region region, final MemorySegment segment, final long offset, final short value) {
        touch(region, segment, offset, 2);
        PLAIN.setShort(region, segment, offset, value);
    }

    @Override
    public void copy(final Region srcRegion, final MemorySegment src, final long srcOffset,
                     final Region dstRegion, final MemorySegment dst, final long dstOffset, final long bytes) {
        touch(srcRegion, src, srcOffset, bytes);
        touch(dstRegion, dst, dstOffset, bytes);
        PLAIN.copy(srcRegion, src, srcOffset, dstRegion, dst, dstOffset, bytes);
    }

    @Override
    public void fill(final Region region, final MemorySegment segment, final long offset, final long bytes,
                     final byte value) {
        touch(region, segment, offset, bytes);
        PLAIN.fill(region, segment, offset, bytes, value);
    }
}

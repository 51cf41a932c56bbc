package dev.memu.access;

import java.lang.foreign.MemorySegment;

/**
 * The access layer that measures: performs every access exactly as {@link PlainAccess} does and
 * records which distinct 64-byte cachelines each operation touches, per {@link Region}.
 *
 * <p>A line is identified by its absolute address ({@code segment.address() + offset) >>> 6}),
 * so two structures sharing a line would count once, as they would on hardware. Between
 * {@link #beginOp()} and {@link #endOp()} the distinct lines are collected in a {@link LineSet}
 * (stamped with an operation number: no clearing per op); {@code endOp} folds the per-region
 * counts into {@link #lastOpLines(Region)} and into running totals.
 *
 * <p>One instance belongs to one thread (one vcpu); it is not thread-safe. Accesses outside an
 * operation are performed but not recorded (set-up, verification).
 */
public final class CountingAccess extends Access {

    private static final int LINE_SHIFT = 6;

    private final LineSet lines = new LineSet();
    private boolean inOp = false;

    private final int[] opLines = new int[Region.count()];
    private final int[] lastOpLines = new int[Region.count()];
    private final long[] totalLines = new long[Region.count()];
    private long ops = 0;

    @Override
    public void beginOp() {
        lines.clear();
        java.util.Arrays.fill(opLines, 0);
        inOp = true;
    }

    @Override
    public void endOp() {
        inOp = false;
        for (int r = 0; r < opLines.length; r++) {
            lastOpLines[r] = opLines[r];
            totalLines[r] += opLines[r];
        }
        ops++;
    }

    /** Distinct lines the last completed operation touched in {@code region}. */
    public int lastOpLines(final Region region) {
        return lastOpLines[region.ordinal()];
    }

    /** Distinct lines the last completed operation touched in all regions together. */
    public int lastOpLinesTotal() {
        int sum = 0;
        for (final int n : lastOpLines) {
            sum += n;
        }
        return sum;
    }

    /** Sum over all completed operations of their distinct lines in {@code region}. */
    public long totalLines(final Region region) {
        return totalLines[region.ordinal()];
    }

    /** Number of completed operations. */
    public long ops() {
        return ops;
    }

    private void touch(final Region region, final MemorySegment segment, final long offset, final long bytes) {
        if (!inOp) {
            return;
        }
        final long base = segment.address() + offset;
        final long first = base >>> LINE_SHIFT;
        final long last = (base + Math.max(bytes, 1) - 1) >>> LINE_SHIFT;
        for (long line = first; line <= last; line++) {
            if (lines.add(line)) {
                opLines[region.ordinal()]++;
            }
        }
    }

    @Override
    public long getLong(final Region region, final MemorySegment segment, final long offset) {
        touch(region, segment, offset, 8);
        return (long) PlainAccess.LONG.get(segment, offset);
    }

    @Override
    public void setLong(final Region region, final MemorySegment segment, final long offset, final long value) {
        touch(region, segment, offset, 8);
        PlainAccess.LONG.set(segment, offset, value);
    }

    @Override
    public long getLongAcquire(final Region region, final MemorySegment segment, final long offset) {
        touch(region, segment, offset, 8);
        return (long) PlainAccess.LONG.getAcquire(segment, offset);
    }

    @Override
    public void setLongRelease(final Region region, final MemorySegment segment, final long offset, final long value) {
        touch(region, segment, offset, 8);
        PlainAccess.LONG.setRelease(segment, offset, value);
    }

    @Override
    public long getLongVolatile(final Region region, final MemorySegment segment, final long offset) {
        touch(region, segment, offset, 8);
        return (long) PlainAccess.LONG.getVolatile(segment, offset);
    }

    @Override
    public void setLongVolatile(final Region region, final MemorySegment segment, final long offset, final long value) {
        touch(region, segment, offset, 8);
        PlainAccess.LONG.setVolatile(segment, offset, value);
    }

    @Override
    public boolean compareAndSetLong(final Region region, final MemorySegment segment, final long offset,
                                     final long expected, final long value) {
        touch(region, segment, offset, 8);
        return (boolean) PlainAccess.LONG.compareAndSet(segment, offset, expected, value);
    }

    @Override
    public long compareAndExchangeLong(final Region region, final MemorySegment segment, final long offset,
                                       final long expected, final long value) {
        touch(region, segment, offset, 8);
        return (long) PlainAccess.LONG.compareAndExchange(segment, offset, expected, value);
    }

    @Override
    public long getAndAddLong(final Region region, final MemorySegment segment, final long offset, final long delta) {
        touch(region, segment, offset, 8);
        return (long) PlainAccess.LONG.getAndAdd(segment, offset, delta);
    }

    @Override
    public long getAndBitwiseOrLong(final Region region, final MemorySegment segment, final long offset, final long bits) {
        touch(region, segment, offset, 8);
        return (long) PlainAccess.LONG.getAndBitwiseOr(segment, offset, bits);
    }

    @Override
    public long getAndBitwiseAndLong(final Region region, final MemorySegment segment, final long offset, final long bits) {
        touch(region, segment, offset, 8);
        return (long) PlainAccess.LONG.getAndBitwiseAnd(segment, offset, bits);
    }

    @Override
    public int getInt(final Region region, final MemorySegment segment, final long offset) {
        touch(region, segment, offset, 4);
        return (int) PlainAccess.INT.get(segment, offset);
    }

    @Override
    public void setInt(final Region region, final MemorySegment segment, final long offset, final int value) {
        touch(region, segment, offset, 4);
        PlainAccess.INT.set(segment, offset, value);
    }

    @Override
    public boolean compareAndSetInt(final Region region, final MemorySegment segment, final long offset,
                                    final int expected, final int value) {
        touch(region, segment, offset, 4);
        return (boolean) PlainAccess.INT.compareAndSet(segment, offset, expected, value);
    }

    @Override
    public int getAndAddInt(final Region region, final MemorySegment segment, final long offset, final int delta) {
        touch(region, segment, offset, 4);
        return (int) PlainAccess.INT.getAndAdd(segment, offset, delta);
    }

    @Override
    public short getShort(final Region region, final MemorySegment segment, final long offset) {
        touch(region, segment, offset, 2);
        return (short) PlainAccess.SHORT.get(segment, offset);
    }

    @Override
    public void setShort(final Region region, final MemorySegment segment, final long offset, final short value) {
        touch(region, segment, offset, 2);
        PlainAccess.SHORT.set(segment, offset, value);
    }

    @Override
    public void copy(final Region srcRegion, final MemorySegment src, final long srcOffset,
                     final Region dstRegion, final MemorySegment dst, final long dstOffset, final long bytes) {
        touch(srcRegion, src, srcOffset, bytes);
        touch(dstRegion, dst, dstOffset, bytes);
        MemorySegment.copy(src, srcOffset, dst, dstOffset, bytes);
    }

    @Override
    public void fill(final Region region, final MemorySegment segment, final long offset, final long bytes, final byte value) {
        touch(region, segment, offset, bytes);
        segment.asSlice(offset, bytes).fill(value);
    }
}

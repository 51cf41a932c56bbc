package dev.memu.access;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The access layer that benchmarks time: each method is one VarHandle call and nothing else.
 * The region argument is ignored and vanishes once the call is inlined.
 */
public final class PlainAccess extends Access {

    /** The shared instance: stateless, so one serves every thread. */
    public static final PlainAccess INSTANCE = new PlainAccess();

    // Coordinates (MemorySegment, long offset). Invoke-exact turns an accidental int offset
    // into an error instead of a silent slow path.
    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle().withInvokeExactBehavior();
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle().withInvokeExactBehavior();
    static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle().withInvokeExactBehavior();

    private PlainAccess() {
    }

    @Override
    public void beginOp() {
    }

    @Override
    public void endOp() {
    }

    @Override
    public long getLong(final Region region, final MemorySegment segment, final long offset) {
        return (long) LONG.get(segment, offset);
    }

    @Override
    public void setLong(final Region region, final MemorySegment segment, final long offset, final long value) {
        LONG.set(segment, offset, value);
    }

    @Override
    public long getLongAcquire(final Region region, final MemorySegment segment, final long offset) {
        return (long) LONG.getAcquire(segment, offset);
    }

    @Override
    public void setLongRelease(final Region region, final MemorySegment segment, final long offset, final long value) {
        LONG.setRelease(segment, offset, value);
    }

    @Override
    public long getLongVolatile(final Region region, final MemorySegment segment, final long offset) {
        return (long) LONG.getVolatile(segment, offset);
    }

    @Override
    public void setLongVolatile(final Region region, final MemorySegment segment, final long offset, final long value) {
        LONG.setVolatile(segment, offset, value);
    }

    @Override
    public boolean compareAndSetLong(final Region region, final MemorySegment segment, final long offset,
                                     final long expected, final long value) {
        return (boolean) LONG.compareAndSet(segment, offset, expected, value);
    }

    @Override
    public long compareAndExchangeLong(final Region region, final MemorySegment segment, final long offset,
                                       final long expected, final long value) {
        return (long) LONG.compareAndExchange(segment, offset, expected, value);
    }

    @Override
    public long getAndAddLong(final Region region, final MemorySegment segment, final long offset, final long delta) {
        return (long) LONG.getAndAdd(segment, offset, delta);
    }

    @Override
    public long getAndBitwiseOrLong(final Region region, final MemorySegment segment, final long offset, final long bits) {
        return (long) LONG.getAndBitwiseOr(segment, offset, bits);
    }

    @Override
    public long getAndBitwiseAndLong(final Region region, final MemorySegment segment, final long offset, final long bits) {
        return (long) LONG.getAndBitwiseAnd(segment, offset, bits);
    }

    @Override
    public int getInt(final Region region, final MemorySegment segment, final long offset) {
        return (int) INT.get(segment, offset);
    }

    @Override
    public void setInt(final Region region, final MemorySegment segment, final long offset, final int value) {
        INT.set(segment, offset, value);
    }

    @Override
    public boolean compareAndSetInt(final Region region, final MemorySegment segment, final long offset,
                                    final int expected, final int value) {
        return (boolean) INT.compareAndSet(segment, offset, expected, value);
    }

    @Override
    public int getAndAddInt(final Region region, final MemorySegment segment, final long offset, final int delta) {
        return (int) INT.getAndAdd(segment, offset, delta);
    }

    @Override
    public short getShort(final Region region, final MemorySegment segment, final long offset) {
        return (short) SHORT.get(segment, offset);
    }

    @Override
    public void setShort(final Region region, final MemorySegment segment, final long offset, final short value) {
        SHORT.set(segment, offset, value);
    }

    @Override
    public void copy(final Region srcRegion, final MemorySegment src, final long srcOffset,
                     final Region dstRegion, final MemorySegment dst, final long dstOffset, final long bytes) {
        MemorySegment.copy(src, srcOffset, dst, dstOffset, bytes);
    }

    @Override
    public void fill(final Region region, final MemorySegment segment, final long offset, final long bytes, final byte value) {
        segment.asSlice(offset, bytes).fill(value);
    }
}

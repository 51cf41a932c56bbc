package dev.memu.access;

import java.lang.foreign.MemorySegment;

/**
 * The one narrow door through which every emulated structure is read and written: memmap words,
 * allocator metadata, memdesc heap, lookup structures and page data.
 *
 * <p>Two implementations exist. {@link PlainAccess} is what gets timed: static final VarHandles,
 * nothing else. {@link CountingAccess} does the same accesses and records the distinct 64-byte
 * cachelines each operation touches, per {@link Region}. A run uses one implementation for all
 * its timed operations, so every call site stays monomorphic and the JIT inlines the plain path
 * down to a bare load or store: measuring never changes what is measured.
 *
 * <p>Offsets are byte offsets into the segment. Word accesses must be naturally aligned
 * (8 bytes for long, 4 for int, 2 for short); atomic modes require it.
 *
 * <p>Memory ordering follows the names: plain {@code get/set} are plain accesses, {@code
 * Acquire/Release} and {@code Volatile} as in {@link java.lang.invoke.VarHandle}; the
 * read-modify-write operations are volatile (sequentially consistent).
 */
public abstract class Access {

    /** Marks the start of one measured operation (alloc, free, lookup...). */
    public abstract void beginOp();

    /** Marks the end of the operation started by {@link #beginOp()}. */
    public abstract void endOp();

    public abstract long getLong(Region region, MemorySegment segment, long offset);

    public abstract void setLong(Region region, MemorySegment segment, long offset, long value);

    public abstract long getLongAcquire(Region region, MemorySegment segment, long offset);

    public abstract void setLongRelease(Region region, MemorySegment segment, long offset, long value);

    public abstract long getLongVolatile(Region region, MemorySegment segment, long offset);

    public abstract void setLongVolatile(Region region, MemorySegment segment, long offset, long value);

    public abstract boolean compareAndSetLong(Region region, MemorySegment segment, long offset, long expected, long value);

    public abstract long compareAndExchangeLong(Region region, MemorySegment segment, long offset, long expected, long value);

    public abstract long getAndAddLong(Region region, MemorySegment segment, long offset, long delta);

    public abstract long getAndBitwiseOrLong(Region region, MemorySegment segment, long offset, long bits);

    public abstract long getAndBitwiseAndLong(Region region, MemorySegment segment, long offset, long bits);

    public abstract int getInt(Region region, MemorySegment segment, long offset);

    public abstract void setInt(Region region, MemorySegment segment, long offset, int value);

    public abstract boolean compareAndSetInt(Region region, MemorySegment segment, long offset, int expected, int value);

    public abstract int getAndAddInt(Region region, MemorySegment segment, long offset, int delta);

    public abstract short getShort(Region region, MemorySegment segment, long offset);

    public abstract void setShort(Region region, MemorySegment segment, long offset, short value);

    /** Copies {@code bytes} bytes; both ranges count as touched (page migration, not hot paths). */
    public abstract void copy(Region srcRegion, MemorySegment src, long srcOffset,
                              Region dstRegion, MemorySegment dst, long dstOffset, long bytes);

    /** Fills {@code bytes} bytes with {@code value} (descriptor initialisation, page clearing). */
    public abstract void fill(Region region, MemorySegment segment, long offset, long bytes, byte value);
}

package dev.memu.machine;

import dev.memu.access.Region;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One emulated node: its RAM as one off-heap segment, its page size, and every other off-heap
 * structure the emulator builds for it (memmap, allocator metadata, memdesc heap, lookup), all
 * in one shared arena closed once when the machine closes.
 *
 * <p>RAM and metadata are lazily committed mappings ({@link NativeMemory}), so an emulated RAM
 * can be far larger than the host's as long as the workload touches little of it.
 */
public final class Machine implements AutoCloseable {

    public static final int DEFAULT_PAGE_SHIFT = 12;

    private final Arena arena = Arena.ofShared();
    private final Footprint footprint = new Footprint();
    private final int pageShift;
    private final long pages;
    private final MemorySegment ram;

    private Machine(final long ramBytes, final int pageShift) {
        this.pageShift = pageShift;
        this.pages = ramBytes >>> pageShift;
        this.ram = NativeMemory.map(ramBytes, arena);
        footprint.add(Region.PAGE_DATA, ram.byteSize());
    }

    /**
     * A machine with {@code ramBytes} of RAM in pages of {@code 1 << pageShift} bytes.
     *
     * @throws IllegalArgumentException when the size is not a positive multiple of the page size
     */
    public static Machine create(final long ramBytes, final int pageShift) {
        if (pageShift < 9 || pageShift > 21) {
            throw new IllegalArgumentException("page shift must be 9..21, got " + pageShift);
        }
        final long pageSize = 1L << pageShift;
        if (ramBytes < pageSize || (ramBytes & (pageSize - 1)) != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of the page size ("
                    + pageSize + " bytes), got " + ramBytes);
        }
        return new Machine(ramBytes, pageShift);
    }

    public static Machine create(final long ramBytes) {
        return create(ramBytes, DEFAULT_PAGE_SHIFT);
    }

    /**
     * Maps a zero-filled, lazily committed block for {@code region} and accounts its size.
     * The block lives as long as the machine.
     */
    public MemorySegment allocate(final Region region, final long bytes) {
        final MemorySegment segment = NativeMemory.map(bytes, arena);
        footprint.add(region, segment.byteSize());
        return segment;
    }

    /** The emulated RAM: page {@code pfn} starts at byte {@code pfn << pageShift()}. */
    public MemorySegment ram() {
        return ram;
    }

    public int pageShift() {
        return pageShift;
    }

    public long pageSize() {
        return 1L << pageShift;
    }

    /** Number of page frames. */
    public long pages() {
        return pages;
    }

    public long ramBytes() {
        return pages << pageShift;
    }

    public Footprint footprint() {
        return footprint;
    }

    public Arena arena() {
        return arena;
    }

    @Override
    public void close() {
        arena.close();
    }
}

package dev.memu.machine;

import dev.memu.access.Region;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * One emulated node: its RAM as one off-heap segment, its page size, and every other off-heap
 * structure the emulator builds for it (memmap, allocator metadata, memdesc heap, lookup), all
 * in one shared arena closed once when the machine closes.
 *
 * <p>RAM and metadata are lazily committed mappings ({@link NativeMemory}), so an emulated RAM
 * can be far larger than the host's as long as the workload touches little of it. Which of them
 * ask for transparent huge pages is the machine's {@link HugePagePolicy}; {@link #mappings()} lists
 * every mapping so that {@link HugePageReport} can tell what the kernel really backed.
 */
public final class Machine implements AutoCloseable {

    public static final int DEFAULT_PAGE_SHIFT = 12;

    private final Arena arena = Arena.ofShared();
    private final Footprint footprint = new Footprint();
    private final int pageShift;
    private final long pages;
    private final MemorySegment ram;
    private final HugePagePolicy hugePages;
    private final List<Mapping> mappings = new ArrayList<>();

    /** One off-heap mapping of this machine: what it is for, where, and whether it was advised huge. */
    public record Mapping(Region region, long address, long bytes, boolean advisedHuge) {
    }

    private Machine(final long ramBytes, final int pageShift, final HugePagePolicy hugePages) {
        this.pageShift = pageShift;
        this.pages = ramBytes >>> pageShift;
        this.hugePages = hugePages;
        this.ram = map(Region.PAGE_DATA, ramBytes, hugePages.advises(true, ramBytes));
    }

    /**
     * A machine with {@code ramBytes} of RAM in pages of {@code 1 << pageShift} bytes.
     *
     * @throws IllegalArgumentException when the size is not a positive multiple of the page size
     */
    public static Machine create(final long ramBytes, final int pageShift) {
        return create(ramBytes, pageShift, HugePagePolicy.defaults());
    }

    /** As {@link #create(long, int)}, with an explicit huge-page policy. */
    public static Machine create(final long ramBytes, final int pageShift, final HugePagePolicy hugePages) {
        if (pageShift < 9 || pageShift > 21) {
            throw new IllegalArgumentException("page shift must be 9..21, got " + pageShift);
        }
        final long pageSize = 1L << pageShift;
        if (ramBytes < pageSize || (ramBytes & (pageSize - 1)) != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of the page size ("
                    + pageSize + " bytes), got " + ramBytes);
        }
        return new Machine(ramBytes, pageShift, hugePages);
    }

    public static Machine create(final long ramBytes) {
        return create(ramBytes, DEFAULT_PAGE_SHIFT);
    }

    /**
     * Maps a zero-filled, lazily committed block for {@code region} and accounts its size.
     * The block lives as long as the machine.
     */
    public MemorySegment allocate(final Region region, final long bytes) {
        return map(region, bytes, hugePages.advises(false, bytes));
    }

    private MemorySegment map(final Region region, final long bytes, final boolean huge) {
        final MemorySegment segment = huge ? NativeMemory.mapHuge(bytes, arena) : NativeMemory.map(bytes, arena);
        footprint.add(region, segment.byteSize());
        synchronized (mappings) {
            mappings.add(new Mapping(region, segment.address(), segment.byteSize(), huge));
        }
        return segment;
    }

    /** Every mapping made so far, RAM first. */
    public List<Mapping> mappings() {
        synchronized (mappings) {
            return List.copyOf(mappings);
        }
    }

    public HugePagePolicy hugePagePolicy() {
        return hugePages;
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

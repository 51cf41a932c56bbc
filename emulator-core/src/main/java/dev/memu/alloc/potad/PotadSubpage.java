package dev.memu.alloc.potad;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.PageAllocator;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

import java.lang.foreign.MemorySegment;

/**
 * Sub-page blocks of 512 B, 1 KiB and 2 KiB (orders -3, -2, -1 of a 4 KiB page), returned as
 * physical addresses (byte offsets into RAM). Lock-free like the page allocator it sits on: each
 * vcpu has a <em>current</em> page per size; a block is an aligned group of 512-byte units whose
 * bits are set with one CAS; a page comes from {@link PotadAllocator#alloc} (order 0, allocatee
 * tagged slab) and goes back when its last block is freed and no vcpu holds it as current.
 *
 * <p>This object is created on demand, so a run that never splits pages pays nothing for it.
 * Sub-block owners are not recorded: the page's memmap entry names the slab-tagged allocatee,
 * as a slab page's does in Linux; who owns each object is the sub-allocator's caller's business.
 *
 * <h2>Off-heap layout (region {@code allocator})</h2>
 * <pre>
 * page state: 16 bits per RAM page, four pages per 64-bit word (CAS on the word)
 *   bits 0..7   units in use (512-byte unit i of the page = bit i)
 *   bits 8..9   size class of the page: 1 = 512 B, 2 = 1 KiB, 3 = 2 KiB; 0 = not a sub-page page
 *   bit  10     CURRENT: some vcpu allocates from this page
 * vcpu slot: 64 bytes per vcpu; +8*(class-1) = current page pfn + 1 for that class (0: none)
 * </pre>
 * Exactly one party returns an emptied page: the free whose CAS leaves the state "no units,
 * not current", or the vcpu whose CAS retires a full page that frees have emptied meanwhile.
 * The state map is 2 bytes per RAM page, mapped lazily: only pages used here are committed.
 */
public final class PotadSubpage {

    public static final int UNIT_SHIFT = 9;
    public static final int MIN_BYTES = 1 << UNIT_SHIFT;
    public static final int MAX_BYTES = 2048;
    /** Returned by {@link #alloc} when no page is left to split. */
    public static final long NO_ADDRESS = -1L;

    static final int STATE_BITS = 16;
    static final long USED_MASK = 0xff;
    static final int CLASS_SHIFT = 8;
    static final long CLASS_MASK = 0x3;
    static final long CURRENT = 1L << 10;
    static final long FIELD_MASK = 0xffff;
    static final long SLOT_BYTES = 64;

    private static final Region R = Region.ALLOCATOR;
    /** The memmap owner of a page split into sub-page blocks. */
    public static final long SLAB_PAGE = Allocatee.of(MemdescType.SLAB, 0);

    private final PotadAllocator pages;
    private final Access access;
    private final MemorySegment state;
    private final MemorySegment slots;
    private final long ramBytes;
    private final int vcpus;

    public PotadSubpage(final PotadAllocator pages) {
        final Machine machine = pages.memmap().machine();
        if (machine.pageShift() != 12) {
            throw new IllegalArgumentException("sub-page blocks need 4 KiB pages (8 units of 512 B), not "
                    + machine.pageSize() + "-byte pages");
        }
        this.pages = pages;
        this.access = pages.memmap().access();
        this.vcpus = pages.core().vcpus();
        this.ramBytes = machine.ramBytes();
        this.state = machine.allocate(Region.ALLOCATOR, ((machine.pages() + 3) / 4) * 8);
        this.slots = machine.allocate(Region.ALLOCATOR, vcpus * SLOT_BYTES);
    }

    private static int sizeClass(final int bytes) {
        return switch (bytes) {
            case 512 -> 1;
            case 1024 -> 2;
            case 2048 -> 3;
            default -> 0;
        };
    }

    private static long stateWord(final long pfn) {
        return (pfn >>> 2) << 3;
    }

    private static int stateShift(final long pfn) {
        return (int) (pfn & 3) * STATE_BITS;
    }

    /**
     * Allocates a block of {@code bytes} (512, 1024 or 2048), aligned to its size.
     *
     * @return its physical address, or {@link #NO_ADDRESS} when no page is left
     */
    public long alloc(final int bytes, final int vcpu) {
        final int cls = sizeClass(bytes);
        if (cls == 0) {
            throw new IllegalArgumentException("sub-page size must be 512, 1024 or 2048 bytes, got " + bytes);
        }
        if (vcpu < 0 || vcpu >= vcpus) {
            throw new IllegalArgumentException("vcpu " + vcpu + " is outside 0.." + (vcpus - 1));
        }
        final long units = bytes >>> UNIT_SHIFT;
        final long ones = (1L << units) - 1;
        final long slot = vcpu * SLOT_BYTES + (cls - 1) * 8L;
        while (true) {
            final long current = access.getLong(R, slots, slot);
            if (current != 0) {
                final long pfn = current - 1;
                final long address = claimUnits(pfn, units, ones);
                if (address != NO_ADDRESS) {
                    return address;
                }
                retire(pfn, vcpu);
                access.setLong(R, slots, slot, 0);
            }
            final long pfn = pages.alloc(0, SLAB_PAGE, vcpu);
            if (pfn == PageAllocator.NO_PAGE) {
                return NO_ADDRESS;
            }
            setField(pfn, 0, ((long) cls << CLASS_SHIFT) | CURRENT);
            access.setLong(R, slots, slot, pfn + 1);
        }
    }

    private long claimUnits(final long pfn, final long units, final long ones) {
        final long off = stateWord(pfn);
        final int shift = stateShift(pfn);
        long word = access.getLong(R, state, off);
        while (true) {
            final long used = (word >>> shift) & USED_MASK;
            long free = ~used & USED_MASK;
            for (long s = 1; s < units; s <<= 1) {
                free &= free >>> s;
            }
            free &= units == 1 ? 0xff : units == 2 ? 0x55 : 0x11;
            if (free == 0) {
                return NO_ADDRESS;
            }
            final int unit = Long.numberOfTrailingZeros(free);
            final long witness = access.compareAndExchangeLong(R, state, off, word, word | ((ones << unit) << shift));
            if (witness == word) {
                return (pfn << 12) + ((long) unit << UNIT_SHIFT);
            }
            word = witness;
        }
    }

    /** The page stops being current; if frees emptied it meanwhile, it goes back to the page allocator. */
    private void retire(final long pfn, final int vcpu) {
        final long off = stateWord(pfn);
        final int shift = stateShift(pfn);
        long word = access.getLong(R, state, off);
        while (true) {
            final long field = (word >>> shift) & FIELD_MASK;
            final boolean empty = (field & USED_MASK) == 0;
            final long next = empty ? 0 : field & ~CURRENT;
            final long witness = access.compareAndExchangeLong(R, state, off, word,
                    (word & ~(FIELD_MASK << shift)) | (next << shift));
            if (witness == word) {
                if (empty) {
                    pages.free(pfn, 0, vcpu);
                }
                return;
            }
            word = witness;
        }
    }

    private void setField(final long pfn, final long expected, final long value) {
        final long off = stateWord(pfn);
        final int shift = stateShift(pfn);
        long word = access.getLong(R, state, off);
        while (true) {
            if (((word >>> shift) & FIELD_MASK) != expected) {
                throw new IllegalStateException("sub-page state of fresh page 0x" + Long.toHexString(pfn) + " is not clear");
            }
            final long witness = access.compareAndExchangeLong(R, state, off, word,
                    (word & ~(FIELD_MASK << shift)) | (value << shift));
            if (witness == word) {
                return;
            }
            word = witness;
        }
    }

    /**
     * Frees the block of {@code bytes} at {@code address}.
     *
     * @throws BadFreeException (pfn of the page, order -3..-1) when the address is outside RAM or
     *         misaligned, the page is not split into blocks of that size, or the block is not
     *         allocated; nothing changes
     */
    public void free(final long address, final int bytes, final int vcpu) {
        final int cls = sizeClass(bytes);
        final int order = cls - 4;
        if (cls == 0) {
            throw new BadFreeException(BadFreeException.Kind.BAD_ORDER, address >> 12, 0,
                    "sub-page size must be 512, 1024 or 2048 bytes, got " + bytes);
        }
        final long pfn = address >>> 12;
        if (address < 0 || address >= ramBytes || bytes > ramBytes - address) {
            throw new BadFreeException(BadFreeException.Kind.OUT_OF_RANGE, pfn, order,
                    "address 0x" + Long.toHexString(address) + " is outside RAM");
        }
        if ((address & (bytes - 1)) != 0) {
            throw new BadFreeException(BadFreeException.Kind.MISALIGNED, pfn, order,
                    "address 0x" + Long.toHexString(address) + " is not aligned to " + bytes + " bytes");
        }
        final long units = bytes >>> UNIT_SHIFT;
        final int unit = (int) ((address & 4095) >>> UNIT_SHIFT);
        final long mask = ((1L << units) - 1) << unit;
        final long off = stateWord(pfn);
        final int shift = stateShift(pfn);
        long word = access.getLong(R, state, off);
        while (true) {
            final long field = (word >>> shift) & FIELD_MASK;
            if (((field >>> CLASS_SHIFT) & CLASS_MASK) != cls) {
                throw new BadFreeException(BadFreeException.Kind.NOT_ALLOCATED, pfn, order,
                        "address 0x" + Long.toHexString(address) + " is not in a page of " + bytes + "-byte blocks");
            }
            if ((field & mask) != mask) {
                throw new BadFreeException(BadFreeException.Kind.DOUBLE_FREE, pfn, order,
                        "block at 0x" + Long.toHexString(address) + " is not allocated");
            }
            long next = field & ~mask;
            final boolean emptied = (next & (USED_MASK | CURRENT)) == 0;
            if (emptied) {
                next = 0;
            }
            final long witness = access.compareAndExchangeLong(R, state, off, word,
                    (word & ~(FIELD_MASK << shift)) | (next << shift));
            if (witness == word) {
                if (emptied) {
                    pages.free(pfn, 0, vcpu);
                }
                return;
            }
            word = witness;
        }
    }

    /** Units in use in page {@code pfn} (bits 0..7), for checks. */
    public int usedUnits(final long pfn) {
        return (int) ((access.getLong(R, state, stateWord(pfn)) >>> stateShift(pfn)) & USED_MASK);
    }
}

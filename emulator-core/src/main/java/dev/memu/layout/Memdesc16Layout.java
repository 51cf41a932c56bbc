package dev.memu.layout;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

import java.util.List;

/**
 * The two-word page of the memdesc plan (linux-mm, January 2024; LSFMM 2024): allocatee state
 * apart from allocator state (Overstreet 2021, "two pointers, 0.4 % of system memory").
 *
 * <pre>
 * off  bits    free block head               allocated page (head and tails alike)
 *   0  0..3    type tag = 5 (free)           type tag of the allocatee
 *   0  4..63   next free pfn (signed)        allocatee: descriptor address bits 4..51
 *   8  0..3    order                         allocator word: bits 0..5 order of the allocation
 *   8  4..63   prev free pfn (signed)        allocator word: 0
 * </pre>
 *
 * As the kernel proposal: a free block is {@code buddy {next; prev}} with the type in the low 4
 * bits of {@code next} and the order in the low 4 bits of {@code prev}, so free lists are threaded
 * through the memmap and a free order is at most 15. A page of an allocation is the head iff its
 * pfn is aligned to the allocation's order (allocations are naturally aligned), so no head flag
 * is needed. Pages inside a free block other than its head read as zero (type none).
 */
public final class Memdesc16Layout extends Layout {

    static final int ENTRY_BYTES = 16;
    static final long WORD0 = 0;
    static final long WORD1 = 8;
    static final int LINK_SHIFT = 4;
    static final long FREE_ORDER_MASK = 0xf;
    static final long ALLOC_ORDER_MASK = 0x3f;

    @Override
    public String name() {
        return "memdesc16";
    }

    @Override
    public String summary() {
        return "two words: tagged allocatee (or next|type) and allocator word (or prev|order)";
    }

    @Override
    public int bytesPerPage() {
        return ENTRY_BYTES;
    }

    @Override
    public int maxFreeOrder() {
        return (int) FREE_ORDER_MASK;
    }

    @Override
    public List<LayoutField> fields() {
        return List.of(
                LayoutField.bits("type", 0, 0, 4, "memdesc type tag; 5 = free"),
                LayoutField.bits("memdesc|next", 0, 4, 60, "allocated: descriptor pointer; free: next free pfn"),
                LayoutField.bits("free.order", 8, 0, 4, "free: order of the block"),
                LayoutField.bits("alloc.order", 8, 0, 6, "allocated: order of the allocation"),
                LayoutField.bits("allocator|prev", 8, 4, 60, "free: previous free pfn; allocated: 0 above the order"));
    }

    @Override
    public Memmap bind(final Machine machine, final Access access) {
        return new Map(this, machine, access);
    }

    static final class Map extends PerPageMemmap {
        private static final long FREE_TAG = MemdescType.FREE.tag();


        Map(final Layout layout, final Machine machine, final Access access) {
            super(layout, machine, access);
        }

        private static long at(final long pfn) {
            return pfn * ENTRY_BYTES;
        }

        @Override
        public Region linkRegion() {
            return Region.MEMMAP;
        }

        @Override
        public void setFree(final long pfn, final int order) {
            final long w0 = access.getLong(Region.MEMMAP, memmap, at(pfn) + WORD0);
            final long w1 = access.getLong(Region.MEMMAP, memmap, at(pfn) + WORD1);
            final boolean wasFree = (w0 & MemdescType.TAG_MASK) == FREE_TAG;
            // A page that was not free holds no links yet: start them as NIL.
            final long next = wasFree ? w0 >> LINK_SHIFT : NIL;
            final long prev = wasFree ? w1 >> LINK_SHIFT : NIL;
            access.setLong(Region.MEMMAP, memmap, at(pfn) + WORD0, (next << LINK_SHIFT) | FREE_TAG);
            access.setLong(Region.MEMMAP, memmap, at(pfn) + WORD1, (prev << LINK_SHIFT) | order);
        }

        @Override
        public void clearFree(final long pfn) {
            access.setLong(Region.MEMMAP, memmap, at(pfn) + WORD0, 0);
            access.setLong(Region.MEMMAP, memmap, at(pfn) + WORD1, 0);
        }

        @Override
        public int freeOrder(final long pfn) {
            final long w0 = access.getLong(Region.MEMMAP, memmap, at(pfn) + WORD0);
            if ((w0 & MemdescType.TAG_MASK) != FREE_TAG) {
                return -1;
            }
            return (int) (access.getLong(Region.MEMMAP, memmap, at(pfn) + WORD1) & FREE_ORDER_MASK);
        }

        @Override
        public long nextFree(final long pfn) {
            return access.getLong(Region.MEMMAP, memmap, at(pfn) + WORD0) >> LINK_SHIFT;
        }

        @Override
        public void setNextFree(final long pfn, final long next) {
            final long offset = at(pfn) + WORD0;
            final long w0 = access.getLong(Region.MEMMAP, memmap, offset);
            access.setLong(Region.MEMMAP, memmap, offset, (next << LINK_SHIFT) | (w0 & MemdescType.TAG_MASK));
        }

        @Override
        public long prevFree(final long pfn) {
            return access.getLong(Region.MEMMAP, memmap, at(pfn) + WORD1) >> LINK_SHIFT;
        }

        @Override
        public void setPrevFree(final long pfn, final long prev) {
            final long offset = at(pfn) + WORD1;
            final long w1 = access.getLong(Region.MEMMAP, memmap, offset);
            access.setLong(Region.MEMMAP, memmap, offset, (prev << LINK_SHIFT) | (w1 & FREE_ORDER_MASK));
        }

        @Override
        public void setAllocated(final long pfn, final int order, final long allocatee) {
            final long pages = 1L << order;
            for (long i = 0; i < pages; i++) {
                access.setLong(Region.MEMMAP, memmap, at(pfn + i) + WORD0, allocatee);
                access.setLong(Region.MEMMAP, memmap, at(pfn + i) + WORD1, order);
            }
        }

        @Override
        public void clearAllocated(final long pfn, final int order) {
            final long pages = 1L << order;
            for (long i = 0; i < pages; i++) {
                access.setLong(Region.MEMMAP, memmap, at(pfn + i) + WORD0, 0);
                access.setLong(Region.MEMMAP, memmap, at(pfn + i) + WORD1, 0);
            }
        }

        @Override
        public int allocatedOrder(final long pfn) {
            final long w0 = access.getLong(Region.MEMMAP, memmap, at(pfn) + WORD0);
            final long tag = w0 & MemdescType.TAG_MASK;
            if (tag == FREE_TAG || w0 == 0) {
                return -1;
            }
            final int order = (int) (access.getLong(Region.MEMMAP, memmap, at(pfn) + WORD1) & ALLOC_ORDER_MASK);
            return (pfn & ((1L << order) - 1)) == 0 ? order : -1;
        }

        @Override
        public long allocatee(final long pfn) {
            final long w0 = access.getLong(Region.MEMMAP, memmap, at(pfn) + WORD0);
            return (w0 & MemdescType.TAG_MASK) == FREE_TAG ? Allocatee.NONE : w0;
        }
    }
}

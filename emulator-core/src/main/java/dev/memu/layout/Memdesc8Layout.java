package dev.memu.layout;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The memdesc goal: {@code struct page { unsigned long memdesc; }}, one word per page.
 *
 * <pre>
 * bits    free block head            allocated page (head and tails alike)
 * 0..3    type tag = 5 (free)        type tag of the allocatee
 * 4..9    order                      descriptor address bits 4..51 (field spans 4..51)
 * 10..51  0
 * 52..57  0                          order of the allocation
 * 58..63  0                          0
 *
 * free block head, in the free page itself (page data):
 * +0      next free pfn
 * +8      previous free pfn
 * </pre>
 *
 * A free block carries its order in the word and keeps its list links in the free memory
 * itself, so a buddy merge touches page data, not the memmap. For allocations memu keeps the
 * order in the pointer's top bits (a 48-bit address space leaves them unused) so that
 * {@code free(pfn, order)} can be checked without reading the descriptor; the kernel plan reads
 * {@code folio_order()} from the descriptor instead. The head of an allocation is the one page
 * whose pfn is aligned to its order.
 */
public final class Memdesc8Layout extends Layout {

    static final int ENTRY_BYTES = 8;
    static final int FREE_ORDER_SHIFT = 4;
    static final long FREE_ORDER_MASK = 0x3f;
    static final int ALLOC_ORDER_SHIFT = Allocatee.POINTER_BITS;
    static final long ALLOC_ORDER_MASK = 0x3f;
    static final long LINK_NEXT = 0;
    static final long LINK_PREV = 8;

    @Override
    public String name() {
        return "memdesc8";
    }

    @Override
    public String summary() {
        return "one tagged word per page; free blocks keep their links in the free memory";
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
                LayoutField.bits("free.order", 0, 4, 6, "free head: order of the block"),
                LayoutField.bits("memdesc", 0, 4, 48, "allocated: descriptor address bits 4..51"),
                LayoutField.bits("alloc.order", 0, 52, 6, "allocated: order of the allocation"),
                LayoutField.bits("reserved", 0, 58, 6, "zero"));
    }

    @Override
    public List<LayoutField> pageDataFields() {
        return List.of(
                LayoutField.word("data.next", (int) LINK_NEXT, "free head: next free pfn"),
                LayoutField.word("data.prev", (int) LINK_PREV, "free head: previous free pfn"));
    }

    @Override
    public Memmap bind(final Machine machine, final Access access) {
        return new Map(this, machine, access);
    }

    /** The faithful memdesc8 memmap; {@link Memdesc8HvoLayout} changes only how large allocations are recorded. */
    static class Map extends PerPageMemmap {
        static final long FREE_TAG = MemdescType.FREE.tag();

        private final MemorySegment ram;
        private final int pageShift;

        Map(final Layout layout, final Machine machine, final Access access) {
            super(layout, machine, access);
            this.ram = machine.ram();
            this.pageShift = machine.pageShift();
        }

        static long at(final long pfn) {
            return pfn * ENTRY_BYTES;
        }

        private long page(final long pfn) {
            return pfn << pageShift;
        }

        @Override
        public Region linkRegion() {
            return Region.PAGE_DATA;
        }

        @Override
        public void setFree(final long pfn, final int order) {
            access.setLong(Region.MEMMAP, memmap, at(pfn), FREE_TAG | ((long) order << FREE_ORDER_SHIFT));
        }

        @Override
        public void clearFree(final long pfn) {
            access.setLong(Region.MEMMAP, memmap, at(pfn), 0);
        }

        @Override
        public int freeOrder(final long pfn) {
            final long word = access.getLong(Region.MEMMAP, memmap, at(pfn));
            if ((word & MemdescType.TAG_MASK) != FREE_TAG) {
                return -1;
            }
            return (int) ((word >>> FREE_ORDER_SHIFT) & FREE_ORDER_MASK);
        }

        @Override
        public long nextFree(final long pfn) {
            return access.getLong(Region.PAGE_DATA, ram, page(pfn) + LINK_NEXT);
        }

        @Override
        public void setNextFree(final long pfn, final long next) {
            access.setLong(Region.PAGE_DATA, ram, page(pfn) + LINK_NEXT, next);
        }

        @Override
        public long prevFree(final long pfn) {
            return access.getLong(Region.PAGE_DATA, ram, page(pfn) + LINK_PREV);
        }

        @Override
        public void setPrevFree(final long pfn, final long prev) {
            access.setLong(Region.PAGE_DATA, ram, page(pfn) + LINK_PREV, prev);
        }

        /**
         * Every entry gets the word, one store each. {@code MemorySegment.fill} sets bytes only;
         * the alternative tried for order 9 (one line of stores, then doubling copies of the
         * filled prefix) won cache-hot in a short JMH run ({@code MemmapFillBenchmark}, 2 of 3
         * runs, contended machine) but lost where it matters, in {@code memu bench llfree --shape
         * bulk --order 9} on 8 GiB (get 215-238 ns against 121-210 ns for this loop, three
         * alternating runs each), so the loop stays. The counting layer sees 64 lines either way.
         */
        @Override
        public void setAllocated(final long pfn, final int order, final long allocatee) {
            final long word = allocatee | ((long) order << ALLOC_ORDER_SHIFT);
            final long pages = 1L << order;
            for (long i = 0; i < pages; i++) {
                access.setLong(Region.MEMMAP, memmap, at(pfn + i), word);
            }
        }

        @Override
        public void clearAllocated(final long pfn, final int order) {
            final long pages = 1L << order;
            for (long i = 0; i < pages; i++) {
                access.setLong(Region.MEMMAP, memmap, at(pfn + i), 0);
            }
        }

        @Override
        public int allocatedOrder(final long pfn) {
            final long word = access.getLong(Region.MEMMAP, memmap, at(pfn));
            if (word == 0 || (word & MemdescType.TAG_MASK) == FREE_TAG) {
                return -1;
            }
            final int order = (int) ((word >>> ALLOC_ORDER_SHIFT) & ALLOC_ORDER_MASK);
            return (pfn & ((1L << order) - 1)) == 0 ? order : -1;
        }

        @Override
        public long allocatee(final long pfn) {
            final long word = access.getLong(Region.MEMMAP, memmap, at(pfn));
            if ((word & MemdescType.TAG_MASK) == FREE_TAG) {
                return Allocatee.NONE;
            }
            return word & (Allocatee.POINTER_MASK | MemdescType.TAG_MASK);
        }
    }
}

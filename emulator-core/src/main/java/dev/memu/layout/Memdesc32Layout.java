package dev.memu.layout;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;

import java.util.List;

/**
 * The intermediate 32-byte page of the memdesc plan (kernelnewbies MatthewWilcox/Memdescs/Path):
 * {@code flags}; a union of {@code buddy_list} / {@code pcp_list} / {@code {memdesc; private or
 * _mapcount}}; {@code _refcount}. "Halves the size of memmap."
 *
 * <pre>
 * off  bits    free block head               allocated page (head and tails alike)      other
 *   0  0..7    page_type = PGTY_buddy (0xf0)  0                                          0
 *   0  8..11   0                             0
 *   0  12..17  order of the free block       order of the allocation
 *   0  18      0                             PG_anon_exclusive (page-mapcount scheme; per page, as in Linux)
 *   0  62..63  zone (ZONE_NORMAL = 2)        zone
 *   8  0..63   buddy_list.next: next free pfn memdesc: tagged allocatee pointer         0
 *  16  0..63   buddy_list.prev: prev free pfn private (0) | _mapcount (-1, low 32 bits)  0
 *                                             (_mapcount = mappings - 1: the page-mapcount scheme's count)
 *  24  0..31   0                             _refcount: 1 on the head, 0 on tails        0
 *  24  32..63  (pad)
 * </pre>
 *
 * Free lists are threaded through the memmap (as Linux's {@code buddy_list}), so a buddy merge
 * touches the memmap entries of the buddy and its list neighbours. Every page of an allocation
 * holds the memdesc pointer (no compound_head chase: a tail names its owner directly) and the
 * order, so the head is the one page whose pfn is aligned to the order. Pages inside a free block
 * other than its head read as zero.
 */
public final class Memdesc32Layout extends Layout {

    static final int ENTRY_BYTES = 32;
    static final long FLAGS = 0;
    static final long LINK_NEXT = 8;     // union: memdesc
    static final long MEMDESC = 8;
    static final long LINK_PREV = 16;    // union: private / _mapcount
    static final long PRIVATE = 16;
    static final long REFCOUNT = 24;

    static final long PAGE_TYPE_MASK = 0xff;
    static final long PGTY_BUDDY = 0xf0;
    static final int ORDER_SHIFT = 12;
    static final long ORDER_MASK = 0x3f;
    static final long ZONE_NORMAL = 2L << 62;
    static final long PG_ANON_EXCLUSIVE = 1L << 18;
    static final long MAPCOUNT = 16;     // low 32 bits of the private/_mapcount word (little-endian)
    static final long NO_MAPCOUNT = 0xffffffffL;   // _mapcount = -1 in the low 32 bits, private 0

    @Override
    public String name() {
        return "memdesc32";
    }

    @Override
    public String summary() {
        return "32-byte page: flags, union {buddy_list | memdesc + private/_mapcount}, _refcount";
    }

    @Override
    public int bytesPerPage() {
        return ENTRY_BYTES;
    }

    @Override
    public int maxFreeOrder() {
        return (int) ORDER_MASK;
    }

    @Override
    public List<LayoutField> fields() {
        return List.of(
                LayoutField.bits("flags.page_type", 0, 0, 8, "free head: PGTY_buddy 0xf0"),
                LayoutField.bits("flags.order", 0, 12, 6, "free head: block order; allocated: allocation order"),
                LayoutField.bits("flags.anon_exclusive", 0, 18, 1, "allocated anon page: PageAnonExclusive"),
                LayoutField.bits("flags.zone", 0, 62, 2, "zone"),
                LayoutField.word("buddy_list.next|memdesc", 8, "free: next free pfn; allocated: tagged allocatee"),
                LayoutField.word("buddy_list.prev|private/_mapcount", 16, "free: previous free pfn; allocated: mapcount -1"),
                LayoutField.bits("_refcount", 24, 0, 32, "1 on an allocated head"),
                LayoutField.bits("pad", 24, 32, 32, "unused"));
    }

    @Override
    public boolean hasPageMapcount() {
        return true;
    }

    @Override
    public Memmap bind(final Machine machine, final Access access) {
        return new Map(this, machine, access);
    }

    static final class Map extends PerPageMemmap {

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
            access.setLong(Region.MEMMAP, memmap, at(pfn) + FLAGS,
                    ZONE_NORMAL | PGTY_BUDDY | ((long) order << ORDER_SHIFT));
        }

        @Override
        public void clearFree(final long pfn) {
            access.setLong(Region.MEMMAP, memmap, at(pfn) + FLAGS, ZONE_NORMAL);
            access.setLong(Region.MEMMAP, memmap, at(pfn) + LINK_NEXT, 0);
            access.setLong(Region.MEMMAP, memmap, at(pfn) + LINK_PREV, 0);
        }

        @Override
        public int freeOrder(final long pfn) {
            final long flags = access.getLong(Region.MEMMAP, memmap, at(pfn) + FLAGS);
            if ((flags & PAGE_TYPE_MASK) != PGTY_BUDDY) {
                return -1;
            }
            return (int) ((flags >>> ORDER_SHIFT) & ORDER_MASK);
        }

        @Override
        public long nextFree(final long pfn) {
            return access.getLong(Region.MEMMAP, memmap, at(pfn) + LINK_NEXT);
        }

        @Override
        public void setNextFree(final long pfn, final long next) {
            access.setLong(Region.MEMMAP, memmap, at(pfn) + LINK_NEXT, next);
        }

        @Override
        public long prevFree(final long pfn) {
            return access.getLong(Region.MEMMAP, memmap, at(pfn) + LINK_PREV);
        }

        @Override
        public void setPrevFree(final long pfn, final long prev) {
            access.setLong(Region.MEMMAP, memmap, at(pfn) + LINK_PREV, prev);
        }

        @Override
        public void setAllocated(final long pfn, final int order, final long allocatee) {
            final long flags = ZONE_NORMAL | ((long) order << ORDER_SHIFT);
            final long pages = 1L << order;
            for (long i = 0; i < pages; i++) {
                final long e = at(pfn + i);
                access.setLong(Region.MEMMAP, memmap, e + FLAGS, flags);
                access.setLong(Region.MEMMAP, memmap, e + MEMDESC, allocatee);
                access.setLong(Region.MEMMAP, memmap, e + PRIVATE, NO_MAPCOUNT);
            }
            access.setInt(Region.MEMMAP, memmap, at(pfn) + REFCOUNT, 1);
        }

        @Override
        public void clearAllocated(final long pfn, final int order) {
            final long pages = 1L << order;
            for (long i = 0; i < pages; i++) {
                final long e = at(pfn + i);
                access.setLong(Region.MEMMAP, memmap, e + FLAGS, ZONE_NORMAL);
                access.setLong(Region.MEMMAP, memmap, e + MEMDESC, 0);
                access.setLong(Region.MEMMAP, memmap, e + PRIVATE, 0);
            }
            access.setInt(Region.MEMMAP, memmap, at(pfn) + REFCOUNT, 0);
        }

        @Override
        public int allocatedOrder(final long pfn) {
            final long flags = access.getLong(Region.MEMMAP, memmap, at(pfn) + FLAGS);
            if ((flags & PAGE_TYPE_MASK) == PGTY_BUDDY
                    || access.getLong(Region.MEMMAP, memmap, at(pfn) + MEMDESC) == Allocatee.NONE) {
                return -1;
            }
            final int order = (int) ((flags >>> ORDER_SHIFT) & ORDER_MASK);
            return (pfn & ((1L << order) - 1)) == 0 ? order : -1;
        }

        @Override
        public long allocatee(final long pfn) {
            final long flags = access.getLong(Region.MEMMAP, memmap, at(pfn) + FLAGS);
            if ((flags & PAGE_TYPE_MASK) == PGTY_BUDDY) {
                return Allocatee.NONE;
            }
            return access.getLong(Region.MEMMAP, memmap, at(pfn) + MEMDESC);
        }

        @Override
        public int pageMapcount(final long pfn) {
            return access.getInt(Region.MEMMAP, memmap, at(pfn) + MAPCOUNT);
        }

        @Override
        public void setPageMapcount(final long pfn, final int value) {
            access.setInt(Region.MEMMAP, memmap, at(pfn) + MAPCOUNT, value);
        }

        @Override
        public int addPageMapcount(final long pfn, final int delta) {
            return access.getAndAddInt(Region.MEMMAP, memmap, at(pfn) + MAPCOUNT, delta);
        }

        @Override
        public boolean pageAnonExclusive(final long pfn) {
            return flagSet(at(pfn) + FLAGS, PG_ANON_EXCLUSIVE);
        }

        @Override
        public void setPageAnonExclusive(final long pfn, final boolean exclusive) {
            assignFlag(at(pfn) + FLAGS, PG_ANON_EXCLUSIVE, exclusive);
        }
    }
}

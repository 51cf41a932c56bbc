package dev.memu.alloc.pcp;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.layout.Memmap;
import dev.memu.machine.Machine;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Where {@code page->pcp_list} lives for a block on a Linux pcp list ({@link LinuxPcpAllocator}).
 * Linux's {@code pcp_list} is a union member with {@code buddy_list}, so memu puts the links where
 * the layout keeps free-list links ({@link Memmap#setNextFree}): the struct page's {@code lru}
 * words for linux64, the free page's first bytes for memdesc8. A layout whose links share a word
 * with the allocatee (memdesc16: {@code next} in word 0) would make a held block read as owned;
 * there the links go to a side table of 16 bytes per pfn in the allocator region (a departure,
 * labelled {@code pcp_list[pfn]}), so that the list costs still show, in their own region.
 */
abstract class PcpLinks {

    abstract long next(long pfn);

    abstract void setNext(long pfn, long next);

    abstract long prev(long pfn);

    abstract void setPrev(long pfn, long prev);

    /** Labels the side table's fields, if this scheme has one. */
    abstract void labelFields(MemorySegment segment, long offset, long bytes, List<String> out);

    /** The scheme for {@code fresh} (probed before any allocator owns it). */
    static PcpLinks forMemmap(final Memmap fresh) {
        return LinkedPerCpuPages.linksKeepBlocksUnowned(fresh) ? new InMemmap(fresh) : new SideTable(fresh.machine(), fresh.access());
    }

    /** Links through the layout's free-list link words. */
    static final class InMemmap extends PcpLinks {
        private final Memmap memmap;

        InMemmap(final Memmap memmap) {
            this.memmap = memmap;
        }

        @Override
        long next(final long pfn) {
            return memmap.nextFree(pfn);
        }

        @Override
        void setNext(final long pfn, final long next) {
            memmap.setNextFree(pfn, next);
        }

        @Override
        long prev(final long pfn) {
            return memmap.prevFree(pfn);
        }

        @Override
        void setPrev(final long pfn, final long prev) {
            memmap.setPrevFree(pfn, prev);
        }

        @Override
        void labelFields(final MemorySegment segment, final long offset, final long bytes, final List<String> out) {
            // The links are the layout's: the explaining layer labels memmap and page data itself.
        }
    }

    /** {@code struct list_head pcp_list} per pfn in an allocator-owned array. */
    static final class SideTable extends PcpLinks {
        private static final long BYTES = 16;
        private final Access access;
        private final MemorySegment table;

        SideTable(final Machine machine, final Access access) {
            this.access = access;
            this.table = machine.allocate(Region.ALLOCATOR, machine.pages() * BYTES);
        }

        @Override
        long next(final long pfn) {
            return access.getLong(Region.ALLOCATOR, table, pfn * BYTES);
        }

        @Override
        void setNext(final long pfn, final long next) {
            access.setLong(Region.ALLOCATOR, table, pfn * BYTES, next);
        }

        @Override
        long prev(final long pfn) {
            return access.getLong(Region.ALLOCATOR, table, pfn * BYTES + 8);
        }

        @Override
        void setPrev(final long pfn, final long prev) {
            access.setLong(Region.ALLOCATOR, table, pfn * BYTES + 8, prev);
        }

        @Override
        void labelFields(final MemorySegment segment, final long offset, final long bytes, final List<String> out) {
            if (segment.address() != table.address()) {
                return;
            }
            for (long at = offset & -8; at < offset + Math.max(bytes, 1); at += 8) {
                out.add("pcp_list[" + (at / BYTES) + "]." + ((at & 8) == 0 ? "next" : "prev"));
            }
        }
    }
}

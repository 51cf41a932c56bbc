package dev.memu.alloc.pcp;

import dev.memu.access.Region;
import dev.memu.layout.Memmap;

/**
 * PCP lists as Linux keeps them: doubly linked through the free blocks themselves ({@code
 * page->pcp_list}, the union that also holds {@code buddy_list}), with list heads in the per-vcpu
 * area. The links go where the layout keeps free-list links ({@link Memmap#setNextFree}): the
 * struct page's {@code lru} words for linux64, the free page's first 16 bytes for memdesc8.
 * Kept to measure what the default {@link ArrayPerCpuPages} saves; select it with {@link
 * PcpAllocator#over(dev.memu.alloc.AllocatorFactory, PcpAllocator.Lists)}.
 *
 * <pre>
 * vcpu area (after the common words of PerCpuPages)
 * offset        size  field
 * line 0
 *  24 + 8*list     8  head   pfn of the newest (hottest) block, -1 when empty (list_first_entry)
 * line 1
 *  64 + 8*list     8  tail   pfn of the oldest (coldest) block, -1 when empty (list_last_entry)
 * </pre>
 * An order-0 pop reads the block's links and rewrites its successor's {@code prev}, as {@code
 * list_del} does; a push writes the block's links and its successor's {@code prev}, as {@code
 * list_add}.
 *
 * <p>Only for layouts whose free-list links do not overlap the allocatee: a held block must read
 * as unowned (memdesc16 folds {@code next} into its allocatee word, so it is refused).
 */
final class LinkedPerCpuPages extends PerCpuPages {

    static final long HEAD = 24;
    static final long TAIL = 64;

    private final Memmap memmap;
    private final long pages;

    LinkedPerCpuPages(final Memmap memmap, final int vcpus) {
        super(memmap.machine(), memmap.access(), vcpus, HEADER_BYTES);
        this.memmap = memmap;
        this.pages = memmap.machine().pages();
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            for (int list = 0; list < NR_LISTS; list++) {
                setHead(base(vcpu), list, Memmap.NIL);
                setTail(base(vcpu), list, Memmap.NIL);
            }
        }
    }

    /**
     * True when a block's free-list links leave its allocatee reading {@code NONE}: probed on pfn 0
     * of a fresh memmap, before any allocator owns it.
     */
    static boolean linksKeepBlocksUnowned(final Memmap fresh) {
        fresh.setNextFree(0, fresh.machine().pages() > 1 ? 1 : Memmap.NIL);
        fresh.setPrevFree(0, Memmap.NIL);
        final boolean unowned = fresh.allocatee(0) == 0 && fresh.allocatedOrder(0) < 0 && fresh.freeOrder(0) < 0;
        fresh.setNextFree(0, 0);
        fresh.setPrevFree(0, 0);
        return unowned;
    }

    @Override
    String scheme() {
        return "linked";
    }

    @Override
    int maxBlocks(final int list) {
        return (int) Math.min(Integer.MAX_VALUE, pages);
    }

    @Override
    boolean push(final long base, final int list, final long pfn) {
        final long first = head(base, list);
        memmap.setNextFree(pfn, first);
        memmap.setPrevFree(pfn, Memmap.NIL);
        if (first == Memmap.NIL) {
            setTail(base, list, pfn);
        } else {
            memmap.setPrevFree(first, pfn);
        }
        setHead(base, list, pfn);
        return true;
    }

    @Override
    long pop(final long base, final int list) {
        final long pfn = head(base, list);
        if (pfn == Memmap.NIL) {
            return EMPTY;
        }
        final long next = memmap.nextFree(pfn);
        setHead(base, list, next);
        if (next == Memmap.NIL) {
            setTail(base, list, Memmap.NIL);
        } else {
            memmap.setPrevFree(next, Memmap.NIL);
        }
        return pfn;
    }

    @Override
    long takeColdest(final long base, final int list) {
        final long pfn = tail(base, list);
        if (pfn == Memmap.NIL) {
            return EMPTY;
        }
        final long prev = memmap.prevFree(pfn);
        setTail(base, list, prev);
        if (prev == Memmap.NIL) {
            setHead(base, list, Memmap.NIL);
        } else {
            memmap.setNextFree(prev, Memmap.NIL);
        }
        return pfn;
    }

    @Override
    boolean isEmpty(final long base, final int list) {
        return head(base, list) == Memmap.NIL;
    }

    @Override
    int blocks(final long base, final int list) {
        int n = 0;
        for (long pfn = head(base, list); pfn != Memmap.NIL && pfn >= 0 && pfn < pages; pfn = memmap.nextFree(pfn)) {
            if (++n > pages) {
                return -1;                                  // a cycle: verify() reports it
            }
        }
        return n;
    }

    @Override
    long blockAt(final long base, final int list, final int i) {
        long pfn = tail(base, list);
        for (int k = 0; k < i && pfn != Memmap.NIL; k++) {
            pfn = memmap.prevFree(pfn);
        }
        return pfn;
    }

    private long head(final long base, final int list) {
        return access.getLong(Region.ALLOCATOR, area, base + HEAD + 8L * list);
    }

    private void setHead(final long base, final int list, final long pfn) {
        access.setLong(Region.ALLOCATOR, area, base + HEAD + 8L * list, pfn);
    }

    private long tail(final long base, final int list) {
        return access.getLong(Region.ALLOCATOR, area, base + TAIL + 8L * list);
    }

    private void setTail(final long base, final int list, final long pfn) {
        access.setLong(Region.ALLOCATOR, area, base + TAIL + 8L * list, pfn);
    }
}

package dev.memu.layout;

import dev.memu.access.Access;
import dev.memu.access.FieldLabeler;
import dev.memu.access.Region;
import dev.memu.machine.Machine;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A machine's per-page descriptors in one layout: what allocators read and write about a pfn.
 *
 * <p>Two kinds of state live here. The <b>allocator word</b> says a pfn heads a free block of an
 * order, and holds (or points to) the links of that block's free list; the buddy allocator keeps
 * its free lists through these. The <b>allocatee</b> records, for every page of an allocation,
 * the tagged pointer of the memdesc that owns it. Where each lives, and how many cachelines each
 * costs, is what distinguishes one layout from another.
 *
 * <p>Free-list links name pfns; {@link #NIL} ends a list. All methods go through the bound
 * {@link Access}, so the counting layer sees every line.
 *
 * <p>As a {@link FieldLabeler} a memmap names its own structures from the layout's field table
 * ({@link Layout#fields()}, {@link Layout#pageDataFields()}): {@code memmap[pfn 0x1234].memdesc}
 * for an entry, {@code page[pfn 0x1234].data.next} for a link kept in a free page, {@code
 * page[pfn 0x1234].data+0x40} for other page contents.
 */
public abstract class Memmap implements FieldLabeler {

    /** End of a free list. */
    public static final long NIL = -1L;

    private final Layout layout;
    protected final Machine machine;
    protected final Access access;

    protected Memmap(final Layout layout, final Machine machine, final Access access) {
        this.layout = layout;
        this.machine = machine;
        this.access = access;
    }

    public Machine machine() {
        return machine;
    }

    public Access access() {
        return access;
    }

    public final Layout layout() {
        return layout;
    }

    /** Region where this layout keeps free-list links (memmap, or the free pages themselves). */
    public abstract Region linkRegion();

    // ---- allocator word: free blocks ----

    /** Marks {@code pfn} as the head of a free block of {@code order} (Linux: __SetPageBuddy + set_buddy_order). */
    public abstract void setFree(long pfn, int order);

    /** Clears the free-block mark of {@code pfn} (Linux: __ClearPageBuddy). */
    public abstract void clearFree(long pfn);

    /** The order of the free block {@code pfn} heads, or -1 (Linux: PageBuddy ? buddy_order : -1). */
    public abstract int freeOrder(long pfn);

    public abstract long nextFree(long pfn);

    public abstract void setNextFree(long pfn, long next);

    public abstract long prevFree(long pfn);

    public abstract void setPrevFree(long pfn, long prev);

    // ---- allocatee: allocations ----

    /** Records {@code allocatee} for every page of the allocation of {@code order} at {@code pfn}. */
    public abstract void setAllocated(long pfn, int order, long allocatee);

    /** Forgets the allocation of {@code order} at {@code pfn}: every page reads as unowned again. */
    public abstract void clearAllocated(long pfn, int order);

    /** The order of the allocation {@code pfn} heads, or -1 when it heads none (free, tail, unowned). */
    public abstract int allocatedOrder(long pfn);

    /** The tagged allocatee of the allocation that contains {@code pfn} (head or tail), or 0. */
    public abstract long allocatee(long pfn);

    // ---- per-page mapping state (only layouts with room for it; see Layout.hasPageMapcount) ----

    /**
     * Whether entries have a per-page {@code _mapcount} word and a PageAnonExclusive bit, as
     * {@code struct page} has. Layouts without them (one or two words per page, or no per-page
     * entry) cannot run a mapcount scheme that keeps per-page counts.
     */
    public boolean hasPageMapcount() {
        return layout.hasPageMapcount();
    }

    /** The raw {@code page->_mapcount} of {@code pfn}: mappings - 1, so -1 means unmapped. */
    public int pageMapcount(final long pfn) {
        throw noPageMapcount();
    }

    /** Sets the raw {@code _mapcount} of {@code pfn} (atomic_set; page_mapcount_reset writes -1). */
    public void setPageMapcount(final long pfn, final int value) {
        throw noPageMapcount();
    }

    /** atomic_add on {@code page->_mapcount}; returns the value before the add. */
    public int addPageMapcount(final long pfn, final int delta) {
        throw noPageMapcount();
    }

    /** PageAnonExclusive(page). */
    public boolean pageAnonExclusive(final long pfn) {
        throw noPageMapcount();
    }

    /** SetPageAnonExclusive / ClearPageAnonExclusive (a non-atomic flag update under the PT lock, as in Linux). */
    public void setPageAnonExclusive(final long pfn, final boolean exclusive) {
        throw noPageMapcount();
    }

    private UnsupportedOperationException noPageMapcount() {
        return new UnsupportedOperationException("layout " + layout.name() + " has no per-page _mapcount");
    }

    // ---- labels for memu explain (never on a timed path) ----

    /** Names the RAM bytes by page; subclasses add their own structures and call this. */
    @Override
    public void labelFields(final MemorySegment segment, final long offset, final long bytes,
                            final List<String> out) {
        final MemorySegment ram = machine.ram();
        if (!same(segment, ram)) {
            return;
        }
        final long pageSize = machine.pageSize();
        final long end = offset + Math.max(bytes, 1);
        for (long page = offset & -pageSize; page < end; page += pageSize) {
            final long pfn = page >>> machine.pageShift();
            final long from = Math.max(offset, page) - page;
            final long to = Math.min(end, page + pageSize) - page;
            final int before = out.size();
            labelEntry("page[pfn 0x" + Long.toHexString(pfn) + "].", layout.pageDataFields(), from, to, out);
            if (out.size() == before) {
                out.add("page[pfn 0x" + Long.toHexString(pfn) + "].data+0x" + Long.toHexString(from));
            }
        }
    }

    /** True when {@code a} and {@code b} are the same mapping. */
    protected static boolean same(final MemorySegment a, final MemorySegment b) {
        return a.address() == b.address() && a.byteSize() == b.byteSize();
    }

    /**
     * Adds {@code prefix + name} of every field in {@code fields} whose bytes overlap {@code [from,
     * to)} of one entry (a bit field occupies the bytes its bits fall in).
     */
    protected static void labelEntry(final String prefix, final List<LayoutField> fields, final long from,
                                     final long to, final List<String> out) {
        for (final LayoutField f : fields) {
            final long first = f.byteOffset() + f.bitOffset() / 8;
            final long last = f.byteOffset() + (f.bitOffset() + f.bitWidth() + 7) / 8;
            if (first < to && from < last) {
                out.add(prefix + f.name());
            }
        }
    }
}

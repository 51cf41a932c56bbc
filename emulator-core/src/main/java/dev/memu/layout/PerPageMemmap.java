package dev.memu.layout;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.machine.Machine;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A memmap with one fixed-size entry per page frame (struct page and its memdesc successors):
 * {@code pages * bytesPerPage} bytes mapped in the memmap region, entry of pfn at
 * {@code pfn * bytesPerPage}. Subclasses keep their entry size as a constant for the offset
 * arithmetic on the hot path.
 */
abstract class PerPageMemmap extends Memmap {

    protected final MemorySegment memmap;

    protected PerPageMemmap(final Layout layout, final Machine machine, final Access access) {
        super(layout, machine, access);
        this.memmap = machine.allocate(Region.MEMMAP, machine.pages() * layout.bytesPerPage());
    }

    /** True when any of {@code bits} is set in the 64-bit flags word at {@code flagsAt} (test_bit on a page's flags). */
    protected final boolean flagSet(final long flagsAt, final long bits) {
        return (access.getLong(Region.MEMMAP, memmap, flagsAt) & bits) != 0;
    }

    /**
     * Sets or clears {@code bits} in the 64-bit flags word at {@code flagsAt}: one plain read and
     * one plain write (the non-atomic {@code __SetPage}/{@code __ClearPage} form; callers hold the
     * page exclusively).
     */
    protected final void assignFlag(final long flagsAt, final long bits, final boolean on) {
        final long flags = access.getLong(Region.MEMMAP, memmap, flagsAt);
        access.setLong(Region.MEMMAP, memmap, flagsAt, on ? flags | bits : flags & ~bits);
    }

    /** {@code memmap[pfn 0x1234].field} for each field of each entry the bytes overlap, then page data. */
    @Override
    public void labelFields(final MemorySegment segment, final long offset, final long bytes,
                            final List<String> out) {
        if (!same(segment, memmap)) {
            super.labelFields(segment, offset, bytes, out);
            return;
        }
        final int entry = layout().bytesPerPage();
        final long end = offset + Math.max(bytes, 1);
        for (long pfn = offset / entry; pfn * entry < end; pfn++) {
            final long start = pfn * entry;
            labelEntry("memmap[pfn 0x" + Long.toHexString(pfn) + "].", layout().fields(),
                    Math.max(offset, start) - start, Math.min(end, start + entry) - start, out);
        }
    }
}

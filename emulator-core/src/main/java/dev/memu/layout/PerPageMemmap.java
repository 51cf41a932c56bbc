package dev.memu.layout;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.machine.Machine;

import java.lang.foreign.MemorySegment;

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
}

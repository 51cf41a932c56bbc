package dev.memu.mm;

import java.util.ArrayList;
import java.util.List;

/**
 * One mapped range of an {@link Mm} (struct vm_area_struct): [start, end), page aligned, its
 * flags, and what backs it: anonymous memory (its anon_vma chain) or a {@link MappedFile} at page
 * offset {@code pgoff}. For anonymous VMAs {@code pgoff} is the linear page index of {@code start}
 * (vma->vm_pgoff = addr >> PAGE_SHIFT at mmap), so a folio's {@code index} names the same address
 * in every VMA forked or split from the one it was faulted in (linear_page_index).
 *
 * <p>{@link #id()} is what the mapcount schemes see as the VMA. A VMA split by a partial munmap
 * keeps the id of the VMA it came from in both pieces: the scheme interface has no split event,
 * so per-VMA scheme state stays consistent with the events it was given.
 *
 * <p>The VMA objects and the anon_vma chains are Java objects: their cost is not counted (Linux's
 * vm_area_struct and anon_vma_chain lines are not modelled); page-table and descriptor lines are.
 */
public final class Vma {

    public static final int VM_READ = 1;
    public static final int VM_WRITE = 1 << 1;
    /** VM_SHARED: memu's file mappings are shared (MAP_SHARED); anon mappings are private. */
    public static final int VM_SHARED = 1 << 3;
    public static final int VM_LOCKED = 1 << 13;

    private final long id;
    private final Mm mm;
    long start;
    long end;
    int flags;
    long pgoff;
    final MappedFile file;
    /** vma->anon_vma: the anon_vma new anon folios of this VMA go to; null until the first anon fault. */
    AnonVma anonVma;
    /** vma->anon_vma_chain: every anon_vma whose folios may be mapped here (own and ancestors'). */
    final List<AnonVma> chain = new ArrayList<>(2);

    Vma(final long id, final Mm mm, final long start, final long end, final int flags, final long pgoff,
        final MappedFile file) {
        this.id = id;
        this.mm = mm;
        this.start = start;
        this.end = end;
        this.flags = flags;
        this.pgoff = pgoff;
        this.file = file;
    }

    public long id() {
        return id;
    }

    public Mm mm() {
        return mm;
    }

    public long start() {
        return start;
    }

    public long end() {
        return end;
    }

    public int flags() {
        return flags;
    }

    public long pgoff() {
        return pgoff;
    }

    public boolean anon() {
        return file == null;
    }

    public MappedFile file() {
        return file;
    }

    public boolean writable() {
        return (flags & VM_WRITE) != 0;
    }

    public boolean locked() {
        return (flags & VM_LOCKED) != 0;
    }

    public long pages() {
        return (end - start) >>> Pte.PTE_SHIFT;
    }

    /** linear_page_index: the page index {@code va} has in this VMA's object (anon or file). */
    public long pageIndex(final long va) {
        return ((va - start) >>> Pte.PTE_SHIFT) + pgoff;
    }

    /** The address page {@code index} of this VMA's object is mapped at (vma_address); may lie outside. */
    public long address(final long index) {
        return start + ((index - pgoff) << Pte.PTE_SHIFT);
    }

    public boolean contains(final long va) {
        return va >= start && va < end;
    }

    @Override
    public String toString() {
        return "vma " + id + " [0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + ")"
                + (file == null ? " anon" : " file " + file.id());
    }
}

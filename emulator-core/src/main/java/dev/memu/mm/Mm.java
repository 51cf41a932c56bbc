package dev.memu.mm;

import java.util.Map;
import java.util.TreeMap;

/**
 * One address space (struct mm_struct): a small id (the mm id mapcount schemes track, >= 1),
 * the pfn of its PGD page, and its VMAs sorted by start address (standing in for the maple tree).
 */
public final class Mm {

    private final int id;
    final long pgd;
    final TreeMap<Long, Vma> vmas = new TreeMap<>();
    boolean dead;

    Mm(final int id, final long pgd) {
        this.id = id;
        this.pgd = pgd;
    }

    public int id() {
        return id;
    }

    public long pgdPfn() {
        return pgd;
    }

    /** find_vma_intersection(mm, va, va + 1): the VMA containing {@code va}, or null. */
    public Vma find(final long va) {
        final Map.Entry<Long, Vma> e = vmas.floorEntry(va);
        return e != null && e.getValue().contains(va) ? e.getValue() : null;
    }

    public Iterable<Vma> vmas() {
        return vmas.values();
    }

    public int vmaCount() {
        return vmas.size();
    }

    /** True when some VMA intersects [start, end). */
    public boolean intersects(final long start, final long end) {
        final Map.Entry<Long, Vma> e = vmas.lowerEntry(end);
        return e != null && e.getValue().end > start;
    }

    public boolean alive() {
        return !dead;
    }

    @Override
    public String toString() {
        return "mm " + id;
    }
}

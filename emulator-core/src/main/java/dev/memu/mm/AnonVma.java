package dev.memu.mm;

import java.util.ArrayList;
import java.util.List;

/**
 * struct anon_vma: where an anonymous folio's {@code mapping} points (with PAGE_MAPPING_ANON),
 * and the set of VMAs that may map its folios (the anon_vma's interval tree of anon_vma_chains,
 * here a plain list: memu's rmap walk filters by page offset itself, as vma_interval_tree
 * iteration does by range).
 *
 * <p>The descriptor is a real object in the memdesc heap ({@link #DESC_BYTES} bytes: root,
 * refcount, degree, id), so the folio's mapping word holds a real address; the VMA list is a Java
 * object (see {@link Vma} on what is not counted).
 *
 * <p>Departure: anon_vma_clone's reuse of an anon_vma with no VMAs left is not modelled; each
 * forked anon VMA gets its own anon_vma, as anon_vma_fork does when there is nothing to reuse.
 */
public final class AnonVma {

    public static final int DESC_BYTES = 32;

    private final long id;
    private final long address;
    final List<Vma> vmas = new ArrayList<>(2);
    /** Live folios whose mapping points here; the anon_vma is freed when no VMA and no folio use it. */
    long folios;

    AnonVma(final long id, final long address) {
        this.id = id;
        this.address = address;
    }

    public long id() {
        return id;
    }

    /** The descriptor's address in the memdesc heap (the folio's mapping is this | PAGE_MAPPING_ANON). */
    public long address() {
        return address;
    }

    public List<Vma> vmas() {
        return vmas;
    }
}

package dev.memu.mm;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.alloc.PageAllocator;
import dev.memu.memdesc.FolioDesc;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;
import dev.memu.mm.mapcount.MapcountScheme;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * The mm layer's folios and anon_vmas: a folio is allocated with its descriptor ({@code
 * folio_alloc}, zeroed as {@code __GFP_ZERO}), holds {@code _refcount} references (one per PTE or
 * PMD mapping, the page cache's one) and is freed when the last is dropped ({@code
 * folio_put_refs}); an anon_vma ({@code anon_vma_prepare}, {@code folio_move_anon_rmap}) lives
 * while a VMA links it or a folio points at it. Every attached scheme hears of each folio's birth
 * and death. Part of {@link MmLayer}, which owns the one instance.
 */
final class Folios {

    private static final long PAGE = 1L << Pte.PTE_SHIFT;

    private final MmLayer layer;
    private final PageAllocator allocator;
    private final Memdescs descs;
    private final MemdescHeap heap;
    private final Access access;
    private final MemorySegment ram;
    private final MmConfig config;
    private final Map<Long, AnonVma> anonVmas = new HashMap<>();
    private long nextAnonVmaId = 1;
    private long liveFolios;

    Folios(final MmLayer layer) {
        this.layer = layer;
        this.allocator = layer.allocator();
        this.descs = layer.descs();
        this.heap = descs.heap();
        this.access = layer.memmap().access();
        this.ram = layer.memmap().machine().ram();
        this.config = layer.config();
    }

    /** Folios allocated and not yet freed (anon and page cache). */
    long liveFolios() {
        return liveFolios;
    }

    AnonVma anonVmaAt(final long address) {
        return anonVmas.get(address);
    }

    int liveAnonVmas() {
        return anonVmas.size();
    }

    int refcount(final long folio) {
        return descs.getInt(folio, FolioDesc.REFCOUNT);
    }

    long allocFolio(final MemdescType type, final int order, final long mapping, final long index,
                            final boolean zero) {
        final long folio = descs.newFolio(type, order, mapping, index);
        final long pfn = allocator.alloc(order, folio, config.vcpu());
        if (pfn == PageAllocator.NO_PAGE) {
            descs.free(folio);
            return 0;
        }
        descs.setPfn(folio, pfn);
        if (zero) {                                                          // __GFP_ZERO / folio_zero_user
            access.fill(Region.PAGE_DATA, ram, pfn << Pte.PTE_SHIFT, PAGE << order, (byte) 0);
        }
        liveFolios++;
        for (final MapcountScheme s : layer.schemes) {
            s.folioCreated(folio, pfn, order);
        }
        return folio;
    }

    void freeFolio(final long folio) {
        final long pfn = descs.pfn(folio);
        final int order = descs.order(folio);
        for (final MapcountScheme s : layer.schemes) {
            s.folioFreed(folio, pfn, order);
        }
        allocator.free(pfn, order, config.vcpu());
        descs.free(folio);
        liveFolios--;
    }

    void setRefcount(final long folio, final int value) {
        descs.setInt(folio, FolioDesc.REFCOUNT, value);
    }

    void refAdd(final long folio, final int n) {
        setRefcount(folio, refcount(folio) + n);
    }

    /** folio_put_refs: drops {@code n} references, frees the folio at zero (anon; the page cache keeps one). */
    void folioPut(final long folio, final int n) {
        final int left = refcount(folio) - n;
        if (left < 0) {
            throw new IllegalStateException("folio at pfn " + descs.pfn(folio) + " lost more references than it had");
        }
        setRefcount(folio, left);
        if (left == 0) {
            final long mapping = descs.getLong(folio, FolioDesc.MAPPING);
            freeFolio(folio);
            if ((mapping & FolioDesc.PAGE_MAPPING_ANON) != 0) {
                final AnonVma av = anonVmas.get(mapping & ~FolioDesc.PAGE_MAPPING_ANON);
                av.folios--;
                maybeFreeAnonVma(av);
            }
        }
    }

    /** anon_vma_prepare: the VMA's own anon_vma, made on first use. */
    AnonVma anonVmaPrepare(final Vma vma) {
        if (vma.anonVma == null) {
            final AnonVma av = newAnonVma();
            av.vmas.add(vma);
            vma.chain.add(av);
            vma.anonVma = av;
        }
        return vma.anonVma;
    }

    AnonVma newAnonVma() {
        final long address = heap.alloc(AnonVma.DESC_BYTES);
        final AnonVma av = new AnonVma(nextAnonVmaId++, address);
        anonVmas.put(address, av);
        return av;
    }

    void maybeFreeAnonVma(final AnonVma av) {
        if (av.vmas.isEmpty() && av.folios == 0 && anonVmas.remove(av.address()) != null) {
            heap.free(av.address(), AnonVma.DESC_BYTES);
        }
    }

    /** folio_move_anon_rmap: an exclusively owned folio now belongs to the writer's anon_vma. */
    void moveAnonRmap(final long folio, final AnonVma to) {
        final AnonVma from = anonVmas.get(descs.getLong(folio, FolioDesc.MAPPING) & ~FolioDesc.PAGE_MAPPING_ANON);
        if (from == to) {
            return;
        }
        descs.setLong(folio, FolioDesc.MAPPING, to.address() | FolioDesc.PAGE_MAPPING_ANON);
        to.folios++;
        from.folios--;
        maybeFreeAnonVma(from);
    }
}

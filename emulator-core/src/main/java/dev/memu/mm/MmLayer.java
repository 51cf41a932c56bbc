package dev.memu.mm;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.FolioDesc;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;
import dev.memu.mm.mapcount.MapcountScheme;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The mm layer: processes (mm) with VMAs over 4-level x86-64 page tables whose pages are real
 * ptdesc allocations, anonymous and file folios from the machine's allocator, and the rmap events
 * it reports to every attached {@link MapcountScheme}.
 *
 * <p>Operations and the Linux functions they follow (mm/memory.c, mm/huge_memory.c, mm/rmap.c):
 * <ul>
 *   <li>{@link #fault}: handle_mm_fault. Anon: do_huge_pmd_anonymous_page for order 9, else
 *       do_anonymous_page with alloc_anon_folio's choice of order (largest enabled order whose
 *       aligned range lies in the VMA, thp_vma_suitable_order, and is all pte_none,
 *       pte_range_none; smaller orders when the allocation fails). File: __do_fault from the page
 *       cache, then do_set_pmd for a PMD-sized folio or finish_fault, which maps the whole folio
 *       when it fits in the VMA and one page table and its PTEs are none, else one page.
 *       Writes to read-only PTEs: do_wp_page (reuse when PageAnonExclusive or, for a small
 *       folio, wp_can_reuse_anon_folio's refcount == 1; else wp_page_copy of one page into a new
 *       order-0 folio), do_huge_pmd_wp_page (reuse or __split_huge_pmd and retry with PTEs),
 *       wp_page_shared for file mappings.</li>
 *   <li>{@link #fork}: dup_mmap, anon_vma_fork, copy_page_range for VMAs with an anon_vma
 *       (vma_needs_copy skips file mappings, which refault), copy_huge_pmd, copy_pte_range with
 *       folio_pte_batch runs and folio_try_dup_anon_rmap_ptes, write-protecting both sides.</li>
 *   <li>{@link #munmap}, {@link #madviseDontneed}, {@link #exit}: unmap_page_range, zap_pte_range
 *       (runs of one folio, folio_remove_rmap_ptes over nr) or one page at a time,
 *       zap_huge_pmd, __split_huge_pmd for a PMD the range covers in part, free_pgtables.</li>
 * </ul>
 *
 * <p>References: each PTE and each PMD mapping holds one folio reference in {@code _refcount}
 * (the folio memdesc, {@link FolioDesc#REFCOUNT}), the page cache one per file folio; a folio is
 * freed when its count drops to zero. The layer keeps no mapcount of its own: that is what the
 * schemes are for, and {@link dev.memu.mm.mapcount.ExactMapcount} gives the truth by walking.
 *
 * <p>The layer is split as the kernel's sources are: this class keeps the address spaces, the
 * page-table walk and the faults of mm/memory.c; {@link HugePmd} the PMD-sized mappings of
 * mm/huge_memory.c; {@link ForkCopy} fork's copy of the page tables; {@link Zap} unmapping and
 * free_pgtables; {@link Folios} the folio references and anon_vma lifetimes.
 *
 * <p>Departures: no zero page (a read fault on anon memory allocates as a write fault does, as
 * with mm_forbids_zeropage); file mappings are shared (no private file COW); no swap-in (a swap
 * entry faults as SIGBUS; zap clears it); single-threaded (one vcpu, no page-table locks taken).
 */
public final class MmLayer {

    private static final long PAGE = 1L << Pte.PTE_SHIFT;

    private final PageAllocator allocator;
    private final Memmap memmap;
    private final Memdescs descs;
    private final MemdescHeap heap;
    private final Access access;
    private final MemorySegment ram;
    private final PageTables pt;
    private final MmConfig config;
    private final int[] pteOrders;
    private final Rmap rmap;
    /** The attached schemes; read by the collaborators below at every event (attach replaces the array). */
    MapcountScheme[] schemes = new MapcountScheme[0];
    private AnonExclusiveListener[] exclusiveListeners = new AnonExclusiveListener[0];

    private final BitSet mmIds = new BitSet();
    private final List<Mm> mms = new ArrayList<>();
    private final Map<Long, MappedFile> files = new HashMap<>();
    private long nextVmaId = 1;
    private long nextFileId = 1;
    private final MmCounters counters = new MmCounters();
    /** Folio references and anon_vma lifetimes (mm/swap.c, mm/rmap.c). */
    final Folios folios;
    /** PMD-sized mappings: fault, copy, zap, split (mm/huge_memory.c). */
    final HugePmd huge;
    /** fork's copy of the page tables (mm/memory.c copy_page_range). */
    private final ForkCopy forkCopy;
    /** Unmapping a range and freeing the page tables it leaves empty (mm/memory.c, mm/mmap.c). */
    private final Zap zap;

    public MmLayer(final PageAllocator allocator, final Memdescs descs, final MmConfig config) {
        if (!descs.hasMapcountSlots()) {
            throw new IllegalArgumentException("the mm layer needs folios with mapcount slots: Memdescs.withMapcountSlots");
        }
        this.allocator = allocator;
        this.memmap = allocator.memmap();
        this.descs = descs;
        this.heap = descs.heap();
        this.access = memmap.access();
        this.ram = memmap.machine().ram();
        this.config = config;
        this.pt = new PageTables(allocator, descs, access, config.vcpu());
        for (final int o : config.folioOrders()) {
            if (o > allocator.maxOrder()) {
                throw new IllegalArgumentException("folio order " + o + " is above the allocator's maximum order "
                        + allocator.maxOrder());
            }
        }
        this.pteOrders = config.pteOrdersDescending();
        this.rmap = new Rmap(this);
        this.folios = new Folios(this);
        this.huge = new HugePmd(this);
        this.forkCopy = new ForkCopy(this);
        this.zap = new Zap(this);
    }

    /** Attaches a scheme; every rmap event from now on goes to it. Only while no folio is live. */
    public void attach(final MapcountScheme scheme) {
        if (folios.liveFolios() != 0) {
            throw new IllegalStateException("attach " + scheme.name() + " before any folio exists");
        }
        final MapcountScheme[] s = java.util.Arrays.copyOf(schemes, schemes.length + 1);
        s[schemes.length] = scheme;
        schemes = s;
        if (scheme instanceof AnonExclusiveListener l) {
            exclusiveListeners = java.util.Arrays.copyOf(exclusiveListeners, exclusiveListeners.length + 1);
            exclusiveListeners[exclusiveListeners.length - 1] = l;
        }
    }

    // ---- accessors ----

    public PageAllocator allocator() {
        return allocator;
    }

    public Memdescs descs() {
        return descs;
    }

    public Memmap memmap() {
        return memmap;
    }

    public PageTables pageTables() {
        return pt;
    }

    public MmConfig config() {
        return config;
    }

    public Rmap rmap() {
        return rmap;
    }

    public MmCounters counters() {
        return counters;
    }

    /** Folios allocated and not yet freed (anon and page cache). */
    public long liveFolios() {
        return folios.liveFolios();
    }

    /** Live mms in creation order. */
    public List<Mm> mms() {
        return List.copyOf(mms);
    }

    AnonVma anonVmaAt(final long address) {
        return folios.anonVmaAt(address);
    }

    MappedFile fileAt(final long address) {
        return files.get(address);
    }

    public int liveAnonVmas() {
        return folios.liveAnonVmas();
    }

    // ---- address spaces and mappings ----

    /**
     * mm_alloc + pgd_alloc: a new empty address space, or null when no PGD page is free. Its id is
     * the lowest free one, as mm_id_alloc's IDA hands them out, so an exited mm's id is reused.
     */
    public Mm newMm() {
        final int id = mmIds.nextClearBit(1);
        final long pgd = pt.alloc(PageTables.PGD_LEVEL, id);
        if (pgd < 0) {
            return null;
        }
        mmIds.set(id);
        final Mm mm = new Mm(id, pgd);
        mms.add(mm);
        return mm;
    }

    /** A file of {@code pages} pages whose page cache uses folios of up to {@code folioOrder}. */
    public MappedFile newFile(final long pages, final int folioOrder) {
        if (pages <= 0 || folioOrder < 0 || folioOrder > Math.min(Pte.PMD_ORDER, allocator.maxOrder())) {
            throw new IllegalArgumentException("file of " + pages + " pages with folio order " + folioOrder);
        }
        final long address = heap.alloc(MappedFile.DESC_BYTES);
        final MappedFile f = new MappedFile(nextFileId++, address, pages, folioOrder);
        files.put(address, f);
        return f;
    }

    /** mmap(MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE) of [addr, addr + len). */
    public Vma mmapAnon(final Mm mm, final long addr, final long len, final int flags) {
        return mmap(mm, addr, len, flags & ~Vma.VM_SHARED, null, addr >>> Pte.PTE_SHIFT);
    }

    /** mmap(MAP_SHARED|MAP_FIXED_NOREPLACE) of {@code file} from page {@code pgoff}. */
    public Vma mmapFile(final Mm mm, final long addr, final long len, final int flags, final MappedFile file,
                        final long pgoff) {
        if (pgoff < 0 || pgoff + (len >>> Pte.PTE_SHIFT) > file.pages()) {
            throw new IllegalArgumentException("pages [" + pgoff + ", " + (pgoff + (len >>> Pte.PTE_SHIFT))
                    + ") are beyond the file's " + file.pages() + " pages");
        }
        return mmap(mm, addr, len, flags | Vma.VM_SHARED, file, pgoff);
    }

    private Vma mmap(final Mm mm, final long addr, final long len, final int flags, final MappedFile file,
                     final long pgoff) {
        checkRange(mm, addr, len);
        if (mm.intersects(addr, addr + len)) {
            throw new IllegalArgumentException("[0x" + Long.toHexString(addr) + ", 0x" + Long.toHexString(addr + len)
                    + ") overlaps a mapping of " + mm);
        }
        final Vma vma = new Vma(nextVmaId++, mm, addr, addr + len, flags | Vma.VM_READ, pgoff, file);
        mm.vmas.put(addr, vma);
        if (file != null) {
            file.mappings.add(vma);
        }
        return vma;
    }

    private static void checkRange(final Mm mm, final long addr, final long len) {
        if (!mm.alive()) {
            throw new IllegalStateException(mm + " has exited");
        }
        if ((addr & (PAGE - 1)) != 0 || (len & (PAGE - 1)) != 0 || len <= 0 || addr < 0
                || addr + len > Pte.TASK_SIZE) {
            throw new IllegalArgumentException("range 0x" + Long.toHexString(addr) + " + 0x" + Long.toHexString(len)
                    + " is not page aligned inside the 47-bit user address space");
        }
    }

    // ---- page-table walking ----

    /** Missing upper-level entry: the caller may skip to the next PGD (-1) or PUD (-2) boundary. */
    static final long NO_PGD = -1;
    static final long NO_PUD = -2;

    /** The PMD table covering {@code va}, or {@link #NO_PGD} / {@link #NO_PUD} when a level above is missing. */
    long pmdTable(final Mm mm, final long va) {
        final long g = pt.get(mm.pgd, Pte.pgdIndex(va));
        if (!Pte.present(g)) {
            return NO_PGD;
        }
        final long u = pt.get(Pte.pfn(g), Pte.pudIndex(va));
        if (!Pte.present(u)) {
            return NO_PUD;
        }
        return Pte.pfn(u);
    }

    /** The address where a walk that found {@code missing} at {@code va} resumes. */
    static long skip(final long va, final long missing) {
        final int shift = missing == NO_PGD ? Pte.PGD_SHIFT : Pte.PUD_SHIFT;
        return ((va >>> shift) + 1) << shift;
    }

    /** __pud_alloc / __pmd_alloc as needed: the PMD table covering {@code va}, or -1 when out of memory. */
    long pmdTableAlloc(final Mm mm, final long va) {
        final int gi = Pte.pgdIndex(va);
        long g = pt.get(mm.pgd, gi);
        if (!Pte.present(g)) {
            final long pud = pt.alloc(PageTables.PUD_LEVEL, mm.id());
            if (pud < 0) {
                return -1;
            }
            g = Pte.make(pud, Pte.TABLE);
            pt.set(mm.pgd, gi, g);
        }
        final long pudt = Pte.pfn(g);
        final int ui = Pte.pudIndex(va);
        long u = pt.get(pudt, ui);
        if (!Pte.present(u)) {
            final long pmd = pt.alloc(PageTables.PMD_LEVEL, mm.id());
            if (pmd < 0) {
                return -1;
            }
            u = Pte.make(pmd, Pte.TABLE);
            pt.set(pudt, ui, u);
        }
        return Pte.pfn(u);
    }

    /**
     * The page mapped at {@code va} as the MMU would find it: its pfn, or -1 when nothing is
     * present there.
     */
    public long translate(final Mm mm, final long va) {
        final long pmdt = pmdTable(mm, va);
        if (pmdt < 0) {
            return -1;
        }
        final long pmd = pt.get(pmdt, Pte.pmdIndex(va));
        if (!Pte.present(pmd)) {
            return -1;
        }
        if (Pte.huge(pmd)) {
            return Pte.pfn(pmd) + Pte.pteIndex(va);
        }
        final long pte = pt.get(Pte.pfn(pmd), Pte.pteIndex(va));
        return Pte.present(pte) ? Pte.pfn(pte) : -1;
    }

    /** The raw leaf entry mapping {@code va} (a PTE, or the huge PMD), or 0 when there is none. */
    public long entry(final Mm mm, final long va) {
        final long pmdt = pmdTable(mm, va);
        if (pmdt < 0) {
            return 0;
        }
        final long pmd = pt.get(pmdt, Pte.pmdIndex(va));
        if (!Pte.present(pmd) || Pte.huge(pmd)) {
            return pmd;
        }
        return pt.get(Pte.pfn(pmd), Pte.pteIndex(va));
    }

    // ---- user accesses ----

    /**
     * A user load of the 8-byte word at {@code va}, faulting as needed.
     *
     * @throws IllegalStateException when the fault fails (SIGSEGV, SIGBUS, OOM)
     */
    public long load(final Mm mm, final long va) {
        long e = entry(mm, va);
        if (!Pte.present(e)) {
            final Fault f = fault(mm, va, false);
            if (f != Fault.OK) {
                throw new IllegalStateException("load at 0x" + Long.toHexString(va) + " in " + mm + ": " + f);
            }
        }
        return access.getLong(Region.PAGE_DATA, ram, (translate(mm, va) << Pte.PTE_SHIFT) + (va & (PAGE - 8)));
    }

    /** A user store of an 8-byte word at {@code va}, faulting (and copying on write) as needed. */
    public void store(final Mm mm, final long va, final long value) {
        final long e = entry(mm, va);
        if (!Pte.present(e) || (e & Pte.RW) == 0) {
            final Fault f = fault(mm, va, true);
            if (f != Fault.OK) {
                throw new IllegalStateException("store at 0x" + Long.toHexString(va) + " in " + mm + ": " + f);
            }
        }
        access.setLong(Region.PAGE_DATA, ram, (translate(mm, va) << Pte.PTE_SHIFT) + (va & (PAGE - 8)), value);
    }

    // ---- faults ----

    /** handle_mm_fault for a read or write of {@code va} in {@code mm}. */
    public Fault fault(final Mm mm, final long va, final boolean write) {
        final Vma vma = mm.find(va);
        if (vma == null || (write && !vma.writable())) {
            return Fault.SIGSEGV;
        }
        counters.faults++;
        final long pmdt = pmdTableAlloc(mm, va);
        if (pmdt < 0) {
            return Fault.OOM;
        }
        final int pi = Pte.pmdIndex(va);
        long pmd = pt.get(pmdt, pi);
        if (pmd == 0 && vma.anon() && config.pmdThp() && suitable(vma, va, Pte.PMD_ORDER)) {
            final Fault f = huge.hugeAnonFault(mm, vma, va, pmdt, pi);
            if (f != null) {
                return f;
            }
        }
        if (Pte.huge(pmd)) {
            if (!write || (pmd & Pte.RW) != 0) {
                pt.set(pmdt, pi, pmd | Pte.ACCESSED | (write ? Pte.DIRTY : 0));
                return Fault.OK;
            }
            if (!vma.anon() || (pmd & Pte.ANON_EXCLUSIVE) != 0) {         // do_huge_pmd_wp_page: reuse
                pt.set(pmdt, pi, pmd | Pte.RW | Pte.DIRTY | Pte.ACCESSED);
                counters.cowReuses++;
                return Fault.OK;
            }
            huge.splitHugePmd(mm, vma, pmdt, pi);                          // then COW one page below
            pmd = pt.get(pmdt, pi);
        }
        if (pmd == 0) {
            if (!vma.anon()) {
                final Fault f = huge.filePmdFault(mm, vma, va, write, pmdt, pi);
                if (f != null) {
                    return f;
                }
            }
            final long ptet = pt.alloc(PageTables.PTE_LEVEL, mm.id());
            if (ptet < 0) {
                return Fault.OOM;
            }
            pmd = Pte.make(ptet, Pte.TABLE);
            pt.set(pmdt, pi, pmd);
        }
        final long ptet = Pte.pfn(pmd);
        final int idx = Pte.pteIndex(va);
        final long pte = pt.get(ptet, idx);
        if (pte == 0) {
            return vma.anon() ? anonFault(mm, vma, va, ptet) : fileFault(mm, vma, va, write, ptet);
        }
        if (Pte.swap(pte)) {
            return Fault.SIGBUS;
        }
        if (!write || (pte & Pte.RW) != 0) {
            pt.set(ptet, idx, pte | Pte.ACCESSED | (write ? Pte.DIRTY : 0));
            return Fault.OK;
        }
        if (!vma.anon()) {                                                  // wp_page_shared
            pt.set(ptet, idx, pte | Pte.RW | Pte.DIRTY | Pte.ACCESSED);
            return Fault.OK;
        }
        return wpAnon(mm, vma, va, ptet, idx, pte);
    }

    /** thp_vma_suitable_order: the naturally aligned range of {@code order} around {@code va} lies inside the VMA. */
    private static boolean suitable(final Vma vma, final long va, final int order) {
        final long size = PAGE << order;
        final long aligned = va & -size;
        if (((vma.start >>> Pte.PTE_SHIFT) - vma.pgoff & ((1L << order) - 1)) != 0) {
            return false;
        }
        return aligned >= vma.start && aligned + size <= vma.end;
    }

    /** do_anonymous_page with alloc_anon_folio's order choice. */
    private Fault anonFault(final Mm mm, final Vma vma, final long va, final long ptet) {
        final AnonVma av = folios.anonVmaPrepare(vma);
        final long mapping = av.address() | FolioDesc.PAGE_MAPPING_ANON;
        for (final int order : pteOrders) {
            if (!suitable(vma, va, order)) {
                continue;
            }
            final long aligned = va & -(PAGE << order);
            if (!ptesNone(ptet, Pte.pteIndex(aligned), 1 << order)) {
                continue;
            }
            final long folio = folios.allocFolio(MemdescType.ANON_FOLIO, order, mapping, vma.pageIndex(aligned), true);
            if (folio != 0) {
                mapNewAnon(mm, vma, av, ptet, aligned, folio, order);
                return Fault.OK;
            }
            counters.mthpFallbacks++;
        }
        final long folio = folios.allocFolio(MemdescType.ANON_FOLIO, 0, mapping, vma.pageIndex(va), true);
        if (folio == 0) {
            return Fault.OOM;
        }
        mapNewAnon(mm, vma, av, ptet, va, folio, 0);
        return Fault.OK;
    }

    private void mapNewAnon(final Mm mm, final Vma vma, final AnonVma av, final long ptet, final long addr,
                            final long folio, final int order) {
        final long head = descs.pfn(folio);
        final int nr = 1 << order;
        final long flags = Pte.PRESENT | Pte.USER | Pte.ACCESSED | Pte.ANON_EXCLUSIVE
                | (vma.writable() ? Pte.RW | Pte.DIRTY : 0);
        final int idx = Pte.pteIndex(addr);
        for (int i = 0; i < nr; i++) {                                       // set_ptes
            pt.set(ptet, idx + i, Pte.make(head + i, flags));
        }
        av.folios++;
        folios.setRefcount(folio, nr);
        for (final MapcountScheme s : schemes) {                             // folio_add_new_anon_rmap
            s.addPtes(folio, head, order, 0, nr, mm.id(), vma.id(), ptet, true);
        }
        counters.anonFolios[order]++;
    }

    boolean ptesNone(final long ptet, final int idx, final int nr) {
        for (int i = 0; i < nr; i++) {
            if (pt.get(ptet, idx + i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** do_wp_page on a private anon mapping. */
    private Fault wpAnon(final Mm mm, final Vma vma, final long va, final long ptet, final int idx, final long pte) {
        final long pfn = Pte.pfn(pte);
        final long folio = memmap.allocatee(pfn);
        final long head = descs.pfn(folio);
        final int order = descs.order(folio);
        if ((pte & Pte.ANON_EXCLUSIVE) != 0) {                               // PageAnonExclusive: reuse
            pt.set(ptet, idx, pte | Pte.RW | Pte.DIRTY | Pte.ACCESSED);
            counters.cowReuses++;
            return Fault.OK;
        }
        if (order == 0 && refcount(folio) == 1) {                           // wp_can_reuse_anon_folio
            folios.moveAnonRmap(folio, folios.anonVmaPrepare(vma));
            pt.set(ptet, idx, pte | Pte.RW | Pte.DIRTY | Pte.ACCESSED | Pte.ANON_EXCLUSIVE);
            for (final AnonExclusiveListener l : exclusiveListeners) {
                l.markExclusive(folio, head, 0, 0, 1);
            }
            counters.cowReuses++;
            return Fault.OK;
        }
        final AnonVma av = folios.anonVmaPrepare(vma);                        // wp_page_copy
        final long copy = folios.allocFolio(MemdescType.ANON_FOLIO, 0, av.address() | FolioDesc.PAGE_MAPPING_ANON,
                vma.pageIndex(va), false);
        if (copy == 0) {
            return Fault.OOM;
        }
        final long copyPfn = descs.pfn(copy);
        access.copy(Region.PAGE_DATA, ram, pfn << Pte.PTE_SHIFT, Region.PAGE_DATA, ram, copyPfn << Pte.PTE_SHIFT, PAGE);
        av.folios++;
        folios.setRefcount(copy, 1);
        for (final MapcountScheme s : schemes) {
            s.addPtes(copy, copyPfn, 0, 0, 1, mm.id(), vma.id(), ptet, true);
        }
        pt.set(ptet, idx, Pte.make(copyPfn, Pte.PRESENT | Pte.USER | Pte.ACCESSED | Pte.DIRTY | Pte.RW
                | Pte.ANON_EXCLUSIVE));
        for (final MapcountScheme s : schemes) {
            s.removePtes(folio, head, order, (int) (pfn - head), 1, mm.id(), vma.id(), ptet);
        }
        counters.anonFolios[0]++;
        counters.cowCopies++;
        folios.folioPut(folio, 1);
        return Fault.OK;
    }

    /** __do_fault + finish_fault: map the whole folio when it fits, else the faulting page. */
    private Fault fileFault(final Mm mm, final Vma vma, final long va, final boolean write, final long ptet) {
        final long index = vma.pageIndex(va);
        if (index >= vma.file.pages()) {
            return Fault.SIGBUS;
        }
        final long folio = pageCacheGet(vma.file, index);
        if (folio == 0) {
            return Fault.OOM;
        }
        final long head = descs.pfn(folio);
        final int order = descs.order(folio);
        final int nr = 1 << order;
        final long first = descs.getLong(folio, FolioDesc.INDEX);
        final long start = vma.address(first);
        final long end = start + ((long) nr << Pte.PTE_SHIFT);
        int page = (int) (index - first);
        long addr = va & -PAGE;
        int n = 1;
        if (nr > 1 && start >= vma.start && end <= vma.end && (start >>> Pte.PMD_SHIFT) == ((end - 1) >>> Pte.PMD_SHIFT)
                && ptesNone(ptet, Pte.pteIndex(start), nr)) {
            page = 0;
            addr = start;
            n = nr;
        }
        final long flags = Pte.PRESENT | Pte.USER | Pte.ACCESSED | (write ? Pte.RW | Pte.DIRTY : 0);
        final int idx = Pte.pteIndex(addr);
        for (int i = 0; i < n; i++) {
            pt.set(ptet, idx + i, Pte.make(head + page + i, flags));
        }
        folios.refAdd(folio, n);
        for (final MapcountScheme s : schemes) {
            s.addPtes(folio, head, order, page, n, mm.id(), vma.id(), ptet, false);
        }
        return Fault.OK;
    }

    /** filemap_get_folio, allocating (filemap_alloc_folio at the file's order, smaller on failure) on a miss. */
    long pageCacheGet(final MappedFile file, final long index) {
        final Map.Entry<Long, Long> e = file.pageCache.floorEntry(index);
        if (e != null && index < e.getKey() + (1L << descs.order(e.getValue()))) {
            return e.getValue();
        }
        for (int order = file.folioOrder(); order >= 0; order--) {
            final long first = index & -(1L << order);
            final long last = first + (1L << order) - 1;
            if (last >= file.pages()) {
                continue;
            }
            final Map.Entry<Long, Long> below = file.pageCache.floorEntry(last);
            if (below != null && below.getKey() + (1L << descs.order(below.getValue())) > first) {
                continue;                                                    // overlaps a cached folio
            }
            final long folio = folios.allocFolio(MemdescType.FILE_FOLIO, order, file.address(), first, true);
            if (folio != 0) {
                folios.setRefcount(folio, 1);                                // the page cache's reference
                file.pageCache.put(first, folio);
                counters.fileFolios[order]++;
                return folio;
            }
        }
        return 0;
    }

    /** Frees every page-cache folio no PTE or PMD maps (drop_caches), returns how many. */
    public int dropCaches() {
        int freed = 0;
        for (final MappedFile f : files.values()) {
            final var it = f.pageCache.values().iterator();
            while (it.hasNext()) {
                final long folio = it.next();
                if (refcount(folio) == 1) {
                    it.remove();
                    folios.freeFolio(folio);
                    freed++;
                }
            }
        }
        return freed;
    }

    // ---- huge PMD split ----

    // ---- fork ----

    /** fork(): a child address space sharing the parent's anon folios copy-on-write; null when out of memory. */
    public Mm fork(final Mm parent) {
        if (!parent.alive()) {
            throw new IllegalStateException(parent + " has exited");
        }
        final Mm child = newMm();
        if (child == null) {
            return null;
        }
        counters.forks++;
        for (final Vma vma : parent.vmas.values()) {
            final Vma cv = new Vma(nextVmaId++, child, vma.start, vma.end, vma.flags & ~Vma.VM_LOCKED, vma.pgoff,
                    vma.file);
            child.vmas.put(cv.start, cv);
            if (vma.file != null) {
                vma.file.mappings.add(cv);
                continue;                                                    // vma_needs_copy: refault
            }
            if (vma.anonVma == null) {
                continue;
            }
            for (final AnonVma av : vma.chain) {                             // anon_vma_fork: clone the chain
                av.vmas.add(cv);
                cv.chain.add(av);
            }
            final AnonVma own = folios.newAnonVma();
            own.vmas.add(cv);
            cv.chain.add(own);
            cv.anonVma = own;
            if (!forkCopy.copyPageRange(parent, vma, child, cv)) {
                exit(child);
                return null;
            }
        }
        return child;
    }

    /**
     * folio_pte_batch: how many present PTEs from {@code i} (below {@code hi}) map consecutive
     * pages of the folio ending before pfn {@code folioEnd}; 1 when rmap is not batched.
     * Departure: the batch ignores flag differences between the PTEs; Linux's fork batch also
     * ends where the dirty bit changes in a private mapping (FPB_RESPECT_DIRTY), so memu's fork
     * batches can be longer than Linux's on partly written folios.
     */
    int batch(final long ptet, final int i, final int hi, final long pfn, final long folioEnd) {
        if (!config.batchedRmap()) {
            return 1;
        }
        int n = 1;
        while (i + n < hi && pfn + n < folioEnd) {
            final long e = pt.get(ptet, i + n);
            if (!Pte.present(e) || Pte.pfn(e) != pfn + n) {
                break;
            }
            n++;
        }
        return n;
    }

    // ---- zap ----

    /** munmap(addr, len): zap, split or remove the VMAs in the range, free page tables nothing covers any more. */
    public void munmap(final Mm mm, final long addr, final long len) {
        checkRange(mm, addr, len);
        final long end = addr + len;
        counters.munmaps++;
        for (final Vma vma : overlapping(mm, addr, end)) {
            final long zs = Math.max(addr, vma.start);
            final long ze = Math.min(end, vma.end);
            zap.zapRange(mm, vma, zs, ze);
            if (zs == vma.start && ze == vma.end) {
                removeVma(vma);
            } else if (zs == vma.start) {
                mm.vmas.remove(vma.start);
                vma.pgoff += (ze - vma.start) >>> Pte.PTE_SHIFT;
                vma.start = ze;
                mm.vmas.put(vma.start, vma);
            } else if (ze == vma.end) {
                vma.end = zs;
            } else {                                                         // __split_vma, same id
                final Vma right = new Vma(vma.id(), mm, ze, vma.end, vma.flags,
                        vma.pgoff + ((ze - vma.start) >>> Pte.PTE_SHIFT), vma.file);
                right.anonVma = vma.anonVma;
                for (final AnonVma av : vma.chain) {
                    av.vmas.add(right);
                    right.chain.add(av);
                }
                if (vma.file != null) {
                    vma.file.mappings.add(right);
                }
                vma.end = zs;
                mm.vmas.put(right.start, right);
            }
        }
        zap.freePgtables(mm, addr, end);
    }

    /**
     * madvise(MADV_DONTNEED): zaps the range, keeps VMAs and page tables.
     *
     * @return false (EINVAL) when a VMA in the range is VM_LOCKED (madvise_dontneed_free_valid_vma); nothing changed then
     */
    public boolean madviseDontneed(final Mm mm, final long addr, final long len) {
        checkRange(mm, addr, len);
        final List<Vma> vmas = overlapping(mm, addr, addr + len);
        for (final Vma v : vmas) {
            if (v.locked()) {
                return false;
            }
        }
        counters.dontneeds++;
        for (final Vma v : vmas) {
            zap.zapRange(mm, v, Math.max(addr, v.start), Math.min(addr + len, v.end));
        }
        return true;
    }

    /** mlock / munlock of whole VMAs in the range: sets or clears VM_LOCKED (no VMA split). */
    public void mlock(final Mm mm, final long addr, final long len, final boolean lock) {
        checkRange(mm, addr, len);
        for (final Vma v : overlapping(mm, addr, addr + len)) {
            v.flags = lock ? v.flags | Vma.VM_LOCKED : v.flags & ~Vma.VM_LOCKED;
        }
    }

    /** exit_mmap: unmap everything, free every page table and the PGD, release the mm id. */
    public void exit(final Mm mm) {
        if (!mm.alive()) {
            throw new IllegalStateException(mm + " has exited");
        }
        counters.exits++;
        for (final Vma vma : List.copyOf(mm.vmas.values())) {
            zap.zapRange(mm, vma, vma.start, vma.end);
            removeVma(vma);
        }
        zap.freePgtables(mm, 0, Pte.TASK_SIZE);
        pt.free(mm.pgd);
        mm.dead = true;
        mmIds.clear(mm.id());
        mms.remove(mm);
    }

    private static List<Vma> overlapping(final Mm mm, final long start, final long end) {
        final List<Vma> out = new ArrayList<>();
        final Map.Entry<Long, Vma> first = mm.vmas.floorEntry(start);
        final long from = first != null && first.getValue().end > start ? first.getKey() : start;
        for (final Vma v : mm.vmas.subMap(from, true, end, false).values()) {
            if (v.end > start) {
                out.add(v);
            }
        }
        return out;
    }

    private void removeVma(final Vma vma) {
        vma.mm().vmas.remove(vma.start);
        if (vma.file != null) {
            vma.file.mappings.remove(vma);
        }
        for (final AnonVma av : vma.chain) {                                 // unlink_anon_vmas
            av.vmas.remove(vma);
            folios.maybeFreeAnonVma(av);
        }
        vma.chain.clear();
    }

    // ---- folios and anon_vmas ----

    /** The folio's {@code _refcount}: one per PTE or PMD mapping it, and the page cache's one for a file folio. */
    public int refcount(final long folio) {
        return folios.refcount(folio);
    }

    /**
     * Exits every live mm, drops the page cache and frees the file descriptors: afterwards every
     * folio and page-table page is back in the allocator.
     */
    public void shutdown() {
        for (final Mm mm : List.copyOf(mms)) {
            exit(mm);
        }
        dropCaches();
        for (final MappedFile f : files.values()) {
            if (!f.pageCache.isEmpty()) {
                throw new IllegalStateException("file " + f.id() + " still has mapped page-cache folios");
            }
            heap.free(f.address(), MappedFile.DESC_BYTES);
        }
        files.clear();
    }
}

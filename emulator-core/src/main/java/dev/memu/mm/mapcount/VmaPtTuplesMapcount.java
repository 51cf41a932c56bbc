package dev.memu.mm.mapcount;

import dev.memu.layout.Layout;
import dev.memu.memdesc.MemdescHeap;

import static dev.memu.memdesc.FolioDesc.VPT_FLAGS;
import static dev.memu.memdesc.FolioDesc.VPT_MAPCOUNT;

/**
 * {@code vma-pt-tuples}: Matthew Wilcox's proposal on linux-mm of 2023-01-24
 * (mail.spinics.net/lists/linux-mm/msg325665.html): "a
 * single mapcount per folio, and its definition is the number of (vma, page table) tuples which
 * have a reference to any pages in this folio". A folio mapped whole by one VMA in one page table
 * counts 1; a folio crossing a page-table boundary counts 2 once both halves are faulted in; a
 * PMD-mapped THP counts 1 and "splitting the PMD into PTEs would not change the mapcount".
 * (Wilcox revised the definition to "how many VMAs" in a follow-up, msg327447, because "I have it mapped, does
 * anybody else?" is ambiguous at 2; that revision is close to {@link TrollMapcount}'s count.)
 *
 * <h2>State and counting</h2>
 * <pre>
 * _mapcount  FolioDesc.VPT_MAPCOUNT  tuples - 1 (int, atomic)
 * flags      FolioDesc.VPT_FLAGS     bit 0: partially mapped (memu's addition, see below)
 * </pre>
 * The folio keeps no set of tuples. Wilcox's sketch makes one rmap call per (vma, page table)
 * tuple (do_set_pte_range, page_vma_mapped_walk skipping to the end of the page table), which the
 * batched rmap calls memu receives are. A batch may still be a second batch into the same tuple
 * (a later fault on another page, a partial unmap), so the count moves only on the tuple's first
 * PTE and its last: {@link #addPtes} increments when the page table maps no other page of the
 * folio, {@link #removePtes} decrements when it maps none after the batch. Whether it does is asked
 * of the {@link MappingProbe} (the kernel would read the PTEs of the folio's span in that table,
 * 2^order entries at most, Wilcox's {@code folio_has_ptes}); the mm layer charges that read to the
 * event; the probe and the count update are one step only under the page-table lock the caller
 * holds for the event, as in the kernel. A PMD entry is a tuple of its own. A PMD split, reported as the PTEs added into the new
 * table then the PMD removed, nets 0.
 *
 * <h2>Answers</h2>
 * {@link #mapcount} = tuples: it equals the number of mappings only for order-0 folios and
 * PMD-mapped folios. {@link #mappedShared}: 1 tuple means exclusive; more than 2 "definitely mapped
 * by somebody else" (Wilcox); exactly 2 is ambiguous and "we have to consult the rmap": memu asks
 * the {@link RmapWalker} (answering "shared" when there is none). {@link #pageMapcount}: -1, not
 * known. {@link #partiallyMapped}: not in the proposal; memu sets a sticky flag when an unmap leaves
 * a tuple mapping other pages of the folio, or removes a tuple that covered part of it while other
 * tuples remain; the flag clears when the folio is unmapped (false positives when another mm maps
 * the unmapped pages, as after fork).
 */
public final class VmaPtTuplesMapcount implements MapcountScheme {

    static final int PARTIALLY_MAPPED = 1;

    private final FolioFields f;
    private final MappingProbe probe;
    private final RmapWalker walker;
    private final ThreadLocal<RmapWalk> walks = ThreadLocal.withInitial(RmapWalk::new);

    /** {@code walker} may be null: a count of 2 then answers "maybe shared" without a walk. */
    public VmaPtTuplesMapcount(final MemdescHeap heap, final MappingProbe probe, final RmapWalker walker) {
        if (probe == null) {
            throw new IllegalArgumentException("vma-pt-tuples needs the mm layer's MappingProbe");
        }
        this.f = new FolioFields(heap);
        this.probe = probe;
        this.walker = walker;
    }

    @Override
    public String name() {
        return "vma-pt-tuples";
    }

    @Override
    public boolean supports(final Layout layout) {
        return true;
    }

    @Override
    public int folioBytes() {
        return 8;
    }

    @Override
    public int pageBytes() {
        return 0;
    }

    @Override
    public void folioCreated(final long folio, final long headPfn, final int order) {
        f.setInt(folio, VPT_MAPCOUNT, -1);
        f.setInt(folio, VPT_FLAGS, 0);
    }

    @Override
    public void folioFreed(final long folio, final long headPfn, final int order) {
        if (f.getInt(folio, VPT_MAPCOUNT) != -1) {
            throw EventChecks.stillMapped(name(), headPfn, "tuples " + mapcount(folio, headPfn, order));
        }
    }

    @Override
    public void addPtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                        final int mmId, final long vmaId, final long ptPfn, final boolean exclusive) {
        EventChecks.pages(order, page, nr);
        if (nr == (1 << order) || !probe.tableMapsOtherPages(folio, headPfn, order, vmaId, ptPfn, page, nr)) {
            f.getAndAddInt(folio, VPT_MAPCOUNT, 1);
        }
    }

    @Override
    public void removePtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                           final int mmId, final long vmaId, final long ptPfn) {
        EventChecks.pages(order, page, nr);
        final boolean whole = nr == (1 << order);
        if (!whole && probe.tableMapsOtherPages(folio, headPfn, order, vmaId, ptPfn, page, nr)) {
            // The tuple stays, some of its pages went.
            setPartial(folio);
            return;
        }
        final int old = f.getAndAddInt(folio, VPT_MAPCOUNT, -1);
        if (old == 0) {
            f.setInt(folio, VPT_FLAGS, 0);         // unmapped: nothing is partially mapped
        } else if (!whole) {
            setPartial(folio);                     // a tuple that held part of the folio went, others stay
        }
    }

    private void setPartial(final long folio) {
        if ((f.getInt(folio, VPT_FLAGS) & PARTIALLY_MAPPED) == 0) {
            f.setInt(folio, VPT_FLAGS, PARTIALLY_MAPPED);
        }
    }

    @Override
    public void addPmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId,
                       final boolean exclusive) {
        EventChecks.pmd(order);
        f.getAndAddInt(folio, VPT_MAPCOUNT, 1);
    }

    @Override
    public void removePmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId) {
        EventChecks.pmd(order);
        if (f.getAndAddInt(folio, VPT_MAPCOUNT, -1) == 0) {
            f.setInt(folio, VPT_FLAGS, 0);
        }
    }

    @Override
    public void markShared(final long folio, final long headPfn, final int order, final int page, final int nr) {
        EventChecks.pages(order, page, nr);
    }

    @Override
    public long mapcount(final long folio, final long headPfn, final int order) {
        return f.getInt(folio, VPT_MAPCOUNT) + 1L;
    }

    @Override
    public long pageMapcount(final long folio, final long headPfn, final int order, final int page) {
        EventChecks.pages(order, page, 1);
        return -1;
    }

    @Override
    public boolean mappedShared(final long folio, final long headPfn, final int order) {
        final long tuples = mapcount(folio, headPfn, order);
        if (tuples <= 1) {
            return false;
        }
        if (tuples > 2 || walker == null) {
            return true;
        }
        final RmapWalk walk = walks.get().reset();
        walker.walk(folio, headPfn, order, walk);
        return walk.distinctMms() > 1;
    }

    @Override
    public boolean partiallyMapped(final long folio, final long headPfn, final int order) {
        return order > 0 && (f.getInt(folio, VPT_FLAGS) & PARTIALLY_MAPPED) != 0;
    }

    @Override
    public boolean mapped(final long folio, final long headPfn, final int order) {
        return mapcount(folio, headPfn, order) >= 1;
    }
}

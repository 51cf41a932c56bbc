package dev.memu.mm.mapcount;

import dev.memu.layout.Layout;
import dev.memu.memdesc.MemdescHeap;

import static dev.memu.memdesc.FolioDesc.TROLL_STATE;

/**
 * {@code troll}: Matthew Wilcox on linux-mm, 2022 (mail.spinics.net/lists/linux-mm/msg282633.html,
 * "a half-baked proposal for
 * making folio_mapcount() significantly cheaper at the cost of making it less precise"): count in
 * "a more Discworld Troll manner. Zero, One, Two, Many." The count "would be the number of VMAs
 * which contain at least one page table reference to this folio"; "You can decrement from Two to
 * One and One to Zero, but you can't decrement from Many to Two. If you walk the rmap and discover
 * there are less than Many mappings, you can set mapcount to Two, One or Zero."
 *
 * <h2>State (one word in the folio memdesc)</h2>
 * <pre>
 * FolioDesc.TROLL_STATE  bits 0..1   0 Zero, 1 One, 2 Two, 3 Many
 *                        bit  2      partially mapped (memu's addition, as in VmaPtTuplesMapcount)
 *                        bits 4..33  mm id of the first counted VMA (One, Two)
 *                        bits 34..63 mm id of the second counted VMA (Two)
 * </pre>
 * Updated with compare-and-set, and only when the count moves: a VMA that already maps the folio
 * changes nothing, which is the point ("limits the total number of refcount increments to 3").
 * Whether the VMA maps the folio otherwise is asked of the {@link MappingProbe} (the kernel would
 * look at the VMA's page tables over the folio's span); probe and update are one step only under the
 * caller's page-table lock, as they would be in the kernel. The mm ids are memu's reading of "One" and
 * "Two" for the exclusive question: the proposal counts VMAs, and two VMAs of one mm are not
 * "shared".
 *
 * <h2>Answers</h2>
 * {@link #mapcount}: VMAs mapping the folio; in state Many it walks the rmap ({@link RmapWalker},
 * cost counted by the mm layer) and, finding fewer than three, sets the state back to the count it
 * found. {@link #mappedShared}: One no, Two when the two mm ids differ, Many by the walk.
 * {@link #pageMapcount}: -1. {@link #partiallyMapped}: the sticky flag set when an unmap leaves the
 * VMA mapping other pages of the folio; cleared at Zero. {@link #mapped}: state != Zero, without a
 * walk, so a folio whose VMAs all went while it was Many still reads mapped (a false positive;
 * "we can no longer use mapcount to decide to stop walking the rmap").
 */
public final class TrollMapcount implements MapcountScheme {

    static final long COUNT_MASK = 3;
    static final long MANY = 3;
    static final long PARTIAL = 1L << 2;
    static final int MM_BITS = 30;
    static final long MM_MASK = (1L << MM_BITS) - 1;
    static final int MM0_SHIFT = 4;
    static final int MM1_SHIFT = MM0_SHIFT + MM_BITS;

    private final FolioFields f;
    private final MappingProbe probe;
    private final RmapWalker walker;
    private final ThreadLocal<RmapWalk> walks = ThreadLocal.withInitial(RmapWalk::new);

    public TrollMapcount(final MemdescHeap heap, final MappingProbe probe, final RmapWalker walker) {
        if (probe == null || walker == null) {
            throw new IllegalArgumentException("troll needs the mm layer's MappingProbe and RmapWalker");
        }
        this.f = new FolioFields(heap);
        this.probe = probe;
        this.walker = walker;
    }

    static long count(final long state) {
        return state & COUNT_MASK;
    }

    static int mm0(final long state) {
        return (int) ((state >>> MM0_SHIFT) & MM_MASK);
    }

    static int mm1(final long state) {
        return (int) ((state >>> MM1_SHIFT) & MM_MASK);
    }

    static long state(final long count, final boolean partial, final int mm0, final int mm1) {
        return count | (partial ? PARTIAL : 0) | ((long) mm0 << MM0_SHIFT) | ((long) mm1 << MM1_SHIFT);
    }

    @Override
    public String name() {
        return "troll";
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
        f.setLong(folio, TROLL_STATE, 0);
    }

    /** Zero, or Many: Many never counts down, so a folio can be freed in state Many. */
    @Override
    public void folioFreed(final long folio, final long headPfn, final int order) {
        final long c = count(f.getLong(folio, TROLL_STATE));
        if (c != 0 && c != MANY) {
            throw EventChecks.stillMapped(name(), headPfn, "state " + c);
        }
    }

    private void checkMm(final int mmId) {
        if (mmId < 1 || mmId > MM_MASK) {
            throw new IllegalArgumentException("troll keeps 30-bit mm ids; got " + mmId);
        }
    }

    private void vmaMaps(final long folio, final int mmId) {
        checkMm(mmId);
        while (true) {
            final long old = f.getLong(folio, TROLL_STATE);
            final long c = count(old);
            if (c == MANY) {
                return;
            }
            final boolean partial = (old & PARTIAL) != 0;
            final long next = c == 0 ? state(1, partial, mmId, 0)
                    : c == 1 ? state(2, partial, mm0(old), mmId)
                    : state(MANY, partial, 0, 0);
            if (f.compareAndSetLong(folio, TROLL_STATE, old, next)) {
                return;
            }
        }
    }

    private void vmaUnmaps(final long folio, final int mmId) {
        checkMm(mmId);
        while (true) {
            final long old = f.getLong(folio, TROLL_STATE);
            final long c = count(old);
            if (c == MANY) {
                return;                           // "you can't decrement from Many to Two"
            }
            if (c == 0) {
                throw new IllegalStateException("troll: unmap of a folio in state Zero");
            }
            final long next;
            if (c == 1) {
                next = 0;                         // Zero: nothing is partially mapped
            } else {
                final int keep = mm0(old) == mmId ? mm1(old) : mm0(old);
                next = state(1, (old & PARTIAL) != 0, keep, 0);
            }
            if (f.compareAndSetLong(folio, TROLL_STATE, old, next)) {
                return;
            }
        }
    }

    private void setPartial(final long folio) {
        while (true) {
            final long old = f.getLong(folio, TROLL_STATE);
            if ((old & PARTIAL) != 0 || f.compareAndSetLong(folio, TROLL_STATE, old, old | PARTIAL)) {
                return;
            }
        }
    }

    @Override
    public void addPtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                        final int mmId, final long vmaId, final long ptPfn, final boolean exclusive) {
        EventChecks.pages(order, page, nr);
        if (!probe.vmaMapsOtherwise(folio, headPfn, order, vmaId, ptPfn, page, nr)) {
            vmaMaps(folio, mmId);
        }
    }

    @Override
    public void removePtes(final long folio, final long headPfn, final int order, final int page, final int nr,
                           final int mmId, final long vmaId, final long ptPfn) {
        EventChecks.pages(order, page, nr);
        if (probe.vmaMapsOtherwise(folio, headPfn, order, vmaId, ptPfn, page, nr)) {
            if (nr < (1 << order)) {
                setPartial(folio);
            }
            return;
        }
        vmaUnmaps(folio, mmId);
    }

    @Override
    public void addPmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId,
                       final boolean exclusive) {
        EventChecks.pmd(order);
        if (!probe.vmaMapsOtherwise(folio, headPfn, order, vmaId, MappingProbe.PMD_ENTRY, 0, 1 << order)) {
            vmaMaps(folio, mmId);
        }
    }

    @Override
    public void removePmd(final long folio, final long headPfn, final int order, final int mmId, final long vmaId) {
        EventChecks.pmd(order);
        if (!probe.vmaMapsOtherwise(folio, headPfn, order, vmaId, MappingProbe.PMD_ENTRY, 0, 1 << order)) {
            vmaUnmaps(folio, mmId);
        }
    }

    @Override
    public void markShared(final long folio, final long headPfn, final int order, final int page, final int nr) {
        EventChecks.pages(order, page, nr);
    }

    /** Walks the rmap and, finding fewer than three VMAs, sets the state back to what it found. */
    private RmapWalk recover(final long folio, final long headPfn, final int order, final long seen) {
        final RmapWalk walk = walks.get().reset();
        walker.walk(folio, headPfn, order, walk);
        if (walk.vmas() < MANY) {
            final long next = walk.vmas() == 0 ? 0
                    : state(walk.vmas(), (seen & PARTIAL) != 0, walk.firstMm(), walk.vmas() == 2 ? walk.secondMm() : 0);
            f.compareAndSetLong(folio, TROLL_STATE, seen, next);   // lost a race: the next query walks again
        }
        return walk;
    }

    @Override
    public long mapcount(final long folio, final long headPfn, final int order) {
        final long state = f.getLong(folio, TROLL_STATE);
        if (count(state) != MANY) {
            return count(state);
        }
        return recover(folio, headPfn, order, state).vmas();
    }

    @Override
    public long pageMapcount(final long folio, final long headPfn, final int order, final int page) {
        EventChecks.pages(order, page, 1);
        return -1;
    }

    @Override
    public boolean mappedShared(final long folio, final long headPfn, final int order) {
        final long state = f.getLong(folio, TROLL_STATE);
        final long c = count(state);
        if (c <= 1) {
            return false;
        }
        if (c == 2) {
            return mm0(state) != mm1(state);
        }
        return recover(folio, headPfn, order, state).distinctMms() > 1;
    }

    @Override
    public boolean partiallyMapped(final long folio, final long headPfn, final int order) {
        return order > 0 && (f.getLong(folio, TROLL_STATE) & PARTIAL) != 0;
    }

    @Override
    public boolean mapped(final long folio, final long headPfn, final int order) {
        return count(f.getLong(folio, TROLL_STATE)) != 0;
    }
}

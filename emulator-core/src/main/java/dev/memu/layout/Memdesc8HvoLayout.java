package dev.memu.layout;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

import java.util.ArrayList;
import java.util.List;

/**
 * memdesc8 with the memdesc analogue of HugeTLB Vmemmap Optimization: an allocation of order
 * {@value #RECORD_ORDER} or more writes one entry per 2 MiB region it covers instead of one per
 * page, and a tail pfn resolves through the entry of its region's first page.
 *
 * <pre>
 * entry word: exactly memdesc8's ({@link Memdesc8Layout}):
 * bits    free block head            allocated page
 * 0..3    type tag = 5 (free)        type tag of the allocatee
 * 4..9    order                      descriptor address bits 4..51 (field spans 4..51)
 * 10..51  0
 * 52..57  0                          order of the allocation
 * 58..63  0                          0
 *
 * which entries an allocation of order k at pfn writes:
 *   k &lt;  9   every entry pfn .. pfn + 2^k - 1 (as memdesc8)
 *   k &gt;= 9   the region records pfn + i * 512 for i in 0 .. 2^(k-9) - 1 (the head is i = 0);
 *            every other tail entry stays 0
 *
 * lookup of pfn: word = entry[pfn]; when word == 0 and pfn is not a region's first page,
 *   word = entry[pfn &amp; ~511] if that is an allocation of order &gt;= 9 (else the pfn is unowned)
 * </pre>
 *
 * Linux's HVO ({@code mm/hugetlb_vmemmap.c}, {@code hugetlb_vmemmap_optimize_folio}; {@code
 * Documentation/mm/vmemmap_dedup.rst}) remaps the vmemmap pages of a HugeTLB folio's tail struct
 * pages onto the first one, because "the only 'useful' information in the remaining page structs
 * is the compound_head field, and this field is the same for all tail pages". In a one-word
 * memdesc memmap every tail entry holds the same tagged pointer, so the same argument says: do
 * not write them. Unlike HVO this saves stores and cachelines, not memory (the tail entries stay
 * mapped, they are just never written; remapping 4 KiB host pages of an 8-byte-per-page memmap
 * would only pay for order 9 and above anyway, which is where this layout starts). A departure:
 * HVO applies to HugeTLB folios only and costs a vmemmap remap per folio; here it applies to
 * every allocation of order 9 or more, from any allocator, and costs nothing at allocation.
 *
 * <p>Why order 9: a region record must cover whole 2 MiB regions, so the smallest order it can
 * stand for is the region's (the PMD and pageblock order, and POTAD's region). Below it an
 * allocation writes at most 256 entries (32 lines) and a tail lookup stays one line.
 *
 * <p>Tried and not kept: the records in a dense table beside the memmap (8 bytes per region, 8
 * per line) instead of in each region's first entry, 4 KiB apart, so that a run of large frees
 * would not store to a new line before each locked CAS. {@code memu bench llfree --shape bulk
 * --order 9 --layout memdesc8-hvo --allocator potad --mem 8G}, five runs each, ns get / put:
 * 30-45 / 21-33 with the table, 32-38 / 21-26 with the first entries; no gain, and a head's
 * lookup would have paid a second line.
 *
 * <p>What it costs: a tail pfn of a large allocation reads two memmap lines (its own entry, then
 * its region's first), and so does any unowned pfn that is not a region's first page (its entry
 * is 0 whether it is free or an unwritten tail). Heads, pages of small allocations and free-block
 * heads read one line, as in memdesc8.
 */
public final class Memdesc8HvoLayout extends Layout {

    /** Smallest order recorded per region instead of per page. */
    public static final int RECORD_ORDER = 9;
    static final long REGION_PAGES = 1L << RECORD_ORDER;

    private static final Memdesc8Layout BASE = new Memdesc8Layout();

    @Override
    public String name() {
        return "memdesc8-hvo";
    }

    @Override
    public String summary() {
        return "memdesc8; order >= 9 writes one entry per 2 MiB region, tails resolve through it (HVO-like)";
    }

    @Override
    public int bytesPerPage() {
        return BASE.bytesPerPage();
    }

    @Override
    public int maxFreeOrder() {
        return BASE.maxFreeOrder();
    }

    @Override
    public List<LayoutField> fields() {
        final List<LayoutField> fields = new ArrayList<>(BASE.fields());
        fields.set(2, LayoutField.bits("memdesc", 0, 4, 48,
                "allocated: descriptor address bits 4..51; order >= 9: only at each 2 MiB region's first page"));
        return List.copyOf(fields);
    }

    @Override
    public List<LayoutField> pageDataFields() {
        return BASE.pageDataFields();
    }

    @Override
    public Memmap bind(final Machine machine, final Access access) {
        return new Map(this, machine, access);
    }

    static final class Map extends Memdesc8Layout.Map {

        Map(final Layout layout, final Machine machine, final Access access) {
            super(layout, machine, access);
        }

        @Override
        public void setAllocated(final long pfn, final int order, final long allocatee) {
            if (order < RECORD_ORDER) {
                super.setAllocated(pfn, order, allocatee);
                return;
            }
            final long word = allocatee | ((long) order << Memdesc8Layout.ALLOC_ORDER_SHIFT);
            final long end = pfn + (1L << order);
            for (long p = pfn; p < end; p += REGION_PAGES) {
                access.setLong(Region.MEMMAP, memmap, at(p), word);
            }
        }

        @Override
        public void clearAllocated(final long pfn, final int order) {
            if (order < RECORD_ORDER) {
                super.clearAllocated(pfn, order);
                return;
            }
            final long end = pfn + (1L << order);
            for (long p = pfn; p < end; p += REGION_PAGES) {
                access.setLong(Region.MEMMAP, memmap, at(p), 0);
            }
        }

        @Override
        public long allocatee(final long pfn) {
            long word = access.getLong(Region.MEMMAP, memmap, at(pfn));
            if (word == 0 && (pfn & (REGION_PAGES - 1)) != 0) {
                word = regionRecord(pfn);
            }
            if ((word & MemdescType.TAG_MASK) == FREE_TAG) {
                return Allocatee.NONE;
            }
            return word & (Allocatee.POINTER_MASK | MemdescType.TAG_MASK);
        }

        /** The entry of pfn's region's first page when it records an allocation of order >= 9, else 0. */
        private long regionRecord(final long pfn) {
            final long word = access.getLong(Region.MEMMAP, memmap, at(pfn & -REGION_PAGES));
            if (word == 0 || (word & MemdescType.TAG_MASK) == FREE_TAG) {
                return 0;
            }
            final long order = (word >>> Memdesc8Layout.ALLOC_ORDER_SHIFT) & Memdesc8Layout.ALLOC_ORDER_MASK;
            return order >= RECORD_ORDER ? word : 0;
        }
    }
}

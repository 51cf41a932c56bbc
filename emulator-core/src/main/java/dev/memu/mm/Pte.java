package dev.memu.mm;

/**
 * x86-64 page-table entry bits, as arch/x86/include/asm/pgtable_types.h defines them, and the
 * swap-entry encoding of arch/x86/include/asm/pgtable_64.h. One format serves every level
 * (PGD, PUD, PMD, PTE); {@link #PSE} in a PMD makes it map an order-9 folio directly.
 *
 * <pre>
 *  bit    name                 meaning
 *   0     _PAGE_PRESENT        the entry maps something (else: none, or a swap entry)
 *   1     _PAGE_RW             writable
 *   2     _PAGE_USER           user accessible (set on every user mapping and table link)
 *   5     _PAGE_ACCESSED       the CPU read or wrote through it
 *   6     _PAGE_DIRTY          the CPU wrote through it
 *   7     _PAGE_PSE            (PMD/PUD) maps a huge page; in a swap entry: _PAGE_SWP_EXCLUSIVE
 *  12..51 pfn                  PTE_PFN_MASK (__PHYSICAL_MASK_SHIFT 52)
 *  52     memu: anon-exclusive software bit, see {@link #ANON_EXCLUSIVE}
 *
 * swap entry (not present), __swp_entry():
 *  59..63 type                 SWP_TYPE_BITS 5, at 64 - SWP_TYPE_BITS
 *  14..58 ~offset              stored inverted (L1TF mitigation), SWP_OFFSET_SHIFT 14
 *   7     _PAGE_SWP_EXCLUSIVE
 * </pre>
 *
 * <p>Departure: Linux keeps "this anon page is exclusive to one mapping" as PG_anon_exclusive in
 * struct page (PageAnonExclusive). memu's layouts have no per-page flag room in every layout, and
 * the mapcount schemes keep their own copy where they would, so the mm layer keeps its ground
 * truth in bit 52 of the PTE/PMD, one of the bits the CPU ignores (Linux uses 57 and 58 as
 * _PAGE_BIT_SOFTW4/5 and leaves 52..56 unused). An exclusive anon page has exactly one mapping,
 * so the bit says the same thing; the swap entry's _PAGE_SWP_EXCLUSIVE is Linux's own precedent.
 */
public final class Pte {

    public static final long PRESENT = 1L;
    public static final long RW = 1L << 1;
    public static final long USER = 1L << 2;
    public static final long ACCESSED = 1L << 5;
    public static final long DIRTY = 1L << 6;
    public static final long PSE = 1L << 7;
    public static final long ANON_EXCLUSIVE = 1L << 52;
    /** PTE_PFN_MASK: physical address bits 12..51. */
    public static final long PFN_MASK = ((1L << 52) - 1) & ~0xfffL;
    public static final int PFN_SHIFT = 12;

    /** _PAGE_TABLE: what an upper-level entry pointing to a lower table carries besides the pfn. */
    public static final long TABLE = PRESENT | RW | USER | ACCESSED | DIRTY;

    /** x86-64 4-level paging: 512 entries of 8 bytes per table page. */
    public static final int ENTRIES = 512;
    public static final int PTE_SHIFT = 12;
    public static final int PMD_SHIFT = 21;
    public static final int PUD_SHIFT = 30;
    public static final int PGD_SHIFT = 39;
    /** HPAGE_PMD_ORDER. */
    public static final int PMD_ORDER = PMD_SHIFT - PTE_SHIFT;
    public static final long PMD_SIZE = 1L << PMD_SHIFT;
    /** TASK_SIZE_MAX of 4-level paging: 128 TiB of user address space. */
    public static final long TASK_SIZE = 1L << 47;

    public static final int SWP_TYPE_BITS = 5;
    public static final int SWP_OFFSET_SHIFT = 14;
    public static final long SWP_EXCLUSIVE = PSE;

    private Pte() {
    }

    public static boolean present(final long e) {
        return (e & PRESENT) != 0;
    }

    public static boolean none(final long e) {
        return e == 0;
    }

    /** A swap entry: not present, not none (pte_none / is_swap_pte). */
    public static boolean swap(final long e) {
        return e != 0 && (e & PRESENT) == 0;
    }

    public static boolean huge(final long e) {
        return (e & (PRESENT | PSE)) == (PRESENT | PSE);
    }

    public static long pfn(final long e) {
        return (e & PFN_MASK) >>> PFN_SHIFT;
    }

    public static long make(final long pfn, final long flags) {
        return (pfn << PFN_SHIFT) | flags;
    }

    /** __swp_entry(type, offset), plus _PAGE_SWP_EXCLUSIVE when {@code exclusive}. */
    public static long swapEntry(final int type, final long offset, final boolean exclusive) {
        return (~offset << SWP_OFFSET_SHIFT >>> SWP_TYPE_BITS) | ((long) type << (64 - SWP_TYPE_BITS))
                | (exclusive ? SWP_EXCLUSIVE : 0);
    }

    /** __swp_type. */
    public static int swapType(final long e) {
        return (int) (e >>> (64 - SWP_TYPE_BITS));
    }

    /** __swp_offset (with the exclusive marker stripped first, as pte_swp_clear_exclusive does). */
    public static long swapOffset(final long e) {
        return ~(e & ~SWP_EXCLUSIVE) << SWP_TYPE_BITS >>> SWP_OFFSET_SHIFT;
    }

    public static int pgdIndex(final long va) {
        return (int) (va >>> PGD_SHIFT) & (ENTRIES - 1);
    }

    public static int pudIndex(final long va) {
        return (int) (va >>> PUD_SHIFT) & (ENTRIES - 1);
    }

    public static int pmdIndex(final long va) {
        return (int) (va >>> PMD_SHIFT) & (ENTRIES - 1);
    }

    public static int pteIndex(final long va) {
        return (int) (va >>> PTE_SHIFT) & (ENTRIES - 1);
    }
}

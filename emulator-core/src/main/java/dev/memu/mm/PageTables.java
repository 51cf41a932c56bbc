package dev.memu.mm;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.alloc.PageAllocator;
import dev.memu.memdesc.Memdescs;
import dev.memu.memdesc.PtDesc;

import java.lang.foreign.MemorySegment;

/**
 * Page-table pages as real allocations: each is an order-0 block from the machine's allocator
 * owned by a {@code ptdesc} memdesc (pagetable_alloc + pagetable_pte_ctor and friends), its 512
 * entries stored in emulated RAM and read and written through the {@link Access} layer in region
 * {@link Region#PAGE_DATA}, so that the counting layer sees every page-table line a walk touches.
 *
 * <p>A deposited PTE table (pgtable_trans_huge_deposit, kept for splitting a huge anon PMD
 * without allocating) is linked from the PMD table's ptdesc {@code pmd_huge_pte} word
 * ({@link PtDesc#PT_LIST}); further deposits chain through the deposited tables' own {@code
 * PT_LIST} words, as Linux chains them through {@code ptdesc->pt_list}. Links are pfn + 1, so 0
 * ends a chain.
 */
public final class PageTables {

    /** Levels as {@link PtDesc#PT_LEVEL} numbers them: 1 = PTE table .. 4 = PGD. */
    public static final int PTE_LEVEL = 1;
    public static final int PMD_LEVEL = 2;
    public static final int PUD_LEVEL = 3;
    public static final int PGD_LEVEL = 4;

    private final PageAllocator allocator;
    private final Memdescs descs;
    private final Access access;
    private final MemorySegment ram;
    private final int vcpu;
    private long live;

    public PageTables(final PageAllocator allocator, final Memdescs descs, final Access access, final int vcpu) {
        if (allocator.memmap().machine().pageShift() != Pte.PTE_SHIFT) {
            throw new IllegalArgumentException("the mm layer models x86-64 4 KiB pages, the machine has pages of "
                    + allocator.memmap().machine().pageSize() + " bytes");
        }
        this.allocator = allocator;
        this.descs = descs;
        this.access = access;
        this.ram = allocator.memmap().machine().ram();
        this.vcpu = vcpu;
    }

    /**
     * Allocates a zeroed table page of {@code level} for mm {@code mmId} (__pte_alloc /
     * __pmd_alloc / __pud_alloc / pgd_alloc with __GFP_ZERO), or returns -1 when RAM is exhausted.
     */
    public long alloc(final int level, final int mmId) {
        final long pt = descs.newPageTable(level, mmId);
        final long pfn = allocator.alloc(0, pt, vcpu);
        if (pfn == PageAllocator.NO_PAGE) {
            descs.free(pt);
            return -1;
        }
        descs.setPfn(pt, pfn);
        access.fill(Region.PAGE_DATA, ram, pfn << Pte.PTE_SHIFT, 1L << Pte.PTE_SHIFT, (byte) 0);
        live++;
        return pfn;
    }

    /** Frees a table page (pagetable_free after pagetable_dtor); its entries must all be none. */
    public void free(final long pfn) {
        final long pt = allocator.memmap().allocatee(pfn);
        descs.free(pt);
        allocator.free(pfn, 0, vcpu);
        live--;
    }

    public long get(final long tablePfn, final int index) {
        return access.getLong(Region.PAGE_DATA, ram, (tablePfn << Pte.PTE_SHIFT) + 8L * index);
    }

    public void set(final long tablePfn, final int index, final long entry) {
        access.setLong(Region.PAGE_DATA, ram, (tablePfn << Pte.PTE_SHIFT) + 8L * index, entry);
    }

    /** pgtable_trans_huge_deposit: keeps {@code ptePfn} in the PMD table {@code pmdTablePfn}'s ptdesc. */
    public void deposit(final long pmdTablePfn, final long ptePfn) {
        final long pmdPt = allocator.memmap().allocatee(pmdTablePfn);
        final long ptePt = allocator.memmap().allocatee(ptePfn);
        descs.setLong(ptePt, PtDesc.PT_LIST, descs.getLong(pmdPt, PtDesc.PT_LIST));
        descs.setLong(pmdPt, PtDesc.PT_LIST, ptePfn + 1);
    }

    /** pgtable_trans_huge_withdraw: takes one deposited PTE table back (it must exist). */
    public long withdraw(final long pmdTablePfn) {
        final long pmdPt = allocator.memmap().allocatee(pmdTablePfn);
        final long head = descs.getLong(pmdPt, PtDesc.PT_LIST);
        if (head == 0) {
            throw new IllegalStateException("no PTE table deposited in PMD table at pfn " + pmdTablePfn);
        }
        final long ptePfn = head - 1;
        final long ptePt = allocator.memmap().allocatee(ptePfn);
        descs.setLong(pmdPt, PtDesc.PT_LIST, descs.getLong(ptePt, PtDesc.PT_LIST));
        descs.setLong(ptePt, PtDesc.PT_LIST, 0);
        return ptePfn;
    }

    /** True when every entry of the table is none. */
    public boolean empty(final long tablePfn) {
        for (int i = 0; i < Pte.ENTRIES; i++) {
            if (get(tablePfn, i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Table pages allocated and not yet freed. */
    public long live() {
        return live;
    }

    public Access access() {
        return access;
    }
}

package dev.memu.memdesc;

/**
 * {@code struct ptdesc}: a page-table page's descriptor.
 *
 * <pre>
 * off size field               meaning
 *   0   8  __page_flags        misc word, see {@link MemdescHeader}
 *   8   8  pfn                 the page-table page
 *  16   8  pt_list|pmd_huge_pte deposited page table / list of the mm's page tables
 *  24   8  pt_mm               owning mm_struct
 *  32   8  ptl                 split page-table lock (spinlock word)
 *  40   4  pt_level            1 = PTE .. 5 = PGD
 *  44   4  pt_frag_refcount
 * size 48, heap class 48
 * </pre>
 */
public final class PtDesc {

    public static final long FLAGS = MemdescHeader.MISC;
    public static final long PFN = MemdescHeader.PFN;
    public static final long PT_LIST = 16;
    public static final long PT_MM = 24;
    public static final long PTL = 32;
    public static final long PT_LEVEL = 40;
    public static final long PT_FRAG_REFCOUNT = 44;
    public static final int BYTES = 48;

    private PtDesc() {
    }
}

package dev.memu.memdesc;

/**
 * {@code struct netmem_desc}: a page owned by a network page pool.
 *
 * <pre>
 * off size field         meaning
 *   0   8  flags         misc word, see {@link MemdescHeader}
 *   8   8  pfn           first pfn
 *  16   8  pp_magic      PP_SIGNATURE while the pool owns it
 *  24   8  pp            owning page_pool
 *  32   8  dma_addr      device address of the mapping
 *  40   8  pp_ref_count  fragment references
 * size 48, heap class 48
 * </pre>
 */
public final class NetpoolDesc {

    public static final long FLAGS = MemdescHeader.MISC;
    public static final long PFN = MemdescHeader.PFN;
    public static final long PP_MAGIC = 16;
    public static final long PP = 24;
    public static final long DMA_ADDR = 32;
    public static final long PP_REF_COUNT = 40;
    public static final int BYTES = 48;

    /** Linux's PP_SIGNATURE (0x40 + POISON_POINTER_DELTA, delta 0 here). */
    public static final long PP_SIGNATURE = 0x40;

    private NetpoolDesc() {
    }
}

package dev.memu.memdesc;

/**
 * A vmalloc area ({@code struct vm_struct}): one descriptor shared by many order-0 pages that are
 * not contiguous in physical memory. Every page's memmap entry (or lookup entry) names this
 * descriptor; the pfns live in a separate array in the memdesc heap, as {@code vm_struct.pages}
 * points to an array of page pointers.
 *
 * <pre>
 * off size field     meaning
 *   0   8  flags     misc word, see {@link MemdescHeader} (order 0)
 *   8   8  pfn       pfn of page 0
 *  16   8  nr_pages  pages in the area
 *  24   8  pages     address of the pfn array (nr_pages * 8 bytes, heap object); pfn i at +8*i
 *  32   8  addr      virtual start address
 *  40   8  size      bytes of virtual space (nr_pages pages)
 * size 48, heap class 48; the array takes a class of its own (up to 4096 B = 512 pages)
 * </pre>
 */
public final class VmallocDesc {

    public static final long FLAGS = MemdescHeader.MISC;
    public static final long PFN = MemdescHeader.PFN;
    public static final long NR_PAGES = 16;
    public static final long PAGES = 24;
    public static final long ADDR = 32;
    public static final long SIZE = 40;
    public static final int BYTES = 48;

    /** Largest area: its pfn array must fit the heap's largest class. */
    public static final int MAX_PAGES = 512;

    private VmallocDesc() {
    }
}

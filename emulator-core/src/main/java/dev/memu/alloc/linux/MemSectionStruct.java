package dev.memu.alloc.linux;

/**
 * SPARSEMEM's path from a pfn to its pageblock flags ({@code include/linux/mmzone.h},
 * {@code mm/sparse.c}, {@link LinuxConfig}: SPARSEMEM_EXTREME, no PAGE_EXTENSION), as
 * {@code __get_pfnblock_flags_mask} walks it: {@code get_pageblock_bitmap} =
 * {@code section_to_usemap(__pfn_to_section(pfn))} = {@code mem_section[root][nr & SECTION_ROOT_MASK].usage->pageblock_flags},
 * four dependent loads, then the bit index {@code pfn_to_bitidx}.
 * <pre>
 * struct mem_section **mem_section     a global pointer to the root array (its own line here)
 * mem_section[NR_SECTION_ROOTS]        root array of pointers, one page of sections per root
 * struct mem_section (16 bytes, SECTIONS_PER_ROOT = PAGE_SIZE / 16 = 256 per root page)
 *   0   8  section_mem_map
 *   8   8  usage            -> struct mem_section_usage
 * struct mem_section_usage (sparse_init_nid allocates one block per node, entries back to back)
 *   0  16  rcu              (6.8+: freed by RCU)
 *  16   8  subsection_map   SUBSECTIONS_PER_SECTION = 64 bits
 *  24  32  pageblock_flags  NR_PAGEBLOCK_BITS = 4 per pageblock, 64 pageblocks per 128 MiB section;
 *                           migratetype in bits 0..2 of a pageblock's nibble
 *  56      mem_section_usage_size()
 * </pre>
 * SECTION_SIZE_BITS = 27: 2^15 pfns per section. memu stores segment offsets where Linux stores
 * pointers.
 */
public final class MemSectionStruct {

    public static final int PFN_SECTION_SHIFT = 15;
    public static final int SECTIONS_PER_ROOT_SHIFT = 8;
    public static final long SECTION_BYTES = 16;
    public static final long SECTION_USAGE = 8;
    public static final long USAGE_SUBSECTION_MAP = 16;
    public static final long USAGE_PAGEBLOCK_FLAGS = 24;
    public static final long USAGE_BYTES = 56;
    public static final int NR_PAGEBLOCK_BITS = 4;
    public static final long MIGRATETYPE_MASK = 0x7;

    /** {@code struct mem_section}, for labelling. */
    public static final StructFields SECTION_FIELDS = new StructFields(SECTION_BYTES)
            .field(0, 8, "section_mem_map")
            .field(SECTION_USAGE, 8, "usage");
    /** {@code struct mem_section_usage}, for labelling. */
    public static final StructFields USAGE_FIELDS = new StructFields(USAGE_BYTES)
            .field(0, 16, "rcu")
            .field(USAGE_SUBSECTION_MAP, 8, "subsection_map")
            .array(USAGE_PAGEBLOCK_FLAGS, 8, "pageblock_flags", 4);

    private MemSectionStruct() {
    }
}

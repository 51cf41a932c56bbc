package dev.memu.alloc.linux;

/**
 * The kernel memu's Linux structures are laid out for, in one place, so that every offset table in
 * this package is read against the same configuration.
 *
 * <p><b>Linux 6.12.y on x86-64</b> (4 KiB pages, 64-byte lines), a distribution-like configuration:
 * CONFIG_SMP, CONFIG_NUMA, CONFIG_ZONE_DMA, CONFIG_ZONE_DMA32 and CONFIG_ZONE_DEVICE (so
 * {@code MAX_NR_ZONES} = 5), CONFIG_CMA and CONFIG_MEMORY_ISOLATION ({@code MIGRATE_TYPES} = 6),
 * CONFIG_MEMORY_HOTPLUG, CONFIG_COMPACTION, CONFIG_UNACCEPTED_MEMORY (set by the TDX/SEV guest
 * options distributions enable), CONFIG_ZSMALLOC, CONFIG_TRANSPARENT_HUGEPAGE, CONFIG_SPARSEMEM_VMEMMAP
 * with CONFIG_SPARSEMEM_EXTREME, CONFIG_VM_EVENT_COUNTERS; no CONFIG_PAGE_EXTENSION, no
 * CONFIG_DEBUG_VM, no lockdep. {@code struct zone} includes {@code nr_free_highatomic} (mainline
 * 6.13, "mm/page_alloc: keep track of free highatomic", backported to 6.12 stable).
 * <p>Function names are 6.12's: 6.15 renamed {@code free_unref_page} to {@code free_frozen_pages};
 * the lines touched did not change with the name.
 */
public final class LinuxConfig {

    /** Cacheline size on x86-64 ({@code L1_CACHE_BYTES}). */
    public static final long LINE = 64;
    /** {@code MAX_NR_ZONES}: DMA, DMA32, NORMAL, MOVABLE, DEVICE. */
    public static final int MAX_NR_ZONES = 5;
    public static final int ZONE_NORMAL = 2;
    /** The {@code highest_zoneidx} of a movable user allocation ({@code gfp_zone(GFP_HIGHUSER_MOVABLE)}). */
    public static final int ZONE_MOVABLE = 3;
    /** {@code MIGRATE_TYPES}: UNMOVABLE, MOVABLE, RECLAIMABLE, HIGHATOMIC, CMA, ISOLATE. */
    public static final int MIGRATE_TYPES = 6;
    /** {@code MIGRATE_PCPTYPES}: the types with their own PCP and free lists searched first. */
    public static final int MIGRATE_PCPTYPES = 3;
    public static final int MIGRATE_UNMOVABLE = 0;
    public static final int MIGRATE_MOVABLE = 1;
    public static final int MIGRATE_CMA = 4;
    /** {@code NR_PAGE_ORDERS} = MAX_PAGE_ORDER + 1. */
    public static final int NR_PAGE_ORDERS = 11;
    /** {@code pageblock_order} with hugetlb on x86-64: 2 MiB pageblocks. */
    public static final int PAGEBLOCK_ORDER = 9;
    /** {@code CONFIG_PCP_BATCH_SCALE_MAX} default. */
    public static final int PCP_BATCH_SCALE_MAX = 5;

    private LinuxConfig() {
    }

    /** Rounds {@code value} up to a multiple of {@code to} (a power of two). */
    public static long align(final long value, final long to) {
        return (value + to - 1) & -to;
    }
}

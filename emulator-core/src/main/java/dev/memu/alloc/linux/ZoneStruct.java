package dev.memu.alloc.linux;

/**
 * {@code struct zone} ({@code include/linux/mmzone.h}) as laid out for {@link LinuxConfig}: the
 * offsets of every field the allocator's paths touch, and of the padding that decides which of them
 * share a line. The struct is {@code ____cacheline_internodealigned_in_smp} (64 bytes on x86-64),
 * and {@code CACHELINE_PADDING(_pad1_/_pad2_/_pad3_)} starts a new line before {@code free_area},
 * after {@code lock} and before {@code vm_stat}.
 * <pre>
 * offset        size  field                                  line
 *    0          4*8   _watermark[WMARK_MIN, LOW, HIGH, PROMO]   0
 *   32            8   watermark_boost                           0
 *   40            8   nr_reserved_highatomic                    0
 *   48            8   nr_free_highatomic                        0
 *   56          5*8   lowmem_reserve[MAX_NR_ZONES]              0/1 (ZONE_NORMAL 72 and ZONE_MOVABLE 80: line 1)
 *   96            4   node                                      1
 *  104            8   zone_pgdat                                1
 *  112            8   per_cpu_pageset                           1
 *  120            8   per_cpu_zonestats                         1
 *  128          3*4   pageset_high_min, pageset_high_max, pageset_batch   2
 *  144..223           zone_start_pfn, managed_pages, spanned/present/present_early/cma_pages,
 *                     name, nr_isolate_pageblock, span_seqlock, initialized (not modelled)
 *  256  + 104*order   free_area[order] (NR_PAGE_ORDERS = 11):      4..21
 *        +16*mt   16    free_list[mt] {next, prev}, mt &lt; MIGRATE_TYPES (6)
 *        +96       8    nr_free
 * 1400           16   unaccepted_pages                          21
 * 1416            8   flags (ZONE_BOOSTED_WATERMARK, ZONE_RECLAIM_ACTIVE, ZONE_BELOW_HIGH)  22
 * 1424            4   lock                                      22
 * 1472..1535          percpu_drift_mark, compaction state (not modelled)  23
 * 1536         12*8   vm_stat[NR_VM_ZONE_STAT_ITEMS]            24 (NR_FREE_PAGES), 25 (NR_FREE_CMA_PAGES)
 * 1632          6*8   vm_numa_event[NR_VM_NUMA_EVENT_ITEMS]     25/26 (folded only on demand; not touched here)
 * 1728                sizeof(struct zone)
 * </pre>
 * memu's list heads hold pfns instead of pointers: {@code next} = first pfn, {@code prev} = last
 * pfn, -1 for an empty list (Linux: the head pointing to itself).
 */
public final class ZoneStruct {

    public static final long WATERMARK = 0;
    public static final int WMARK_MIN = 0;
    public static final int WMARK_LOW = 1;
    public static final int WMARK_HIGH = 2;
    public static final int WMARK_PROMO = 3;
    public static final long WATERMARK_BOOST = 32;
    public static final long NR_RESERVED_HIGHATOMIC = 40;
    public static final long NR_FREE_HIGHATOMIC = 48;
    public static final long LOWMEM_RESERVE = 56;
    public static final long NODE = 96;
    public static final long ZONE_PGDAT = 104;
    public static final long PER_CPU_PAGESET = 112;
    public static final long PER_CPU_ZONESTATS = 120;
    public static final long PAGESET_HIGH_MIN = 128;
    public static final long PAGESET_HIGH_MAX = 132;
    public static final long PAGESET_BATCH = 136;
    public static final long FREE_AREA = 256;
    public static final long FREE_AREA_BYTES = 104;
    public static final long FREE_LIST_BYTES = 16;
    public static final long FREE_AREA_NR_FREE = 96;
    public static final long UNACCEPTED_PAGES = 1400;
    public static final long FLAGS = 1416;
    public static final long LOCK = 1424;
    public static final long VM_STAT = 1536;
    public static final long VM_NUMA_EVENT = 1632;
    public static final long SIZE = 1728;

    /** {@code enum zone_stat_item} (6.12): NR_FREE_PAGES first, NR_FREE_CMA_PAGES after NR_BOUNCE and NR_ZSPAGES. */
    public static final int NR_FREE_PAGES = 0;
    public static final int NR_FREE_CMA_PAGES = 10;
    public static final int NR_VM_ZONE_STAT_ITEMS = 12;

    /** The fields above, for labelling ({@code zone.*}). */
    public static final StructFields FIELDS = fields();

    private ZoneStruct() {
    }

    /** Offset of {@code free_area[order].free_list[migratetype].next}. */
    public static long freeListNext(final int order, final int migratetype) {
        return FREE_AREA + FREE_AREA_BYTES * order + FREE_LIST_BYTES * migratetype;
    }

    /** Offset of {@code free_area[order].free_list[migratetype].prev}. */
    public static long freeListPrev(final int order, final int migratetype) {
        return freeListNext(order, migratetype) + 8;
    }

    /** Offset of {@code free_area[order].nr_free}. */
    public static long nrFree(final int order) {
        return FREE_AREA + FREE_AREA_BYTES * order + FREE_AREA_NR_FREE;
    }

    /** Offset of {@code vm_stat[item]}. */
    public static long vmStat(final int item) {
        return VM_STAT + 8L * item;
    }

    /** Offset of {@code lowmem_reserve[zoneIdx]}. */
    public static long lowmemReserve(final int zoneIdx) {
        return LOWMEM_RESERVE + 8L * zoneIdx;
    }

    private static StructFields fields() {
        final StructFields f = new StructFields(SIZE)
                .array(WATERMARK, 8, "_watermark", "WMARK_MIN", "WMARK_LOW", "WMARK_HIGH", "WMARK_PROMO")
                .field(WATERMARK_BOOST, 8, "watermark_boost")
                .field(NR_RESERVED_HIGHATOMIC, 8, "nr_reserved_highatomic")
                .field(NR_FREE_HIGHATOMIC, 8, "nr_free_highatomic")
                .array(LOWMEM_RESERVE, 8, "lowmem_reserve", "ZONE_DMA", "ZONE_DMA32", "ZONE_NORMAL", "ZONE_MOVABLE",
                        "ZONE_DEVICE")
                .field(NODE, 4, "node")
                .field(ZONE_PGDAT, 8, "zone_pgdat")
                .field(PER_CPU_PAGESET, 8, "per_cpu_pageset")
                .field(PER_CPU_ZONESTATS, 8, "per_cpu_zonestats")
                .field(PAGESET_HIGH_MIN, 4, "pageset_high_min")
                .field(PAGESET_HIGH_MAX, 4, "pageset_high_max")
                .field(PAGESET_BATCH, 4, "pageset_batch");
        for (int order = 0; order < LinuxConfig.NR_PAGE_ORDERS; order++) {
            for (int mt = 0; mt < LinuxConfig.MIGRATE_TYPES; mt++) {
                final String list = "free_area[" + order + "].free_list[" + StatItems.MIGRATETYPES[mt] + "]";
                f.field(freeListNext(order, mt), 8, list + ".next");
                f.field(freeListPrev(order, mt), 8, list + ".prev");
            }
            f.field(nrFree(order), 8, "free_area[" + order + "].nr_free");
        }
        return f.field(UNACCEPTED_PAGES, 16, "unaccepted_pages")
                .field(FLAGS, 8, "flags")
                .field(LOCK, 4, "lock")
                .array(VM_STAT, 8, "vm_stat", StatItems.ZONE_STAT_ITEMS)
                .array(VM_NUMA_EVENT, 8, "vm_numa_event", StatItems.NUMA_EVENTS);
    }
}

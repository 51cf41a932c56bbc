package dev.memu.alloc.linux;

/**
 * {@code struct per_cpu_pages} ({@code include/linux/mmzone.h}, 6.12, {@link LinuxConfig}),
 * {@code ____cacheline_aligned_in_smp}, one per CPU and zone ({@code zone->per_cpu_pageset}).
 * <pre>
 * offset  size  field                                            line
 *   0        4  lock            spinlock_t (pcp_spin_trylock)    0
 *   4        4  count           pages on all lists               0
 *   8        4  high                                             0
 *  12        4  high_min                                         0
 *  16        4  high_max                                         0
 *  20        4  batch                                            0
 *  24        1  flags           PCPF_PREV_FREE_HIGH_ORDER = 1    0
 *  25        1  alloc_factor                                     0
 *  26        1  expire          (CONFIG_NUMA; not modelled)      0
 *  28        2  free_count                                       0
 *  32  16*14    lists[NR_PCP_LISTS] {next, prev}                 0..3
 * 256           sizeof
 * </pre>
 * {@code NR_PCP_LISTS} = MIGRATE_PCPTYPES (3) * (PAGE_ALLOC_COSTLY_ORDER + 1) + NR_PCP_THP (2) = 14;
 * {@code order_to_pindex}: {@code 3 * order + migratetype} up to order 3, then 12 + (movable) for
 * the THP order. So the MOVABLE lists of orders 0, 1, 2, 3 and 9 have their heads at 48 (line 0),
 * 96 (line 1), 144 (line 2), 192 and 240 (line 3). memu stores pfns in the heads (-1: the list is
 * empty, i.e. the head points to itself).
 */
public final class PcpStruct {

    public static final long LOCK = 0;
    public static final long COUNT = 4;
    public static final long HIGH = 8;
    public static final long HIGH_MIN = 12;
    public static final long HIGH_MAX = 16;
    public static final long BATCH = 20;
    public static final long FLAGS = 24;
    public static final long FREE_COUNT = 28;
    public static final long LISTS = 32;
    public static final long LIST_BYTES = 16;
    public static final long SIZE = 256;

    public static final int PAGE_ALLOC_COSTLY_ORDER = 3;
    /** HPAGE_PMD_ORDER with 4 KiB pages. */
    public static final int THP_ORDER = 9;
    public static final int NR_LOWORDER_PCP_LISTS = LinuxConfig.MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);
    public static final int NR_PCP_LISTS = NR_LOWORDER_PCP_LISTS + 2;
    /** {@code pcp->flags} bit set after a high-order free. */
    public static final int PCPF_PREV_FREE_HIGH_ORDER = 1;

    /** The fields above, for labelling ({@code pcp.*}). */
    public static final StructFields FIELDS = fields();

    private PcpStruct() {
    }

    /** {@code order_to_pindex(migratetype, order)}. */
    public static int orderToPindex(final int migratetype, final int order) {
        if (order > PAGE_ALLOC_COSTLY_ORDER) {
            return NR_LOWORDER_PCP_LISTS + (migratetype == LinuxConfig.MIGRATE_MOVABLE ? 1 : 0);
        }
        return LinuxConfig.MIGRATE_PCPTYPES * order + migratetype;
    }

    /** {@code pindex_to_order(pindex)}. */
    public static int pindexToOrder(final int pindex) {
        return pindex >= NR_LOWORDER_PCP_LISTS ? THP_ORDER : pindex / LinuxConfig.MIGRATE_PCPTYPES;
    }

    /** Offset of {@code lists[pindex].next} (the first, hottest entry). */
    public static long listNext(final int pindex) {
        return LISTS + LIST_BYTES * pindex;
    }

    /** Offset of {@code lists[pindex].prev} (the last, coldest entry). */
    public static long listPrev(final int pindex) {
        return listNext(pindex) + 8;
    }

    private static StructFields fields() {
        final StructFields f = new StructFields(SIZE)
                .field(LOCK, 4, "lock")
                .field(COUNT, 4, "count")
                .field(HIGH, 4, "high")
                .field(HIGH_MIN, 4, "high_min")
                .field(HIGH_MAX, 4, "high_max")
                .field(BATCH, 4, "batch")
                .field(FLAGS, 1, "flags")
                .field(FLAGS + 1, 1, "alloc_factor")
                .field(FLAGS + 2, 1, "expire")
                .field(FREE_COUNT, 2, "free_count");
        for (int pindex = 0; pindex < NR_PCP_LISTS; pindex++) {
            final String name = "lists[" + pindex + "] (order " + pindexToOrder(pindex) + ", "
                    + StatItems.MIGRATETYPES[pindex >= NR_LOWORDER_PCP_LISTS ? pindex - NR_LOWORDER_PCP_LISTS
                    : pindex % LinuxConfig.MIGRATE_PCPTYPES] + ")";
            f.field(listNext(pindex), 8, name + ".next");
            f.field(listPrev(pindex), 8, name + ".prev");
        }
        return f;
    }
}

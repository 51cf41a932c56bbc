package dev.memu.alloc.linux;

/** Names of the Linux enums memu's labels print, in their enum order (6.12, {@link LinuxConfig}). */
final class StatItems {

    /** {@code enum zone_stat_item} ({@code include/linux/mmzone.h}). */
    static final String[] ZONE_STAT_ITEMS = {"NR_FREE_PAGES", "NR_ZONE_INACTIVE_ANON", "NR_ZONE_ACTIVE_ANON",
        "NR_ZONE_INACTIVE_FILE", "NR_ZONE_ACTIVE_FILE", "NR_ZONE_UNEVICTABLE", "NR_ZONE_WRITE_PENDING", "NR_MLOCK",
        "NR_BOUNCE", "NR_ZSPAGES", "NR_FREE_CMA_PAGES", "NR_UNACCEPTED"};
    /** {@code enum numa_stat_item}. */
    static final String[] NUMA_EVENTS = {"NUMA_HIT", "NUMA_MISS", "NUMA_FOREIGN", "NUMA_INTERLEAVE_HIT",
        "NUMA_LOCAL", "NUMA_OTHER"};
    /** {@code enum migratetype}. */
    static final String[] MIGRATETYPES = {"MIGRATE_UNMOVABLE", "MIGRATE_MOVABLE", "MIGRATE_RECLAIMABLE",
        "MIGRATE_HIGHATOMIC", "MIGRATE_CMA", "MIGRATE_ISOLATE"};

    private StatItems() {
    }
}

package dev.memu.alloc.linux;

/**
 * {@code struct per_cpu_zonestat} ({@code include/linux/mmzone.h}) for {@link LinuxConfig}: the
 * per-CPU half of the zone counters. {@code __mod_zone_page_state} ({@code mm/vmstat.c}) adds to
 * {@code vm_stat_diff[item]} and folds the sum into {@code zone->vm_stat[item]} once it exceeds
 * {@code stat_threshold}; {@code __count_numa_events} adds to {@code vm_numa_event[item]}, folded only
 * on demand. {@code alloc_percpu} aligns it to 8 bytes only; memu assumes it starts a line (so the
 * 64-byte struct is one line), which is the best case.
 * <pre>
 * offset  size  field
 *   0     12*1  vm_stat_diff[NR_VM_ZONE_STAT_ITEMS]   s8 each
 *  12        1  stat_threshold                        s8
 *  16      6*8  vm_numa_event[NUMA_HIT, NUMA_MISS, NUMA_FOREIGN, NUMA_INTERLEAVE_HIT, NUMA_LOCAL, NUMA_OTHER]
 *  64           sizeof
 * </pre>
 * memu's access layer has no byte accesses: {@code vm_stat_diff[NR_FREE_PAGES]} is read and written
 * as the 2-byte word at 0 (keeping byte 1), {@code stat_threshold} read as the 4-byte word at 12
 * (bytes 13..15 are padding). Same lines.
 */
public final class ZonestatStruct {

    public static final long VM_STAT_DIFF = 0;
    public static final long STAT_THRESHOLD = 12;
    public static final long VM_NUMA_EVENT = 16;
    public static final int NUMA_HIT = 0;
    public static final int NUMA_LOCAL = 4;
    public static final long SIZE = 64;

    /** The fields above, for labelling ({@code per_cpu_zonestats.*}). */
    public static final StructFields FIELDS = new StructFields(SIZE)
            .array(VM_STAT_DIFF, 1, "vm_stat_diff", StatItems.ZONE_STAT_ITEMS)
            .field(STAT_THRESHOLD, 1, "stat_threshold")
            .array(VM_NUMA_EVENT, 8, "vm_numa_event", StatItems.NUMA_EVENTS);

    private ZonestatStruct() {
    }

    /** Offset of {@code vm_numa_event[item]}. */
    public static long numaEvent(final int item) {
        return VM_NUMA_EVENT + 8L * item;
    }

    /**
     * {@code calculate_normal_threshold} ({@code mm/vmstat.c}): {@code 2 * fls(cpus) * (1 + fls(mem))}
     * with {@code mem} the zone's managed memory in 128 MiB units, at most 125.
     */
    public static int statThreshold(final long managedPages, final int pageShift, final int cpus) {
        final long mem = managedPages >>> (27 - pageShift);
        final int threshold = 2 * fls(cpus) * (1 + fls(mem));
        return Math.min(125, threshold);
    }

    private static int fls(final long x) {
        return 64 - Long.numberOfLeadingZeros(x);
    }
}

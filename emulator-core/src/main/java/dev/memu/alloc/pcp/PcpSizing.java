package dev.memu.alloc.pcp;

/**
 * The PCP's {@code batch} and {@code high} as Linux computes them for a zone at boot
 * ({@code mm/page_alloc.c}, Linux 6.12: {@code zone_batchsize}, {@code zone_highsize},
 * {@code calculate_min_free_kbytes}, {@code __setup_per_zone_wmarks}). memu's machine is one node
 * with one zone (ZONE_NORMAL) whose managed pages are all of RAM.
 *
 * <pre>
 * batch = min(managed >> 10, 1 MiB / PAGE_SIZE) / 4, at least 1
 * batch = rounddown_pow_of_two(batch + batch / 2) - 1, at least 1   (2^n - 1: page-colour aliasing)
 *
 * min_free_kbytes = clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144)
 * WMARK_MIN       = min_free_kbytes in pages
 * WMARK_LOW       = WMARK_MIN + max(WMARK_MIN / 4, managed * watermark_scale_factor(10) / 10000)
 *
 * high     = max(WMARK_LOW / nr_cpus, 4 * batch)                 percpu_pagelist_high_fraction = 0 (default)
 * high_max = max(managed / 8 / nr_cpus, 4 * batch)               MIN_PERCPU_PAGELIST_HIGH_FRACTION = 8
 * </pre>
 *
 * Since Linux 6.7 {@code pcp->high} floats between {@code high_min} (the first line) and
 * {@code high_max}, tuned by {@code nr_pcp_high} and {@code decay_pcp_high}; memu keeps it fixed at
 * {@code high_min}, the value a fresh zone starts from, so that runs are reproducible.
 * {@link #highMax} is there for reports.
 */
public final class PcpSizing {

    /** Linux's default {@code watermark_scale_factor}: 0.1 % of the zone between watermarks. */
    static final long WATERMARK_SCALE_FACTOR = 10;
    static final long MIN_PERCPU_PAGELIST_HIGH_FRACTION = 8;

    private PcpSizing() {
    }

    /** {@code zone_batchsize}, with {@code zone_set_pageset_high_and_batch}'s max(1, ...). */
    public static int batch(final long managedPages, final long pageSize) {
        long batch = Math.min(managedPages >> 10, (1L << 20) / pageSize);
        batch /= 4;                       // Linux: "We effectively *= 4 below"
        if (batch < 1) {
            batch = 1;
        }
        batch = Long.highestOneBit(batch + batch / 2) - 1;
        return (int) Math.max(1, batch);
    }

    /** {@code calculate_min_free_kbytes} with lowmem = every managed page. */
    public static long minFreeKbytes(final long managedPages, final long pageSize) {
        final long lowmemKbytes = managedPages * pageSize / 1024;
        return Math.clamp(isqrt(lowmemKbytes * 16), 128, 262144);
    }

    /** The zone's low watermark in pages ({@code low_wmark_pages}). */
    public static long lowWatermark(final long managedPages, final long pageSize) {
        final long min = minFreeKbytes(managedPages, pageSize) * 1024 / pageSize;
        final long tmp = Math.max(min >> 2, managedPages * WATERMARK_SCALE_FACTOR / 10000);
        return min + tmp;
    }

    /** {@code zone_highsize(zone, batch, 0)} with the default {@code percpu_pagelist_high_fraction} of 0. */
    public static int high(final long managedPages, final long pageSize, final int batch, final int cpus) {
        final long high = lowWatermark(managedPages, pageSize) / cpus;
        return (int) Math.min(Integer.MAX_VALUE / 2, Math.max(high, (long) batch << 2));
    }

    /** {@code high_max}: the ceiling Linux's auto-tuning may raise {@code pcp->high} to. */
    public static int highMax(final long managedPages, final int batch, final int cpus) {
        final long high = managedPages / MIN_PERCPU_PAGELIST_HIGH_FRACTION / cpus;
        return (int) Math.min(Integer.MAX_VALUE / 2, Math.max(high, (long) batch << 2));
    }

    private static long isqrt(final long x) {
        long r = (long) Math.sqrt((double) x);
        while (r * r > x) {
            r--;
        }
        while ((r + 1) * (r + 1) <= x) {
            r++;
        }
        return r;
    }
}

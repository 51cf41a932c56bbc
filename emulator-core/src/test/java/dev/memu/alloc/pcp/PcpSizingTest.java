package dev.memu.alloc.pcp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Linux's boot-time batch/high for zones of known sizes (4 KiB pages unless said). */
class PcpSizingTest {

    private static final long PAGE = 4096;

    private static long pages(final long mib) {
        return (mib << 20) / PAGE;
    }

    @Test
    void batchFollowsZoneBatchsize() {
        // min(managed >> 10, 256) / 4, then rounddown_pow_of_two(b + b/2) - 1
        assertEquals(7, PcpSizing.batch(pages(128), PAGE));
        assertEquals(15, PcpSizing.batch(pages(256), PAGE));
        assertEquals(31, PcpSizing.batch(pages(512), PAGE));
        assertEquals(63, PcpSizing.batch(pages(1024), PAGE));
        assertEquals(63, PcpSizing.batch(pages(64 << 10), PAGE), "capped at 1 MiB worth of pages");
        assertEquals(1, PcpSizing.batch(pages(4), PAGE), "zone_set_pageset_high_and_batch keeps at least 1");
        assertEquals(3, PcpSizing.batch(pages(64), PAGE));
    }

    @Test
    void minFreeKbytesIsSqrtOfSixteenTimesLowmemClamped() {
        assertEquals(4096, PcpSizing.minFreeKbytes(pages(1024), PAGE));     // sqrt(1 GiB in KiB * 16)
        assertEquals(16384, PcpSizing.minFreeKbytes(pages(16 << 10), PAGE));
        assertEquals(128, PcpSizing.minFreeKbytes(pages(1), PAGE), "lower clamp");
        assertEquals(131072, PcpSizing.minFreeKbytes(pages(1 << 20), PAGE), "1 TiB is still below the clamp");
        assertEquals(262144, PcpSizing.minFreeKbytes(pages(1 << 24), PAGE), "upper clamp (16 TiB)");
    }

    @Test
    void highIsLowWatermarkSplitOverCpusButAtLeastFourBatches() {
        // 1 GiB: WMARK_MIN 1024 pages, + max(256, 262144 * 10 / 10000 = 262) = 1286
        assertEquals(1286, PcpSizing.lowWatermark(pages(1024), PAGE));
        assertEquals(1286, PcpSizing.high(pages(1024), PAGE, 63, 1));
        assertEquals(643, PcpSizing.high(pages(1024), PAGE, 63, 2));
        assertEquals(252, PcpSizing.high(pages(1024), PAGE, 63, 8), "4 * batch floor");
        assertEquals(pages(1024) / 8 / 2, PcpSizing.highMax(pages(1024), 63, 2));
    }

    @Test
    void otherPageSizesUseBytesNotPages() {
        // 64 KiB pages, 1 GiB: managed 16384, 1 MiB / 64 KiB = 16 caps batch: 16/4 = 4 -> 6 -> 4 - 1 = 3
        assertEquals(3, PcpSizing.batch(16384, 65536));
        assertEquals(4096, PcpSizing.minFreeKbytes(16384, 65536));
    }
}

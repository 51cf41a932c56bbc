package dev.memu.migrate;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Real bytes in emulated pages: a deterministic pattern (what a file's backing store holds, or
 * what a workload wrote) and a checksum, so migration and re-reads can be checked byte for byte.
 * Not a measured path: it reads and writes RAM directly, without the access layer.
 */
public final class PageContents {

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    private PageContents() {
    }

    /** The word at byte {@code 8 * word} of page {@code page} of the object named by {@code key}. */
    public static long pattern(final long key, final long page, final long word) {
        long h = key * 0x9E3779B97F4A7C15L + page * 0xC2B2AE3D27D4EB4FL + word * 0x165667B19E3779F9L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }

    /**
     * Fills {@code pages} pages at {@code pfn} with the pattern of {@code key}, page numbers
     * starting at {@code firstPage} (a file folio's index, so a re-read reproduces the bytes).
     */
    public static void fill(final MemorySegment ram, final int pageShift, final long pfn, final long pages,
                            final long key, final long firstPage) {
        final long words = 1L << (pageShift - 3);
        for (long p = 0; p < pages; p++) {
            final long base = (pfn + p) << pageShift;
            for (long w = 0; w < words; w++) {
                ram.set(WORD, base + 8 * w, pattern(key, firstPage + p, w));
            }
        }
    }

    /** A 64-bit checksum of {@code pages} pages at {@code pfn}. */
    public static long checksum(final MemorySegment ram, final int pageShift, final long pfn, final long pages) {
        final long start = pfn << pageShift;
        final long end = (pfn + pages) << pageShift;
        long h = 0x84222325cbf29ce4L;
        for (long at = start; at < end; at += 8) {
            h = (h ^ ram.get(WORD, at)) * 0x100000001b3L;
            h ^= h >>> 29;
        }
        return h;
    }
}

package dev.memu.host;

/**
 * Bits of {@code /proc/kpageflags}, one u64 per pfn, as {@code include/uapi/linux/kernel-page-flags.h}
 * numbers them (bits 0..26, checked against the header), plus the "kernel hacking" bits 32.. that
 * {@code fs/proc/page.c} copies raw from {@code page->flags}.
 *
 * <p>What the kernel (6.x {@code stable_page_flags}) puts there, where it matters to memu:
 * <ul>
 *   <li>BUDDY is set on <b>every</b> page of a free buddy block, not only its head:
 *       {@code PageBuddy(page) || (page_count(page) == 0 && is_free_buddy_page(page))}
 *       ({@code set_ps_flags} in mm/util.c; {@code stable_page_flags} did the same before page
 *       snapshots). A block's order is therefore not in the file; see {@link HostScanner}.</li>
 *   <li>COMPOUND_HEAD / COMPOUND_TAIL mark a large folio's first and other pages; together they give
 *       its order. Folio-level flags (ANON, LRU, SLAB, PGTABLE, THP, HUGE) read the same on tails.</li>
 *   <li>A pfn without an online memmap reads 0 in 6.x ({@code kpage_read} writes 0 for
 *       {@code pfn_to_online_page() == NULL}); older kernels wrote NOPAGE.</li>
 *   <li>{@code /proc/kpagecount} is the page's mapcount, not its refcount: kernel pages read 0.</li>
 * </ul>
 */
public final class KpageFlags {

    public static final int LOCKED = 0;
    public static final int ERROR = 1;
    public static final int REFERENCED = 2;
    public static final int UPTODATE = 3;
    public static final int DIRTY = 4;
    public static final int LRU = 5;
    public static final int ACTIVE = 6;
    public static final int SLAB = 7;
    public static final int WRITEBACK = 8;
    public static final int RECLAIM = 9;
    public static final int BUDDY = 10;
    public static final int MMAP = 11;
    public static final int ANON = 12;
    public static final int SWAPCACHE = 13;
    public static final int SWAPBACKED = 14;
    public static final int COMPOUND_HEAD = 15;
    public static final int COMPOUND_TAIL = 16;
    public static final int HUGE = 17;
    public static final int UNEVICTABLE = 18;
    public static final int HWPOISON = 19;
    public static final int NOPAGE = 20;
    public static final int KSM = 21;
    public static final int THP = 22;
    public static final int OFFLINE = 23;
    public static final int ZERO_PAGE = 24;
    public static final int IDLE = 25;
    public static final int PGTABLE = 26;
    /** Kernel-hacking bits (not ABI-stable, but exported): PG_reserved. */
    public static final int RESERVED = 32;

    private KpageFlags() {
    }

    public static boolean has(final long flags, final int bit) {
        return (flags & (1L << bit)) != 0;
    }

    public static long bit(final int bit) {
        return 1L << bit;
    }
}

package dev.memu.access;

/**
 * What a word of off-heap memory is for. Every access names its region so that the counting
 * access layer can say which structure an operation's cachelines went to, and so that the
 * machine can account bytes per page region by region.
 */
public enum Region {
    /** The per-pfn descriptor array (Linux vmemmap). */
    MEMMAP("memmap"),
    /** Allocator-private metadata: free-list heads, bitfields, counters, PCP lists. */
    ALLOCATOR("allocator"),
    /** Typed descriptors (folio, slab, ptdesc, ...) allocated apart from the memmap. */
    MEMDESC("memdesc"),
    /** pfn to descriptor lookup structures (radix table, B-tree) for per-allocation layouts. */
    LOOKUP("lookup"),
    /** The emulated RAM itself: page contents, and free-list links kept inside free pages. */
    PAGE_DATA("pageData");

    private static final Region[] VALUES = values();

    private final String key;

    Region(final String key) {
        this.key = key;
    }

    /** Name used in JSON and CSV output. */
    public String key() {
        return key;
    }

    /** Number of regions, for arrays indexed by {@link #ordinal()}. */
    public static int count() {
        return VALUES.length;
    }

    public static Region of(final int ordinal) {
        return VALUES[ordinal];
    }
}

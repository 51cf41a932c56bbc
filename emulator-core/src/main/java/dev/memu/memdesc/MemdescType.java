package dev.memu.memdesc;

/**
 * Type tags of the memdesc plan: the low 4 bits of a tagged allocatee pointer.
 *
 * <p>Pinned to the current revision of the kernelnewbies page MatthewWilcox/Memdescs (the
 * revision that puts free/buddy at 5 and page tables at 9; an older revision numbered them
 * differently). Tags 8 and 12..15 are unassigned there; memu assigns 12 to zone-device pages and
 * 13 to offline pages and says so, so that no tag means two things.
 */
public enum MemdescType {
    /** 0: no descriptor: reserved, guard, or never handed out. */
    NONE(0, "none"),
    FILE_FOLIO(1, "file"),
    ANON_FOLIO(2, "anon"),
    KSM(3, "ksm"),
    SLAB(4, "slab"),
    /** 5: a free block of the buddy allocator; the order travels with it. */
    FREE(5, "free"),
    MOVABLE(6, "movable"),
    /** 7: vmalloc-mappable: many non-contiguous pages share one descriptor. */
    VMALLOC(7, "vmalloc"),
    /** 9: page table (ptdesc). */
    PAGE_TABLE(9, "pagetable"),
    NETPOOL(10, "netpool"),
    HWPOISON(11, "hwpoison"),
    /** memu's own assignment of an unassigned tag. */
    ZONE_DEVICE(12, "zonedevice"),
    /** memu's own assignment of an unassigned tag. */
    OFFLINE(13, "offline");

    public static final int TAG_BITS = 4;
    public static final long TAG_MASK = (1L << TAG_BITS) - 1;

    private static final MemdescType[] BY_TAG = new MemdescType[16];

    static {
        for (final MemdescType t : values()) {
            BY_TAG[t.tag] = t;
        }
    }

    private final int tag;
    private final String key;

    MemdescType(final int tag, final String key) {
        this.tag = tag;
        this.key = key;
    }

    public int tag() {
        return tag;
    }

    /** Short name for output and command-line options. */
    public String key() {
        return key;
    }

    /** The type a tag names, or null for an unassigned tag. */
    public static MemdescType ofTag(final int tag) {
        return BY_TAG[tag & (int) TAG_MASK];
    }

    public static MemdescType ofKey(final String key) {
        for (final MemdescType t : values()) {
            if (t.key.equals(key)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown memdesc type '" + key + "'");
    }
}

package dev.memu.memdesc;

/**
 * Type tags of the memdesc plan: the low 4 bits of a tagged allocatee pointer.
 *
 * <p><b>Pinned revision:</b> the type table of the kernelnewbies page MatthewWilcox/Memdescs in
 * its revision headed "For 2025" (as read into the project's ANCHORS.md, November 2026). An
 * earlier revision (0 none, 1 file, 2 anon, 3 ksm, 4 slab, 5 free, 6 movable, 7 vmalloc, 9 page
 * table, 10 netpool, 11 hwpoison) is superseded; memu followed it until December 2026. Nothing
 * of the two is mixed here.
 * <pre>
 * tag  revision "For 2025"  memu type          notes
 *   0  Misc                 NONE, VMALLOC,     Misc stores what it needs in the word itself: subtype
 *                           OFFLINE, PCP_HELD  in bits 4..10, order in bits 12..17. The revision names
 *                                              vmalloc, guard and offline as subtypes; memu numbers them
 *                                              (1 vmalloc, 2 guard, 3 offline) and adds 4 "held on a
 *                                              per-CPU list". A word of 0 is no owner at all.
 *   1  Buddy                FREE               a free block; the order travels with it
 *   2  File                 FILE_FOLIO
 *   3  Anon                 ANON_FOLIO
 *   4  KSM                  KSM
 *   5  Slab                 SLAB
 *   6  Bump                 -                  no memu user
 *   7  Movable              MOVABLE
 *   8  ptdesc               PAGE_TABLE
 *   9  HWPoison             HWPOISON
 *  10  PerCPU               -                  no memu user
 *  11  acctmem              -                  no memu user
 *  12  ZPDesc               -                  no memu user
 *  13  Managed              -                  no memu user
 *  14  (unassigned)         NETPOOL            memu's assignment: the revision names no netpool type
 *  15  (unassigned)         ZONE_DEVICE        memu's assignment: the revision names no ZONE_DEVICE type
 * </pre>
 *
 * <p><b>Where memu departs:</b> the revision's vmalloc memdesc carries no pointer. memu's
 * kernel-mix gives a vmalloc area one descriptor ({@link VmallocDesc}, with its pfn array) so that
 * memory failure can name the area a bare pfn belongs to; such an allocatee is a Misc word whose
 * payload is that descriptor's address (16-byte aligned, never below 4096, so it cannot be mistaken
 * for a subtype word). A bare vmalloc mark (no descriptor) is the subtype word.
 */
public enum MemdescType {
    /** Misc with nothing in it: no owner (reserved, guard, or never handed out). */
    NONE(0, 0, "none"),
    FREE(1, 0, "free"),
    FILE_FOLIO(2, 0, "file"),
    ANON_FOLIO(3, 0, "anon"),
    KSM(4, 0, "ksm"),
    SLAB(5, 0, "slab"),
    MOVABLE(7, 0, "movable"),
    /** ptdesc. */
    PAGE_TABLE(8, 0, "pagetable"),
    HWPOISON(9, 0, "hwpoison"),
    /** memu's assignment of an unassigned tag. */
    NETPOOL(14, 0, "netpool"),
    /** memu's assignment of an unassigned tag. */
    ZONE_DEVICE(15, 0, "zonedevice"),
    /** Misc subtype 1: vmalloc-mappable, many non-contiguous pages share one owner. */
    VMALLOC(0, 1, "vmalloc"),
    /** Misc subtype 3: offline, reserved or isolated pages. */
    OFFLINE(0, 3, "offline"),
    /** Misc subtype 4 (memu's): a block held on a per-CPU list, allocated as far as the backend knows. */
    PCP_HELD(0, 4, "pcp");

    /** The revision the tags follow, shown by {@code memu layouts}. */
    public static final String REVISION = "kernelnewbies MatthewWilcox/Memdescs, type table \"For 2025\"";

    public static final int TAG_BITS = 4;
    public static final long TAG_MASK = (1L << TAG_BITS) - 1;
    /** Misc words: subtype in bits 4..10. */
    public static final int MISC_SUBTYPE_SHIFT = 4;
    public static final long MISC_SUBTYPE_MASK = 0x7f;
    /** A Misc word with no bit above 11 is a subtype word; anything above is a descriptor address. */
    public static final long MISC_WORD_BITS = 0xfffL;

    private static final MemdescType[] BY_TAG = new MemdescType[16];
    private static final MemdescType[] BY_SUBTYPE = new MemdescType[(int) MISC_SUBTYPE_MASK + 1];

    static {
        for (final MemdescType t : values()) {
            if (t.tag != 0 || t.subtype == 0) {
                BY_TAG[t.tag] = t;
            }
            if (t.tag == 0) {
                BY_SUBTYPE[t.subtype] = t;
            }
        }
    }

    private final int tag;
    private final int subtype;
    private final String key;

    MemdescType(final int tag, final int subtype, final String key) {
        this.tag = tag;
        this.subtype = subtype;
        this.key = key;
    }

    public int tag() {
        return tag;
    }

    /** Misc subtype (bits 4..10 of a Misc word), 0 for the types with a tag of their own. */
    public int miscSubtype() {
        return subtype;
    }

    /** True for the types that live under the Misc tag (0). */
    public boolean isMisc() {
        return tag == 0 && subtype != 0;
    }

    /** Short name for output and command-line options. */
    public String key() {
        return key;
    }

    /**
     * The type a tag names on its own, or null for a tag memu does not use. Tag 0 gives {@link #NONE}:
     * telling Misc subtypes apart needs the whole word, {@link Allocatee#type(long)}.
     */
    public static MemdescType ofTag(final int tag) {
        return BY_TAG[tag & (int) TAG_MASK];
    }

    /** The Misc type with this subtype, or null. */
    public static MemdescType ofMiscSubtype(final int subtype) {
        return BY_SUBTYPE[subtype & (int) MISC_SUBTYPE_MASK];
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

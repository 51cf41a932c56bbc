package dev.memu.lookup;

import dev.memu.access.Access;
import dev.memu.access.FieldLabeler;
import dev.memu.access.Region;
import dev.memu.machine.Machine;
import dev.memu.memdesc.MemdescHeap;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A two-level radix table: a flat directory with one entry per 2^9-page region, and 4 KiB leaves
 * of 512 eight-byte slots, one per pfn, created on first use and freed when they empty.
 *
 * <p>A range of order 9 or more is stored in the directory entries it covers, so huge pages and
 * large free blocks need no leaf (XArray's multi-order entries at a higher level). A smaller range
 * fills its 2^order slots of the leaf (as XArray's sibling entries fill theirs), so a lookup is
 * always directory + at most one slot: two cachelines, whatever the order.
 *
 * <pre>
 * directory entry (8 bytes, region LOOKUP, one per 512 pages, mapped up front):
 *   0                         empty region
 *   bits 0..1 = 0b10          leaf: bits 12..63 leaf address, bits 2..11 slots in use (0..512)
 *   otherwise                 a value covering the whole region (range of order &gt;= 9)
 * leaf (4096 bytes, from a LOOKUP heap of its own): slot i = value for pfn (region &lt;&lt; 9) + i, or 0
 * </pre>
 * Values must not have bits 0..1 equal to 0b10 (16-byte aligned pointers and memdesc free tags
 * do not).
 */
public final class RadixLookup implements PfnLookup, FieldLabeler {

    public static final int LEAF_SHIFT = 9;
    public static final int LEAF_SLOTS = 1 << LEAF_SHIFT;
    public static final int LEAF_BYTES = LEAF_SLOTS * 8;

    static final long LEAF_TAG = 0b10;
    static final long LEAF_TAG_MASK = 0b11;
    static final int COUNT_SHIFT = 2;
    static final long COUNT_MASK = 0x3ff;
    static final long ADDRESS_MASK = ~0xfffL;

    private final Access access;
    private final MemdescHeap leaves;
    private final MemorySegment leafSeg;
    private final MemorySegment dir;
    private final long regions;

    public RadixLookup(final Machine machine, final Access access, final MemdescHeap leaves) {
        this.access = access;
        this.leaves = leaves;
        this.leafSeg = leaves.segment();
        this.regions = (machine.pages() + LEAF_SLOTS - 1) >>> LEAF_SHIFT;
        this.dir = machine.allocate(Region.LOOKUP, regions * 8);
    }

    @Override
    public String name() {
        return "radix";
    }

    private static long dirAt(final long pfn) {
        return (pfn >>> LEAF_SHIFT) * 8;
    }

    private static boolean isLeaf(final long entry) {
        return (entry & LEAF_TAG_MASK) == LEAF_TAG;
    }

    @Override
    public long load(final long pfn) {
        final long entry = access.getLong(Region.LOOKUP, dir, dirAt(pfn));
        if (!isLeaf(entry)) {
            return entry;
        }
        return access.getLong(Region.LOOKUP, leafSeg,
                leaves.offset(entry & ADDRESS_MASK) + (pfn & (LEAF_SLOTS - 1)) * 8);
    }

    @Override
    public void store(final long pfn, final int order, final long value) {
        fill(pfn, order, value, 1L << order);
    }

    @Override
    public void erase(final long pfn, final int order) {
        fill(pfn, order, 0, 1L << order);
    }

    @Override
    public void storeHead(final long pfn, final int order, final long value) {
        fill(pfn, order, value, 1);
    }

    @Override
    public void eraseHead(final long pfn, final int order) {
        fill(pfn, order, 0, 1);
    }

    /** Writes {@code value} to the directory entries of a large range, or to {@code slots} leaf slots. */
    private void fill(final long pfn, final int order, final long value, final long slots) {
        if (order >= LEAF_SHIFT) {
            final long regionsCovered = 1L << (order - LEAF_SHIFT);
            for (long r = 0; r < regionsCovered; r++) {
                final long at = dirAt(pfn) + r * 8;
                if (isLeaf(access.getLong(Region.LOOKUP, dir, at))) {
                    throw new IllegalStateException("radix: order-" + order + " range at pfn 0x"
                            + Long.toHexString(pfn) + " overlaps a leaf still in use");
                }
                access.setLong(Region.LOOKUP, dir, at, value);
            }
            return;
        }
        final long dAt = dirAt(pfn);
        long entry = access.getLong(Region.LOOKUP, dir, dAt);
        if (!isLeaf(entry)) {
            if (value == 0) {
                return;                              // nothing stored in this region's slots
            }
            if (entry != 0) {
                throw new IllegalStateException("radix: range at pfn 0x" + Long.toHexString(pfn)
                        + " overlaps a region-wide entry");
            }
            entry = leaves.alloc(LEAF_BYTES) | LEAF_TAG;   // zeroed leaf, count 0
        }
        final long slot0 = leaves.offset(entry & ADDRESS_MASK) + (pfn & (LEAF_SLOTS - 1)) * 8;
        // Below a leaf's width (order < LEAF_SHIFT), so at most LEAF_SLOTS slots: an int-counted
        // loop per direction, with the count's change a sum and no branch. (One long-counted loop
        // with both directions' branches made C2 recompile it again and again under the clock:
        // profile_predicate traps at its back-edge, seen with -Xlog:deoptimization in compare.)
        final int n = (int) slots;
        long taken = 0;
        if (value != 0) {
            for (int i = 0; i < n; i++) {
                final long at = slot0 + i * 8L;
                taken += access.getLong(Region.LOOKUP, leafSeg, at) == 0 ? 1 : 0;
                access.setLong(Region.LOOKUP, leafSeg, at, value);
            }
        } else {
            for (int i = 0; i < n; i++) {
                final long at = slot0 + i * 8L;
                taken -= access.getLong(Region.LOOKUP, leafSeg, at) != 0 ? 1 : 0;
                access.setLong(Region.LOOKUP, leafSeg, at, 0);
            }
        }
        final long count = ((entry >>> COUNT_SHIFT) & COUNT_MASK) + taken;
        if (count == 0) {
            leaves.free(entry & ADDRESS_MASK, LEAF_BYTES);
            access.setLong(Region.LOOKUP, dir, dAt, 0);
        } else {
            access.setLong(Region.LOOKUP, dir, dAt, (entry & ~(COUNT_MASK << COUNT_SHIFT)) | (count << COUNT_SHIFT));
        }
    }

    @Override
    public long bytes() {
        return regions * 8 + leaves.liveBytes();
    }

    /**
     * {@code radix.dir[pfn 0x200..0x3ff]} for a directory entry, {@code radix.leaf@0x1000.slot[0x1f]}
     * for a leaf slot (the leaf named by its offset in the leaf heap), then the leaf heap's own words.
     */
    @Override
    public void labelFields(final MemorySegment segment, final long offset, final long bytes,
                            final List<String> out) {
        final long end = offset + Math.max(bytes, 1);
        if (segment.address() == dir.address()) {
            for (long e = offset & -8L; e < end; e += 8) {
                final long first = (e / 8) << LEAF_SHIFT;
                out.add("radix.dir[pfn 0x" + Long.toHexString(first) + "..0x" + Long.toHexString(first + LEAF_SLOTS - 1) + "]");
            }
        } else if (segment.address() == leafSeg.address()) {
            leaves.labelFields(segment, offset, bytes, out);
            for (long slot = offset & -8L; slot < end; slot += 8) {
                final long leaf = slot & -(long) LEAF_BYTES;
                out.add("radix.leaf@0x" + Long.toHexString(leaf) + ".slot[0x" + Long.toHexString((slot - leaf) / 8) + "]");
            }
        }
    }
}

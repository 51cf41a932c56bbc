package dev.memu.layout;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.lookup.BTreeLookup;
import dev.memu.lookup.PfnLookup;
import dev.memu.lookup.RadixLookup;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.MemdescType;

import dev.memu.access.FieldLabeler;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * No per-page array: 16 bytes per allocation (pointer + size), found from a pfn through a lookup
 * structure. Two lookups, two layout names: {@code peralloc16-radix} ({@link RadixLookup}, a
 * two-level radix table) and {@code peralloc16-btree} ({@link BTreeLookup}, a B+tree of ranges).
 *
 * <pre>
 * allocation record (16 bytes, LOOKUP heap, one per live allocation)
 *   +0  8  allocatee: tagged memdesc pointer
 *   +8  8  bits 0..51 first pfn, bits 52..57 order      (the "size")
 * lookup value for a pfn
 *   record address (16-byte aligned, bits 0..3 = 0)     every pfn of an allocation
 *   free mark: bits 0..3 = 5 (free tag), bits 4..9 order the head of a free block (radix: only the
 *                                                        head slot; btree: one range entry)
 * free block head, in the free page itself (page data)
 *   +0  8  next free pfn        +8  8  previous free pfn
 * </pre>
 *
 * <h2>How the buddy's "is pfn X the head of a free block of order o" is answered</h2>
 * The free-block mark lives in the same lookup as the allocations: {@code setFree} stores a free
 * mark for the head, {@code freeOrder(x)} loads the value for x and accepts it only if it is a
 * free mark and x is aligned to its order (a btree load of a non-head pfn inside a free range
 * returns the mark too; the alignment test rejects it). This costs a lookup update on every
 * split and merge (radix: directory + one slot; btree: a descent), but it is exact: nothing in the
 * free page has to be trusted. The alternative, a magic + order header in the free page's data
 * confirmed by "the lookup says not allocated", is one page-data line cheaper per merge check but
 * cannot tell a stale header left in a non-head page of a larger free block from a real one
 * without erasing headers on every merge, and trusts bytes a user of the page could have written;
 * so memu keeps the marks in the lookup and the links (which only list walks read) in page data.
 *
 * <h2>Threads</h2>
 * The lookup is not lock-free: every method holds this memmap's monitor (the maple tree takes a
 * spinlock for writers too; readers there use RCU, which memu does not model).
 */
public final class Peralloc16Layout extends Layout {

    /** Which lookup structure maps pfns to allocations. */
    public enum Kind { RADIX, BTREE }

    static final int RECORD_BYTES = 16;
    static final long REC_ALLOCATEE = 0;
    static final long REC_SIZE = 8;
    static final long PFN_MASK = (1L << 52) - 1;
    static final int ORDER_SHIFT = 52;
    static final long FREE_TAG = MemdescType.FREE.tag();
    static final int MARK_ORDER_SHIFT = 4;
    static final long MARK_ORDER_MASK = 0x3f;
    static final long LINK_NEXT = 0;
    static final long LINK_PREV = 8;

    /** The record's fields of {@link #fields()}, named relative to the record. */
    private static final List<LayoutField> RECORD_FIELDS = recordFields();

    private final Kind kind;

    public Peralloc16Layout(final Kind kind) {
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public String name() {
        return kind == Kind.RADIX ? "peralloc16-radix" : "peralloc16-btree";
    }

    @Override
    public String summary() {
        return "no memmap: 16 B per allocation, pfn lookup through a "
                + (kind == Kind.RADIX ? "two-level radix table" : "B+tree of ranges");
    }

    @Override
    public int bytesPerPage() {
        return 0;
    }

    @Override
    public int maxFreeOrder() {
        return (int) MARK_ORDER_MASK;
    }

    @Override
    public List<LayoutField> fields() {
        return List.of(
                LayoutField.word("record.allocatee", 0, "per allocation: tagged memdesc pointer"),
                LayoutField.bits("record.pfn", 8, 0, 52, "per allocation: first pfn"),
                LayoutField.bits("record.order", 8, 52, 6, "per allocation: order (the size)"),
                LayoutField.bits("lookup.freeTag", 0, 0, 4, "lookup value of a free head: tag 5"),
                LayoutField.bits("lookup.freeOrder", 0, 4, 6, "lookup value of a free head: order"));
    }

    @Override
    public List<LayoutField> pageDataFields() {
        return List.of(
                LayoutField.word("data.next", (int) LINK_NEXT, "free head: next free pfn"),
                LayoutField.word("data.prev", (int) LINK_PREV, "free head: previous free pfn"));
    }

    private static List<LayoutField> recordFields() {
        final List<LayoutField> out = new ArrayList<>();
        for (final LayoutField f : new Peralloc16Layout(Kind.RADIX).fields()) {
            if (f.name().startsWith("record.")) {
                out.add(new LayoutField(f.name().substring("record.".length()), f.byteOffset(), f.bitOffset(),
                        f.bitWidth(), f.meaning()));
            }
        }
        return List.copyOf(out);
    }

    @Override
    public Memmap bind(final Machine machine, final Access access) {
        return new Map(this, machine, access);
    }

    /** The peralloc16 memmap: allocation records plus a {@link PfnLookup}. */
    public static final class Map extends Memmap {
        private final MemdescHeap records;
        private final MemorySegment recSeg;
        private final PfnLookup lookup;
        private final MemorySegment ram;
        private final int pageShift;

        Map(final Peralloc16Layout layout, final Machine machine, final Access access) {
            super(layout, machine, access);
            final long pages = machine.pages();
            this.records = new MemdescHeap(machine, access, Region.LOOKUP, pages * RECORD_BYTES + (1L << 20),
                    new int[] {RECORD_BYTES});
            this.recSeg = records.segment();
            if (layout.kind == Kind.RADIX) {
                final MemdescHeap leaves = new MemdescHeap(machine, access, Region.LOOKUP,
                        ((pages >>> RadixLookup.LEAF_SHIFT) + 1) * RadixLookup.LEAF_BYTES + MemdescHeap.CHUNK_BYTES,
                        new int[] {RadixLookup.LEAF_BYTES});
                this.lookup = new RadixLookup(machine, access, leaves);
            } else {
                final MemdescHeap nodes = new MemdescHeap(machine, access, Region.LOOKUP,
                        pages * 48 + (1L << 20), new int[] {BTreeLookup.NODE_BYTES});
                this.lookup = new BTreeLookup(access, nodes);
            }
            this.ram = machine.ram();
            this.pageShift = machine.pageShift();
        }

        public PfnLookup lookup() {
            return lookup;
        }

        /** Bytes of live allocation records (16 per allocation). */
        public long recordBytes() {
            return records.liveBytes();
        }

        @Override
        public Region linkRegion() {
            return Region.PAGE_DATA;
        }

        /**
         * {@code record@0x40.allocatee} for the allocation records (offset in the records heap),
         * then the lookup's and the records heap's own labels, then page data.
         */
        @Override
        public void labelFields(final MemorySegment segment, final long offset, final long bytes,
                                final List<String> out) {
            if (same(segment, recSeg)) {
                final long end = offset + Math.max(bytes, 1);
                for (long rec = offset & -RECORD_BYTES; rec < end; rec += RECORD_BYTES) {
                    labelEntry("record@0x" + Long.toHexString(rec) + ".", RECORD_FIELDS,
                            Math.max(offset, rec) - rec, Math.min(end, rec + RECORD_BYTES) - rec, out);
                }
                records.labelFields(segment, offset, bytes, out);
                return;
            }
            if (lookup instanceof FieldLabeler labeler) {
                labeler.labelFields(segment, offset, bytes, out);
            }
            super.labelFields(segment, offset, bytes, out);
        }

        private static long mark(final int order) {
            return FREE_TAG | ((long) order << MARK_ORDER_SHIFT);
        }

        private static boolean isMark(final long v) {
            return (v & MemdescType.TAG_MASK) == FREE_TAG;
        }

        private static int markOrder(final long v) {
            return (int) ((v >>> MARK_ORDER_SHIFT) & MARK_ORDER_MASK);
        }

        @Override
        public synchronized void setFree(final long pfn, final int order) {
            lookup.storeHead(pfn, order, mark(order));
        }

        @Override
        public synchronized void clearFree(final long pfn) {
            final long v = lookup.load(pfn);
            if (isMark(v) && (pfn & ((1L << markOrder(v)) - 1)) == 0) {
                lookup.eraseHead(pfn, markOrder(v));
            }
        }

        @Override
        public synchronized int freeOrder(final long pfn) {
            final long v = lookup.load(pfn);
            if (!isMark(v)) {
                return -1;
            }
            final int order = markOrder(v);
            return (pfn & ((1L << order) - 1)) == 0 ? order : -1;
        }

        @Override
        public long nextFree(final long pfn) {
            return access.getLong(Region.PAGE_DATA, ram, (pfn << pageShift) + LINK_NEXT);
        }

        @Override
        public void setNextFree(final long pfn, final long next) {
            access.setLong(Region.PAGE_DATA, ram, (pfn << pageShift) + LINK_NEXT, next);
        }

        @Override
        public long prevFree(final long pfn) {
            return access.getLong(Region.PAGE_DATA, ram, (pfn << pageShift) + LINK_PREV);
        }

        @Override
        public void setPrevFree(final long pfn, final long prev) {
            access.setLong(Region.PAGE_DATA, ram, (pfn << pageShift) + LINK_PREV, prev);
        }

        @Override
        public synchronized void setAllocated(final long pfn, final int order, final long allocatee) {
            final long rec = records.alloc(RECORD_BYTES);
            final long off = records.offset(rec);
            access.setLong(Region.LOOKUP, recSeg, off + REC_ALLOCATEE, allocatee);
            access.setLong(Region.LOOKUP, recSeg, off + REC_SIZE, pfn | ((long) order << ORDER_SHIFT));
            lookup.store(pfn, order, rec);
        }

        @Override
        public synchronized void clearAllocated(final long pfn, final int order) {
            final long rec = lookup.load(pfn);
            if (rec == 0 || isMark(rec)) {
                return;
            }
            lookup.erase(pfn, order);
            records.free(rec, RECORD_BYTES);
        }

        @Override
        public synchronized int allocatedOrder(final long pfn) {
            final long v = lookup.load(pfn);
            if (v == 0 || isMark(v)) {
                return -1;
            }
            final long size = access.getLong(Region.LOOKUP, recSeg, records.offset(v) + REC_SIZE);
            return (size & PFN_MASK) == pfn ? (int) (size >>> ORDER_SHIFT) : -1;
        }

        @Override
        public synchronized long allocatee(final long pfn) {
            final long v = lookup.load(pfn);
            if (v == 0 || isMark(v)) {
                return Allocatee.NONE;
            }
            return access.getLong(Region.LOOKUP, recSeg, records.offset(v) + REC_ALLOCATEE);
        }
    }
}

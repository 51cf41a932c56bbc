package dev.memu.memdesc;

import dev.memu.access.Access;
import dev.memu.access.Region;

import java.lang.foreign.MemorySegment;

/**
 * Creates, reads and frees typed descriptors in a {@link MemdescHeap}. Descriptors are named by
 * their tagged allocatee pointer (type tag in bits 0..3, address in bits 4..51), which is what
 * allocators record in the memmap; this class turns such a pointer back into fields.
 *
 * <p>Each type's field table lives in its own class ({@link FolioDesc}, {@link SlabDesc}, {@link
 * PtDesc}, {@link NetpoolDesc}, {@link ZoneDeviceDesc}, {@link VmallocDesc}); all share the
 * {@link MemdescHeader} words, so {@link #pfn} and {@link #order} work for any type. Hwpoison and
 * offline/reserved pages are bare tags: {@link #bare} returns a pointer with no descriptor.
 *
 * <p>Placement protocol: create the descriptor, pass its allocatee to {@code alloc}, then record
 * the pfn the allocator returned with {@link #setPfn} (vmalloc: {@link #setPage} per page).
 */
public final class Memdescs {

    private final MemdescHeap heap;
    private final Access access;
    private final Region region;
    private final MemorySegment seg;
    private final int folioBytes;

    /** Descriptors as the kernel-mix, failure and migration runs use them: folios without mapcount slots. */
    public Memdescs(final MemdescHeap heap) {
        this(heap, FolioDesc.BYTES);
    }

    /** For the mm layer: folios carry every mapcount scheme's slot ({@link FolioDesc#BYTES_WITH_MAPCOUNT_SLOTS}). */
    public static Memdescs withMapcountSlots(final MemdescHeap heap) {
        return new Memdescs(heap, FolioDesc.BYTES_WITH_MAPCOUNT_SLOTS);
    }

    private Memdescs(final MemdescHeap heap, final int folioBytes) {
        this.folioBytes = folioBytes;
        this.heap = heap;
        this.access = heap.access();
        this.region = heap.region();
        this.seg = heap.segment();
    }

    public MemdescHeap heap() {
        return heap;
    }

    /** True when folios have room for the mapcount schemes' state ({@link #withMapcountSlots}). */
    public boolean hasMapcountSlots() {
        return folioBytes >= FolioDesc.BYTES_WITH_MAPCOUNT_SLOTS;
    }

    /**
     * True when the allocatee points into this heap: its descriptor can be read. Workloads that
     * pass made-up pointers (no descriptors) get false.
     */
    public boolean hasDescriptor(final long allocatee) {
        final long address = Allocatee.descriptor(allocatee);
        return address != 0 && heap.contains(address);
    }

    /** A bare tag, no descriptor: hwpoison, offline/reserved. */
    public static long bare(final MemdescType type) {
        return Allocatee.of(type, 0);
    }

    /** Bytes of the descriptor of {@code type} (0 for bare tags). */
    public int bytes(final MemdescType type) {
        return switch (type) {
            case FILE_FOLIO, ANON_FOLIO, KSM, MOVABLE -> folioBytes;
            case SLAB -> SlabDesc.BYTES;
            case PAGE_TABLE -> PtDesc.BYTES;
            case NETPOOL -> NetpoolDesc.BYTES;
            case ZONE_DEVICE -> ZoneDeviceDesc.BYTES;
            case VMALLOC -> VmallocDesc.BYTES;
            default -> 0;
        };
    }

    private long create(final MemdescType type, final int order) {
        final long address = heap.alloc(bytes(type));
        final long off = heap.offset(address);
        access.setLong(region, seg, off + MemdescHeader.MISC, MemdescHeader.misc(type, order));
        access.setLong(region, seg, off + MemdescHeader.PFN, MemdescHeader.NO_PFN);
        return Allocatee.of(type, address);
    }

    /** A file (page cache) or anonymous folio of 2^order pages. */
    public long newFolio(final MemdescType type, final int order, final long mapping, final long index) {
        if (type != MemdescType.FILE_FOLIO && type != MemdescType.ANON_FOLIO) {
            throw new IllegalArgumentException("a folio is file or anon, not " + type);
        }
        final long a = create(type, order);
        final long off = off(a);
        final long flags = MemdescHeader.PG_UPTODATE | MemdescHeader.PG_LRU
                | (type == MemdescType.ANON_FOLIO ? MemdescHeader.USER_MAPPABLE : 0);
        orFlags(a, flags);
        access.setLong(region, seg, off + FolioDesc.MAPPING,
                type == MemdescType.ANON_FOLIO ? mapping | FolioDesc.PAGE_MAPPING_ANON : mapping);
        access.setLong(region, seg, off + FolioDesc.INDEX, index);
        access.setInt(region, seg, off + FolioDesc.MAPCOUNT, -1);
        access.setInt(region, seg, off + FolioDesc.REFCOUNT, 1);
        access.setInt(region, seg, off + FolioDesc.ORDER, order);   // byte + pad, written as one int
        access.setLong(region, seg, off + FolioDesc.NR_PAGES, 1L << order);
        return a;
    }

    /** A slab of 2^order pages cut into objects of {@code objectSize} bytes. */
    public long newSlab(final int order, final long cache, final int objectSize, final long pageSize) {
        final long a = create(MemdescType.SLAB, order);
        final long off = off(a);
        final int objects = (int) Math.min(SlabDesc.OBJECTS_MASK, (pageSize << order) / objectSize);
        access.setLong(region, seg, off + SlabDesc.SLAB_CACHE, cache);
        access.setLong(region, seg, off + SlabDesc.FREELIST, 0);
        access.setLong(region, seg, off + SlabDesc.COUNTERS, SlabDesc.counters(0, objects));
        access.setInt(region, seg, off + SlabDesc.OBJECT_SIZE, objectSize);
        access.setInt(region, seg, off + SlabDesc.REFCOUNT, 1);
        return a;
    }

    /** A page-table page at {@code level} (1 = PTE) of {@code mm}. */
    public long newPageTable(final int level, final long mm) {
        final long a = create(MemdescType.PAGE_TABLE, 0);
        final long off = off(a);
        access.setLong(region, seg, off + PtDesc.PT_MM, mm);
        access.setInt(region, seg, off + PtDesc.PT_LEVEL, level);
        return a;
    }

    /** A page-pool block of 2^order pages. */
    public long newNetpool(final int order, final long pool) {
        final long a = create(MemdescType.NETPOOL, order);
        final long off = off(a);
        access.setLong(region, seg, off + NetpoolDesc.PP_MAGIC, NetpoolDesc.PP_SIGNATURE);
        access.setLong(region, seg, off + NetpoolDesc.PP, pool);
        access.setLong(region, seg, off + NetpoolDesc.PP_REF_COUNT, 1);
        return a;
    }

    /** A ZONE_DEVICE block of 2^order pages of {@code pgmap}. */
    public long newZoneDevice(final int order, final long pgmap) {
        final long a = create(MemdescType.ZONE_DEVICE, order);
        final long off = off(a);
        access.setLong(region, seg, off + ZoneDeviceDesc.PGMAP, pgmap);
        access.setInt(region, seg, off + ZoneDeviceDesc.REFCOUNT, 1);
        return a;
    }

    /** A vmalloc area of {@code nrPages} order-0 pages at virtual {@code addr}; pfns start as -1. */
    public long newVmalloc(final int nrPages, final long addr, final long pageSize) {
        if (nrPages < 1 || nrPages > VmallocDesc.MAX_PAGES) {
            throw new IllegalArgumentException("vmalloc area of " + nrPages + " pages is outside 1.."
                    + VmallocDesc.MAX_PAGES);
        }
        final long a = create(MemdescType.VMALLOC, 0);
        final long off = off(a);
        final long pages = heap.alloc(nrPages * 8);
        final long pagesOff = heap.offset(pages);
        for (int i = 0; i < nrPages; i++) {
            access.setLong(region, seg, pagesOff + 8L * i, MemdescHeader.NO_PFN);
        }
        access.setLong(region, seg, off + VmallocDesc.NR_PAGES, nrPages);
        access.setLong(region, seg, off + VmallocDesc.PAGES, pages);
        access.setLong(region, seg, off + VmallocDesc.ADDR, addr);
        access.setLong(region, seg, off + VmallocDesc.SIZE, nrPages * pageSize);
        return a;
    }

    /** Frees the descriptor (and a vmalloc area's pfn array); bare tags are a no-op. */
    public void free(final long allocatee) {
        final long address = Allocatee.descriptor(allocatee);
        if (address == 0) {
            return;
        }
        final MemdescType type = type(allocatee);
        if (type == MemdescType.VMALLOC) {
            heap.free(access.getLong(region, seg, off(allocatee) + VmallocDesc.PAGES), nrPages(allocatee) * 8);
        }
        heap.free(address, bytes(type));
    }

    // ---- common header ----

    public static MemdescType type(final long allocatee) {
        final MemdescType t = Allocatee.type(allocatee);
        if (t == null) {
            throw new IllegalArgumentException("allocatee 0x" + Long.toHexString(allocatee) + " has an unassigned tag");
        }
        return t;
    }

    public long misc(final long allocatee) {
        return access.getLong(region, seg, off(allocatee) + MemdescHeader.MISC);
    }

    public long pfn(final long allocatee) {
        return access.getLong(region, seg, off(allocatee) + MemdescHeader.PFN);
    }

    public void setPfn(final long allocatee, final long pfn) {
        access.setLong(region, seg, off(allocatee) + MemdescHeader.PFN, pfn);
    }

    public int order(final long allocatee) {
        return MemdescHeader.order(misc(allocatee));
    }

    public boolean testFlags(final long allocatee, final long flags) {
        return (misc(allocatee) & flags) == flags;
    }

    public void orFlags(final long allocatee, final long flags) {
        final long off = off(allocatee) + MemdescHeader.MISC;
        access.setLong(region, seg, off, access.getLong(region, seg, off) | flags);
    }

    public void clearFlags(final long allocatee, final long flags) {
        final long off = off(allocatee) + MemdescHeader.MISC;
        access.setLong(region, seg, off, access.getLong(region, seg, off) & ~flags);
    }

    /** Reads a 64-bit field at byte {@code fieldOffset} of the descriptor. */
    public long getLong(final long allocatee, final long fieldOffset) {
        return access.getLong(region, seg, off(allocatee) + fieldOffset);
    }

    public void setLong(final long allocatee, final long fieldOffset, final long value) {
        access.setLong(region, seg, off(allocatee) + fieldOffset, value);
    }

    public int getInt(final long allocatee, final long fieldOffset) {
        return access.getInt(region, seg, off(allocatee) + fieldOffset);
    }

    /** Writes a 32-bit field at byte {@code fieldOffset} of the descriptor (folio _refcount...). */
    public void setInt(final long allocatee, final long fieldOffset, final int value) {
        access.setInt(region, seg, off(allocatee) + fieldOffset, value);
    }

    // ---- vmalloc ----

    public int nrPages(final long allocatee) {
        return (int) access.getLong(region, seg, off(allocatee) + VmallocDesc.NR_PAGES);
    }

    public long page(final long allocatee, final int i) {
        return access.getLong(region, seg, pagesOff(allocatee) + 8L * i);
    }

    public void setPage(final long allocatee, final int i, final long pfn) {
        access.setLong(region, seg, pagesOff(allocatee) + 8L * i, pfn);
        if (i == 0) {
            setPfn(allocatee, pfn);
        }
    }

    /** Index of {@code pfn} in a vmalloc area's page array (linear scan: pages are unordered), or -1. */
    public int indexOf(final long allocatee, final long pfn) {
        final int n = nrPages(allocatee);
        final long pages = pagesOff(allocatee);
        for (int i = 0; i < n; i++) {
            if (access.getLong(region, seg, pages + 8L * i) == pfn) {
                return i;
            }
        }
        return -1;
    }

    private long pagesOff(final long allocatee) {
        return heap.offset(access.getLong(region, seg, off(allocatee) + VmallocDesc.PAGES));
    }

    private long off(final long allocatee) {
        final long address = Allocatee.descriptor(allocatee);
        if (address == 0) {
            throw new IllegalArgumentException("allocatee 0x" + Long.toHexString(allocatee) + " has no descriptor");
        }
        return heap.offset(address);
    }
}

package dev.memu.memdesc;

import dev.memu.access.Access;
import dev.memu.access.FieldLabeler;
import dev.memu.access.Region;
import dev.memu.machine.Machine;
import dev.memu.machine.NativeMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * An off-heap slab heap for descriptors: size classes of 16-byte multiples, slab-like chunks per
 * class, a free list per class threaded through the freed objects (SLUB's {@code freelist}).
 * Every object is 16-byte aligned, so its address fits the {@link Allocatee} pointer field
 * (bits 4..51) and leaves the low 4 bits for the type tag.
 *
 * <p>The heap reserves one large lazily committed mapping up front (address space only, see
 * {@link NativeMemory}) and carves chunks from it as classes need them. Only carved chunks count
 * in the machine's {@link dev.memu.machine.Footprint} for the heap's {@link Region}: that is the
 * memory a kernel would really have handed to its descriptor slabs, live objects and slack
 * together. {@link #liveBytes()} is what the live objects occupy (class size), {@link
 * #requestedBytes()} what their callers asked for; the differences are the slack reported next
 * to bytes per page.
 *
 * <h2>Chunk layout</h2>
 * <pre>
 * chunk of class c (CHUNK_BYTES, aligned to CHUNK_BYTES within the reservation):
 *   object i at chunk + i * size(c), i &lt; CHUNK_BYTES / size(c); the tail remainder is slack
 * free object:
 *   +0  8  next free object's address in this class (0 ends the list)
 *   +8  8  FREE_POISON (SLUB-style poison: a second free of the object is caught)
 * </pre>
 *
 * <h2>Threads</h2>
 * One lock per size class (a Java monitor on a per-class object): safe for any number of threads,
 * not lock-free. Chunk carving takes a heap-wide lock. No Java object is allocated per operation.
 */
public final class MemdescHeap implements FieldLabeler {

    /** Classes for typed descriptors, and for arrays hung off them (vmalloc pfn arrays, lookup nodes). */
    public static final int[] DEFAULT_CLASSES = {16, 32, 48, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096};

    /** Bytes carved from the reservation at a time for one class. */
    public static final long CHUNK_BYTES = 64 * 1024;

    /** Written to word 1 of a freed object. */
    public static final long FREE_POISON = 0x6b6b6b6b6b6b6b6bL;

    private static final int ALIGN = 16;

    private final Access access;
    private final Region region;
    private final Machine machine;
    private final MemorySegment space;
    private final long base;
    private final int[] sizes;
    private final Object[] locks;
    private final long[] freeHead;     // per class: address of the first free object, 0 = none
    private final long[] bumpNext;     // per class: next never-used object in the current chunk
    private final long[] bumpEnd;      // per class: end of the current chunk's usable objects
    private final long[] liveObjects;  // per class
    private final long[] chunks;       // per class
    private long carved;               // bytes carved from the reservation (under carveLock)
    private final java.util.concurrent.atomic.AtomicLong requested = new java.util.concurrent.atomic.AtomicLong();
    private final Object carveLock = new Object();
    private final long reserve;
    private final byte[] chunkClass;   // per chunk: class index + 1, 0 = not carved (checks frees)

    /**
     * A heap in {@code region} of {@code machine} with room for up to {@code reserveBytes} of
     * chunks, using {@code classes} (ascending multiples of 16, the largest at most CHUNK_BYTES).
     */
    public MemdescHeap(final Machine machine, final Access access, final Region region, final long reserveBytes,
                       final int[] classes) {
        if (classes.length == 0) {
            throw new IllegalArgumentException("a heap needs at least one size class");
        }
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] <= 0 || classes[i] % ALIGN != 0 || classes[i] > CHUNK_BYTES
                    || (i > 0 && classes[i] <= classes[i - 1])) {
                throw new IllegalArgumentException("size classes must be ascending multiples of 16 up to "
                        + CHUNK_BYTES + ": " + Arrays.toString(classes));
            }
        }
        this.machine = machine;
        this.access = access;
        this.region = region;
        final long reserve = NativeMemory.roundUp(Math.max(reserveBytes, CHUNK_BYTES), CHUNK_BYTES);
        // Address space only: the footprint grows as chunks are carved, not here.
        this.space = NativeMemory.map(reserve + CHUNK_BYTES, machine.arena());
        // Start at a CHUNK_BYTES-aligned address (and never at 0: address 0 means "no descriptor").
        this.base = NativeMemory.roundUp(space.address(), CHUNK_BYTES) - space.address();
        this.sizes = classes.clone();
        this.locks = new Object[classes.length];
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
        this.freeHead = new long[classes.length];
        this.bumpNext = new long[classes.length];
        this.bumpEnd = new long[classes.length];
        this.liveObjects = new long[classes.length];
        this.chunks = new long[classes.length];
        this.reserve = reserve;
        this.chunkClass = new byte[Math.toIntExact(reserve / CHUNK_BYTES)];
    }

    /** The descriptor heap of a machine: region MEMDESC, default classes, room for 160 B per page. */
    public static MemdescHeap forDescriptors(final Machine machine, final Access access) {
        return new MemdescHeap(machine, access, Region.MEMDESC, machine.pages() * 160 + (16L << 20), DEFAULT_CLASSES);
    }

    public Region region() {
        return region;
    }

    public Access access() {
        return access;
    }

    /** A segment covering the whole reservation: object at address a is at offset {@code offset(a)}. */
    public MemorySegment segment() {
        return space;
    }

    /** Offset in {@link #segment()} of the object at absolute address {@code address}. */
    public long offset(final long address) {
        return address - space.address();
    }

    /** True when {@code address} lies in a carved chunk of this heap (it may still be a free object). */
    public boolean contains(final long address) {
        final long off = address - space.address();
        return off >= base && off < base + carvedBytes();
    }

    /** The size class an allocation of {@code bytes} gets, in bytes. */
    public int classSize(final int bytes) {
        return sizes[classIndex(bytes)];
    }

    private int classIndex(final int bytes) {
        for (int i = 0; i < sizes.length; i++) {
            if (bytes <= sizes[i]) {
                if (bytes <= 0) {
                    break;
                }
                return i;
            }
        }
        throw new IllegalArgumentException("descriptor size " + bytes + " is outside 1.." + sizes[sizes.length - 1]);
    }

    /**
     * Allocates a zeroed object of at least {@code bytes}; returns its absolute, 16-byte aligned
     * address (never 0).
     *
     * @throws OutOfMemoryError when the reservation is used up
     */
    public long alloc(final int bytes) {
        final int c = classIndex(bytes);
        final int size = sizes[c];
        final long offset;
        synchronized (locks[c]) {
            final long head = freeHead[c];
            if (head != 0) {
                final long off = offset(head);
                freeHead[c] = access.getLong(region, space, off);
                offset = off;
            } else {
                if (bumpNext[c] + size > bumpEnd[c]) {
                    final long chunk = carve(c);
                    chunks[c]++;
                    bumpNext[c] = chunk;
                    bumpEnd[c] = chunk + (CHUNK_BYTES / size) * size;
                }
                offset = bumpNext[c];
                bumpNext[c] += size;
            }
            liveObjects[c]++;
        }
        requested.addAndGet(bytes);
        access.fill(region, space, offset, size, (byte) 0);
        return space.address() + offset;
    }

    /**
     * Frees the object at {@code address} that was allocated with {@code bytes}.
     *
     * @throws IllegalArgumentException when the address is not an object of that class in this heap,
     *                                  or the object is already free; nothing changes then
     */
    public void free(final long address, final int bytes) {
        final int c = classIndex(bytes);
        final int size = sizes[c];
        final long off = offset(address);
        if (off < base || off >= base + carvedBytes() || (off & (ALIGN - 1)) != 0
                || chunkClassOf(off) != c || ((off - base) % CHUNK_BYTES) % size != 0
                || (off - base) % CHUNK_BYTES >= (CHUNK_BYTES / size) * size) {
            throw new IllegalArgumentException("0x" + Long.toHexString(address) + " is not a " + size
                    + "-byte object of this " + region.key() + " heap");
        }
        synchronized (locks[c]) {
            if (access.getLong(region, space, off + 8) == FREE_POISON) {
                throw new IllegalArgumentException("double free of descriptor 0x" + Long.toHexString(address));
            }
            access.setLong(region, space, off, freeHead[c]);
            access.setLong(region, space, off + 8, FREE_POISON);
            freeHead[c] = address;
            liveObjects[c]--;
        }
        requested.addAndGet(-bytes);
    }

    private long carve(final int c) {
        synchronized (carveLock) {
            if (carved + CHUNK_BYTES > reserve) {
                throw new OutOfMemoryError(region.key() + " heap reservation of " + reserve + " bytes is used up");
            }
            final long chunk = base + carved;
            chunkClass[(int) (carved / CHUNK_BYTES)] = (byte) (c + 1);
            carved += CHUNK_BYTES;
            machine.footprint().add(region, CHUNK_BYTES);
            return chunk;
        }
    }

    private int chunkClassOf(final long off) {
        synchronized (carveLock) {
            return chunkClass[(int) ((off - base) / CHUNK_BYTES)] - 1;
        }
    }

    private long carvedBytes() {
        synchronized (carveLock) {
            return carved;
        }
    }

    // ---- accounting (exact when no operation is in flight) ----

    /** Bytes carved into chunks: what the heap holds mapped for its objects, slack included. */
    public long mappedBytes() {
        return carvedBytes();
    }

    /** Bytes the live objects occupy, counted at their class size. */
    public long liveBytes() {
        long sum = 0;
        for (int c = 0; c < sizes.length; c++) {
            synchronized (locks[c]) {
                sum += liveObjects[c] * sizes[c];
            }
        }
        return sum;
    }

    /** Bytes the live objects' callers asked for. */
    public long requestedBytes() {
        return requested.get();
    }

    public long liveObjects() {
        long sum = 0;
        for (int c = 0; c < sizes.length; c++) {
            synchronized (locks[c]) {
                sum += liveObjects[c];
            }
        }
        return sum;
    }

    /** Address space reserved for chunks (not committed, not in the footprint). */
    public long reservedBytes() {
        return reserve;
    }

    /**
     * Labels the heap's own words: the free-list link and poison of a free object, e.g. {@code
     * lookupHeap[16B]@0x10040.free.next}. Live objects belong to their owners, who label them; a
     * word is taken as free-list state when its object carries {@link #FREE_POISON} at the time
     * of the access (read directly, not through the access layer). Only for {@code memu explain}.
     */
    @Override
    public void labelFields(final MemorySegment segment, final long offset, final long bytes,
                            final List<String> out) {
        if (segment.address() != space.address() || bytes > 8 || offset < base || offset >= base + carvedBytes()) {
            return;
        }
        final int c = chunkClassOf(offset);
        if (c < 0) {
            return;
        }
        final long inChunk = (offset - base) % CHUNK_BYTES;
        final long object = offset - inChunk % sizes[c];
        if (object + 16 > space.byteSize() || space.get(ValueLayout.JAVA_LONG, object + 8) != FREE_POISON) {
            return;
        }
        final long word = offset - object;
        if (word < 16) {
            out.add(region.key() + "Heap[" + sizes[c] + "B]@0x" + Long.toHexString(object)
                    + (word < 8 ? ".free.next" : ".free.poison"));
        }
    }
}

package dev.memu.access;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The access layer that explains, for {@code memu explain}: performs every access exactly as
 * {@link PlainAccess} does and, inside an operation, records each distinct 64-byte line it
 * touched with the struct fields that live there (from the {@link FieldLabeler}s it is given),
 * the kinds of access (read, write, CAS, RMW, with the memory order where it is not plain) and
 * the function that made them.
 *
 * <p>Lines are identified and assigned to regions exactly as {@link CountingAccess} does it (the
 * absolute address {@code >>> 6}; a line belongs to the region of its first touch in the
 * operation; a multi-line copy or fill touches every line it covers), so for the same operation
 * on the same state the distinct lines per region listed here are the lines the counting pass of
 * {@code memu run} counts. Nothing here is fast: every access inside an operation walks the stack
 * and asks every labeler; it is never used for a timed or a counted run.
 *
 * <p>The function that touched a line is the first stack frame outside the access layer, the
 * memmap/layout code, the helpers a layout keeps its structures in (pfn lookups, the memdesc
 * heap) and the methods marked {@link AccessHelper}: for a POTAD order-0 alloc that is {@code
 * PotadCore.claimPass}, not {@code Memdesc8Layout$Map.setAllocated} (which becomes {@code
 * PotadAllocator.alloc}); for the buddy's {@code free_area[o].nr_free} it is {@code
 * BuddyAllocator.delFromFreeList} ({@code __del_page_from_free_list}), not the getter it reads through.
 *
 * <p>One instance belongs to one thread; it is not thread-safe. Accesses outside an operation
 * are performed but not recorded (set-up, verification).
 */
public final class ExplainingAccess extends Access {

    private static final int LINE_SHIFT = 6;
    private static final long LINE_BYTES = 1L << LINE_SHIFT;

    /**
     * Frames of these classes are never "where", nor those of the access layer ({@link Access} and
     * its implementations): the memmap and layout code, the
     * structures layouts keep (pfn lookups, the memdesc heap) and the PCP's storage accessors
     * (its gate, its lists and the Linux PCP's {@code page->pcp_list} links, whose one-line getters
     * and setters would hide the PCP operation). Single methods are marked {@link AccessHelper}.
     */
    private static final List<String> HELPER_PREFIXES = List.of(
            "dev.memu.layout.", "dev.memu.lookup.", "dev.memu.memdesc.MemdescHeap",
            "dev.memu.alloc.pcp.PcpGate", "dev.memu.alloc.pcp.PerCpuPages", "dev.memu.alloc.pcp.ArrayPerCpuPages",
            "dev.memu.alloc.pcp.LinkedPerCpuPages", "dev.memu.alloc.pcp.PcpLinks", "java.", "jdk.");

    /** Per class: {@code name + descriptor} of each of its methods marked {@link AccessHelper}. */
    private static final ClassValue<Set<String>> MARKED_HELPERS = new ClassValue<>() {
        @Override
        protected Set<String> computeValue(final Class<?> type) {
            final Set<String> out = new HashSet<>();
            for (final Method m : type.getDeclaredMethods()) {
                if (m.isAnnotationPresent(AccessHelper.class)) {
                    out.add(m.getName() + MethodType.methodType(m.getReturnType(), m.getParameterTypes())
                            .toMethodDescriptorString());
                }
            }
            return Set.copyOf(out);
        }
    };

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /**
     * One access to a line: what kind, where in its segment, the fields of that line it
     * overlapped and the function that made it.
     *
     * @param access kind and memory order, e.g. {@code read}, {@code write (release)}, {@code CAS (volatile)}
     * @param offset byte offset of the access in its segment (may start before the line for a copy or fill)
     * @param bytes  bytes accessed
     */
    public record Touch(String access, long offset, long bytes, List<String> fields, String where) {
    }

    /**
     * One distinct line the operation touched.
     *
     * @param region   the region of its first touch (the one {@link CountingAccess} counts it in)
     * @param offset   offset of the line's first byte in the segment of its first touch
     * @param fields   every field name the labelers gave for the touched bytes, first seen first;
     *                 empty when none knew the address
     * @param accesses distinct access kinds, first seen first
     * @param where    distinct functions that touched it, first toucher first
     * @param touches  every access, in program order
     */
    public record Line(Region region, long offset, List<String> fields, List<String> accesses, List<String> where,
                       List<Touch> touches) {
    }

    private List<FieldLabeler> labelers = List.of();
    private final Map<Long, LineBuilder> open = new LinkedHashMap<>();
    private List<Line> lastOp = List.of();
    private boolean inOp;

    /** The labelers asked for the fields of every recorded access, in this order. */
    public void setLabelers(final List<FieldLabeler> labelers) {
        this.labelers = List.copyOf(labelers);
    }

    @Override
    public void beginOp() {
        open.clear();
        inOp = true;
    }

    @Override
    public void endOp() {
        inOp = false;
        final List<Line> lines = new ArrayList<>(open.size());
        for (final LineBuilder b : open.values()) {
            lines.add(b.build());
        }
        lastOp = Collections.unmodifiableList(lines);
        open.clear();
    }

    /** The distinct lines of the last completed operation, in the order they were first touched. */
    public List<Line> lastOpLines() {
        return lastOp;
    }

    /** Distinct lines the last completed operation touched in {@code region}. */
    public int lastOpLines(final Region region) {
        int n = 0;
        for (final Line line : lastOp) {
            if (line.region() == region) {
                n++;
            }
        }
        return n;
    }

    private void touch(final String access, final Region region, final MemorySegment segment, final long offset,
                       final long bytes) {
        if (!inOp) {
            return;
        }
        final String where = where();
        final long base = segment.address() + offset;
        final long end = base + Math.max(bytes, 1);
        final long first = base >>> LINE_SHIFT;
        final long last = (end - 1) >>> LINE_SHIFT;
        for (long line = first; line <= last; line++) {
            final long lineStart = line << LINE_SHIFT;
            final long from = Math.max(base, lineStart) - segment.address();
            final long to = Math.min(end, lineStart + LINE_BYTES) - segment.address();
            final List<String> fields = new ArrayList<>();
            for (final FieldLabeler labeler : labelers) {
                labeler.labelFields(segment, from, to - from, fields);
            }
            final LineBuilder b = open.computeIfAbsent(line,
                    l -> new LineBuilder(region, lineStart - segment.address()));
            b.add(new Touch(access, offset, bytes, List.copyOf(new LinkedHashSet<>(fields)), where));
        }
    }

    /** The first frame outside the access layer and the structures' helpers, as {@code Class.method}. */
    private static String where() {
        return WALKER.walk(frames -> frames
                .filter(f -> !Access.class.isAssignableFrom(f.getDeclaringClass()) && !isHelper(f.getClassName())
                        && !isMarkedHelper(f))
                .findFirst()
                .map(f -> simpleName(f.getClassName()) + "." + f.getMethodName())
                .orElse("?"));
    }

    private static boolean isHelper(final String className) {
        for (final String prefix : HELPER_PREFIXES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isMarkedHelper(final StackWalker.StackFrame frame) {
        final Set<String> marked = MARKED_HELPERS.get(frame.getDeclaringClass());
        return !marked.isEmpty() && marked.contains(frame.getMethodName() + frame.getDescriptor());
    }

    private static String simpleName(final String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static final class LineBuilder {
        private final Region region;
        private final long offset;
        private final Set<String> where = new LinkedHashSet<>();
        private final Set<String> fields = new LinkedHashSet<>();
        private final Set<String> accesses = new LinkedHashSet<>();
        private final List<Touch> touches = new ArrayList<>();

        LineBuilder(final Region region, final long offset) {
            this.region = region;
            this.offset = offset;
        }

        void add(final Touch t) {
            fields.addAll(t.fields());
            accesses.add(t.access());
            where.add(t.where());
            touches.add(t);
        }

        Line build() {
            return new Line(region, offset, List.copyOf(fields), List.copyOf(accesses), List.copyOf(where),
                    List.copyOf(touches));
        }
    }

    // ---- the accesses: PlainAccess's VarHandle call after recording ----

    @Override
    public long getLong(final Region region, final MemorySegment segment, final long offset) {
        touch("read", region, segment, offset, 8);
        return (long) PlainAccess.LONG.get(segment, offset);
    }

    @Override
    public void setLong(final Region region, final MemorySegment segment, final long offset, final long value) {
        touch("write", region, segment, offset, 8);
        PlainAccess.LONG.set(segment, offset, value);
    }

    @Override
    public long getLongAcquire(final Region region, final MemorySegment segment, final long offset) {
        touch("read (acquire)", region, segment, offset, 8);
        return (long) PlainAccess.LONG.getAcquire(segment, offset);
    }

    @Override
    public void setLongRelease(final Region region, final MemorySegment segment, final long offset, final long value) {
        touch("write (release)", region, segment, offset, 8);
        PlainAccess.LONG.setRelease(segment, offset, value);
    }

    @Override
    public long getLongVolatile(final Region region, final MemorySegment segment, final long offset) {
        touch("read (volatile)", region, segment, offset, 8);
        return (long) PlainAccess.LONG.getVolatile(segment, offset);
    }

    @Override
    public void setLongVolatile(final Region region, final MemorySegment segment, final long offset, final long value) {
        touch("write (volatile)", region, segment, offset, 8);
        PlainAccess.LONG.setVolatile(segment, offset, value);
    }

    @Override
    public boolean compareAndSetLong(final Region region, final MemorySegment segment, final long offset,
                                     final long expected, final long value) {
        touch("CAS (volatile)", region, segment, offset, 8);
        return (boolean) PlainAccess.LONG.compareAndSet(segment, offset, expected, value);
    }

    @Override
    public long compareAndExchangeLong(final Region region, final MemorySegment segment, final long offset,
                                       final long expected, final long value) {
        touch("CAS (volatile)", region, segment, offset, 8);
        return (long) PlainAccess.LONG.compareAndExchange(segment, offset, expected, value);
    }

    @Override
    public long getAndAddLong(final Region region, final MemorySegment segment, final long offset, final long delta) {
        touch("RMW getAndAdd (volatile)", region, segment, offset, 8);
        return (long) PlainAccess.LONG.getAndAdd(segment, offset, delta);
    }

    @Override
    public long getAndBitwiseOrLong(final Region region, final MemorySegment segment, final long offset, final long bits) {
        touch("RMW getAndBitwiseOr (volatile)", region, segment, offset, 8);
        return (long) PlainAccess.LONG.getAndBitwiseOr(segment, offset, bits);
    }

    @Override
    public long getAndBitwiseAndLong(final Region region, final MemorySegment segment, final long offset, final long bits) {
        touch("RMW getAndBitwiseAnd (volatile)", region, segment, offset, 8);
        return (long) PlainAccess.LONG.getAndBitwiseAnd(segment, offset, bits);
    }

    @Override
    public int getInt(final Region region, final MemorySegment segment, final long offset) {
        touch("read", region, segment, offset, 4);
        return (int) PlainAccess.INT.get(segment, offset);
    }

    @Override
    public void setInt(final Region region, final MemorySegment segment, final long offset, final int value) {
        touch("write", region, segment, offset, 4);
        PlainAccess.INT.set(segment, offset, value);
    }

    @Override
    public boolean compareAndSetInt(final Region region, final MemorySegment segment, final long offset,
                                    final int expected, final int value) {
        touch("CAS (volatile)", region, segment, offset, 4);
        return (boolean) PlainAccess.INT.compareAndSet(segment, offset, expected, value);
    }

    @Override
    public int getAndAddInt(final Region region, final MemorySegment segment, final long offset, final int delta) {
        touch("RMW getAndAdd (volatile)", region, segment, offset, 4);
        return (int) PlainAccess.INT.getAndAdd(segment, offset, delta);
    }

    @Override
    public short getShort(final Region region, final MemorySegment segment, final long offset) {
        touch("read", region, segment, offset, 2);
        return (short) PlainAccess.SHORT.get(segment, offset);
    }

    @Override
    public void setShort(final Region region, final MemorySegment segment, final long offset, final short value) {
        touch("write", region, segment, offset, 2);
        PlainAccess.SHORT.set(segment, offset, value);
    }

    @Override
    public void copy(final Region srcRegion, final MemorySegment src, final long srcOffset,
                     final Region dstRegion, final MemorySegment dst, final long dstOffset, final long bytes) {
        touch("read (copy)", srcRegion, src, srcOffset, bytes);
        touch("write (copy)", dstRegion, dst, dstOffset, bytes);
        MemorySegment.copy(src, srcOffset, dst, dstOffset, bytes);
    }

    @Override
    public void fill(final Region region, final MemorySegment segment, final long offset, final long bytes, final byte value) {
        touch("write (fill)", region, segment, offset, bytes);
        segment.asSlice(offset, bytes).fill(value);
    }
}

package dev.memu.machine;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Lazily committed anonymous memory from the host kernel.
 *
 * <p>Every built-in {@link Arena#allocate} zeroes its block up front and so touches every page;
 * an emulated 1 TiB RAM must not. {@code mmap(MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)}
 * reserves address space only: a page is committed (and reads as zero) the first time it is
 * touched, and no swap is reserved, so emulated RAM may exceed host RAM as long as the workload
 * touches little of it. Mappings are page-aligned, which the atomic VarHandle modes need.
 */
public final class NativeMemory {

    private static final int PROT_NONE = 0x0;
    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final long MAP_FAILED = -1L;
    /** madvise(2) advice: back this range with transparent huge pages where possible. */
    private static final int MADV_HUGEPAGE = 14;
    /** x86-64 PMD size: the transparent huge page. */
    public static final long HUGE_PAGE = 2L << 20;

    /** Host page size assumed for rounding; mmap rounds up to it anyway. */
    public static final long HOST_PAGE = 4096;

    /**
     * One inaccessible host page on each side of every mapping. Without it the kernel merges
     * adjacent anonymous mappings with equal flags into one VMA, and {@code /proc/self/smaps} then
     * gives their Rss and AnonHugePages only together: {@link HugePageReport} had to split them in
     * proportion to size, so a 32 GiB memmap beside a 16 TiB RAM got 0.2 % of the pages the
     * memmap alone had made resident. With a guard on each side every mapping is its own VMA.
     */
    static final long GUARD = HOST_PAGE;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MMAP = LINKER.downcallHandle(
            LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle MUNMAP = LINKER.downcallHandle(
            LINKER.defaultLookup().find("munmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle MPROTECT = LINKER.downcallHandle(
            LINKER.defaultLookup().find("mprotect").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle MADVISE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("madvise").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private NativeMemory() {
    }

    /**
     * Maps {@code bytes} (rounded up to the host page) of zero-on-first-touch memory whose life
     * is tied to {@code arena}: it is unmapped when the arena closes. A {@link #GUARD} page on
     * each side keeps it a VMA of its own.
     *
     * @throws OutOfMemoryError with the errno text when the kernel refuses the mapping
     */
    public static MemorySegment map(final long bytes, final Arena arena) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("mapping size must be positive: " + bytes);
        }
        final long size = roundUp(bytes, HOST_PAGE);
        final MemorySegment raw = mmap(size + 2 * GUARD, size);
        return guarded(raw.address() + GUARD, size, arena);
    }

    /** The segment of {@code size} bytes at {@code start}, its guard pages made inaccessible, unmapped with them. */
    private static MemorySegment guarded(final long start, final long size, final Arena arena) {
        protectNone(start - GUARD);
        protectNone(start + size);
        return MemorySegment.ofAddress(start).reinterpret(size, arena,
                segment -> munmap(segment.address() - GUARD, segment.byteSize() + 2 * GUARD));
    }

    private static void protectNone(final long address) {
        try {
            if ((int) MPROTECT.invokeExact(MemorySegment.ofAddress(address), GUARD, PROT_NONE) != 0) {
                System.err.println("memu: mprotect of a guard page failed at 0x" + Long.toHexString(address));
            }
        } catch (final Throwable t) {
            throw new IllegalStateException("mprotect downcall failed", t);
        }
    }

    /**
     * Like {@link #map}, but starting on a 2 MiB boundary and advised {@code MADV_HUGEPAGE}, so that
     * with THP in {@code madvise} (or {@code always}) mode the kernel backs each touched, aligned
     * 2 MiB of it with one huge page and one TLB entry. The size stays {@code bytes} rounded up to
     * the host page (so bytes per page are unchanged); a last partial 2 MiB stays on 4 KiB pages.
     * The mapping is made 2 MiB (and two {@link #GUARD} pages) larger and what lies beyond the
     * guards of the aligned range is unmapped again, because THP only covers aligned ranges.
     * Whether the kernel really did back it is for {@link
     * HugePageReport} to find out: the advice may be refused or ignored.
     */
    public static MemorySegment mapHuge(final long bytes, final Arena arena) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("mapping size must be positive: " + bytes);
        }
        final long size = roundUp(bytes, HOST_PAGE);
        final long reserved = size + HUGE_PAGE + 2 * GUARD;
        final MemorySegment raw = mmap(reserved, size);
        final long start = roundUp(raw.address() + GUARD, HUGE_PAGE);
        final long head = start - GUARD - raw.address();
        final long tail = raw.address() + reserved - (start + size + GUARD);
        if (head > 0) {
            munmap(raw.address(), head);
        }
        if (tail > 0) {
            munmap(start + size + GUARD, tail);
        }
        final MemorySegment aligned = guarded(start, size, arena);
        madviseHuge(aligned);
        return aligned;
    }

    /** madvise(MADV_HUGEPAGE) over the whole segment; false when the kernel refuses (THP off, old kernel). */
    public static boolean madviseHuge(final MemorySegment segment) {
        try {
            return (int) MADVISE.invokeExact(segment, segment.byteSize(), MADV_HUGEPAGE) == 0;
        } catch (final Throwable t) {
            throw new IllegalStateException("madvise downcall failed", t);
        }
    }

    /** mmap of {@code size} bytes for a mapping of {@code asked} (what an error names). */
    private static MemorySegment mmap(final long size, final long asked) {
        try (Arena call = Arena.ofConfined()) {
            final MemorySegment state = call.allocate(CALL_STATE);
            final MemorySegment raw = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, size,
                    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            if (raw.address() == MAP_FAILED) {
                final int errno = (int) ERRNO.get(state, 0L);
                throw new OutOfMemoryError("mmap of " + asked + " bytes failed, errno " + errno
                        + (errno == 12 ? " (ENOMEM: address space or overcommit limit)" : ""));
            }
            return raw;
        } catch (final OutOfMemoryError | RuntimeException e) {
            throw e;
        } catch (final Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
    }

    private static void munmap(final long address, final long bytes) {
        try {
            if ((int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), bytes) != 0) {
                System.err.println("memu: munmap failed at 0x" + Long.toHexString(address));
            }
        } catch (final Throwable t) {
            throw new IllegalStateException("munmap downcall failed", t);
        }
    }

    public static long roundUp(final long value, final long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}

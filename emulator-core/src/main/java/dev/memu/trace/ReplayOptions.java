package dev.memu.trace;

import dev.memu.alloc.Allocators;
import dev.memu.layout.Layouts;

/**
 * How to replay a trace.
 *
 * @param layout      layout name ({@link Layouts#byName})
 * @param allocator   allocator name ({@link Allocators}); used by the allocator placement only
 * @param placement   trace or allocator
 * @param ramBytes    emulated RAM; 0 sizes it from the trace's highest pfn, rounded up to 4 MiB.
 *                    Trace placement: blocks beyond it are counted and skipped. Allocator
 *                    placement: the memory the allocator manages (small sizes provoke failures)
 * @param vcpus       emulated CPUs, 1..{@link ReplayEngine#MAX_VCPUS}; the trace's [CPU#] maps to
 *                    cpu % vcpus; 0 = highest cpu + 1, at most {@link ReplayEngine#MAX_VCPUS}
 * @param strict      any oddity (of the text or of the sequence) is fatal
 * @param snapshots   how many times, evenly spread over the events, to record free blocks by order
 *                    (0..{@link #MAX_SNAPSHOTS})
 * @param countLines  run through CountingAccess and report distinct cachelines per op
 */
public record ReplayOptions(String layout, String allocator, Placement placement, long ramBytes, int vcpus,
                            boolean strict, int snapshots, boolean countLines) {

    /** More snapshots than this is a typo: each one scans the whole pfn space. */
    public static final int MAX_SNAPSHOTS = 1000;

    public ReplayOptions {
        Layouts.byName(layout);
        Allocators.check(allocator);
        if (ramBytes < 0) {
            throw new IllegalArgumentException("RAM must be >= 0 (0: sized from the trace), got " + ramBytes);
        }
        if (vcpus < 0 || vcpus > ReplayEngine.MAX_VCPUS) {
            throw new IllegalArgumentException("vcpus must be 1.." + ReplayEngine.MAX_VCPUS
                    + " (or 0: highest cpu + 1), got " + vcpus);
        }
        if (snapshots < 0 || snapshots > MAX_SNAPSHOTS) {
            throw new IllegalArgumentException("snapshots must be 0.." + MAX_SNAPSHOTS + ", got " + snapshots);
        }
    }

    public static ReplayOptions defaults() {
        return new ReplayOptions("linux64", "buddy", Placement.TRACE, 0, 0, false, 4, true);
    }

    public ReplayOptions withLayout(final String name) {
        return new ReplayOptions(name, allocator, placement, ramBytes, vcpus, strict, snapshots, countLines);
    }

    public ReplayOptions withAllocator(final String name) {
        return new ReplayOptions(layout, name, placement, ramBytes, vcpus, strict, snapshots, countLines);
    }

    public ReplayOptions withPlacement(final Placement p) {
        return new ReplayOptions(layout, allocator, p, ramBytes, vcpus, strict, snapshots, countLines);
    }

    public ReplayOptions withRamBytes(final long bytes) {
        return new ReplayOptions(layout, allocator, placement, bytes, vcpus, strict, snapshots, countLines);
    }

    public ReplayOptions withVcpus(final int n) {
        return new ReplayOptions(layout, allocator, placement, ramBytes, n, strict, snapshots, countLines);
    }

    public ReplayOptions withStrict(final boolean s) {
        return new ReplayOptions(layout, allocator, placement, ramBytes, vcpus, s, snapshots, countLines);
    }
}

package dev.memu.driver;

import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.layout.Layouts;
import dev.memu.machine.HugePagePolicy;
import dev.memu.machine.Machine;
import dev.memu.workload.WorkloadSpec;

/**
 * One configuration to run: a machine, a layout, an allocator, a thread count and a workload.
 *
 * @param ramBytes         emulated RAM
 * @param pageShift        page size as a shift (12: 4 KiB)
 * @param layout           layout name ({@link Layouts#byName})
 * @param allocator        allocator name ({@link Allocators#names()})
 * @param threads          worker threads, one vcpu each
 * @param workload         the workload shape
 * @param seed             base seed; thread {@code t} runs on a seed derived from it and {@code t}
 * @param allocatorOptions allocator knobs; the driver sets {@code vcpus} to {@code threads}
 * @param ramHugePages     also ask the host for transparent huge pages under the emulated RAM
 *                         ({@link HugePagePolicy#withRam}); metadata is advised either way
 */
public record RunSpec(long ramBytes, int pageShift, String layout, String allocator, int threads,
                      WorkloadSpec workload, long seed, AllocatorOptions allocatorOptions, boolean ramHugePages) {

    public static final long DEFAULT_SEED = 42;

    public RunSpec {
        if (ramBytes <= 0) {
            throw new IllegalArgumentException("RAM size must be positive, got " + ramBytes);
        }
        Layouts.byName(layout);
        Allocators.check(allocator);
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (workload == null) {
            throw new IllegalArgumentException("workload is missing");
        }
        allocatorOptions = (allocatorOptions == null ? AllocatorOptions.defaults() : allocatorOptions).withVcpus(threads);
    }

    /** A spec whose RAM stays on the host's base pages (metadata on huge pages where the policy allows). */
    public RunSpec(final long ramBytes, final int pageShift, final String layout, final String allocator,
                   final int threads, final WorkloadSpec workload, final long seed,
                   final AllocatorOptions allocatorOptions) {
        this(ramBytes, pageShift, layout, allocator, threads, workload, seed, allocatorOptions, false);
    }

    /** A spec with 4 KiB pages, the default seed and default allocator options. */
    public static RunSpec of(final long ramBytes, final String layout, final String allocator, final int threads,
                             final WorkloadSpec workload) {
        return new RunSpec(ramBytes, Machine.DEFAULT_PAGE_SHIFT, layout, allocator, threads, workload, DEFAULT_SEED,
                AllocatorOptions.defaults());
    }

    public RunSpec withSeed(final long s) {
        return new RunSpec(ramBytes, pageShift, layout, allocator, threads, workload, s, allocatorOptions, ramHugePages);
    }

    public RunSpec withThreads(final int n) {
        return new RunSpec(ramBytes, pageShift, layout, allocator, n, workload, seed, allocatorOptions, ramHugePages);
    }

    public RunSpec withWorkload(final WorkloadSpec w) {
        return new RunSpec(ramBytes, pageShift, layout, allocator, threads, w, seed, allocatorOptions, ramHugePages);
    }

    public RunSpec withRamHugePages(final boolean advise) {
        return new RunSpec(ramBytes, pageShift, layout, allocator, threads, workload, seed, allocatorOptions, advise);
    }

    /** The machine's huge-page policy: the defaults, with RAM advised when {@link #ramHugePages} asks for it. */
    public HugePagePolicy hugePagePolicy() {
        return HugePagePolicy.defaults().withRam(ramHugePages);
    }

    /** Short label for progress lines and errors, e.g. {@code memdesc8/buddy/2t}. */
    public String label() {
        return layout + "/" + allocator + "/" + threads + "t";
    }
}

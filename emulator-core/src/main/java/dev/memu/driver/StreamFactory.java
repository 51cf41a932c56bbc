package dev.memu.driver;

import dev.memu.alloc.PageAllocator;
import dev.memu.workload.Workload;
import dev.memu.workload.Workloads;

/**
 * Builds the workload stream of one vcpu for a run. The driver calls it once per stream for the
 * timed pass and again for the counting pass, so it must build the same stream both times
 * (same seed, same input). {@link #FROM_SPEC} builds the spec's named workload; a caller with
 * its own op source (a trace replay, say) passes its own factory to {@link Driver#run}.
 */
@FunctionalInterface
public interface StreamFactory {

    StreamFactory FROM_SPEC = (spec, pages, pageShift, stream) ->
            Workloads.create(spec.workload(), pages, pageShift, stream, spec.threads(), spec.seed());

    Workload create(RunSpec spec, long pages, int pageShift, int stream);

    /**
     * The allocator the workers of one pass call, given the one the driver built for it: a
     * factory whose streams need a wrapper in front (poison-aware, say) returns it here. Called
     * once per pass; the default uses the built allocator as is.
     */
    default PageAllocator allocator(final PageAllocator built) {
        return built;
    }
}

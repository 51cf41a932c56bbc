package dev.memu.driver;

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
}

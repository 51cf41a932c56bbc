package dev.memu.workload;

/**
 * Builds one thread's stream of a named workload. A new workload is one {@link Workload}
 * subclass and one line in {@link Workloads} registering its factory.
 */
@FunctionalInterface
public interface WorkloadFactory {

    /**
     * @param spec  the workload's shape as the user gave it
     * @param share this stream's part of the run: its seed, fill pages, warm-up and measured ops
     */
    Workload create(WorkloadSpec spec, Share share);

    /**
     * One stream's part of a run.
     *
     * @param stream    stream index, also the vcpu it runs as
     * @param streams   number of streams in the run
     * @param seed      this stream's own seed (derived from the run's base seed and the index)
     * @param fillPages pages this stream fills
     * @param warmupOps unmeasured ops after the fill
     * @param ops       measured ops
     */
    record Share(int stream, int streams, long seed, long fillPages, long warmupOps, long ops) {
    }
}

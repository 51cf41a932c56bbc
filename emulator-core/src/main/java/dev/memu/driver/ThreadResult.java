package dev.memu.driver;

/**
 * One worker thread's measured part of a timed pass.
 *
 * @param thread    worker index, also its vcpu
 * @param ops       measured operations
 * @param elapsedNs time from the start of its measured part to its end
 * @param opsPerSec ops / elapsed
 * @param alloc     alloc latency from this thread's sampled ops
 * @param free      free latency from this thread's sampled ops
 * @param harnessNsPerOp this thread's harness alone per op (see {@link RunResult#harnessNsPerOp}); NaN when not measured
 */
public record ThreadResult(int thread, long ops, long elapsedNs, double opsPerSec, LatencySummary alloc,
                           LatencySummary free, double harnessNsPerOp) {
}

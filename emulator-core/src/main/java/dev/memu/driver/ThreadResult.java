package dev.memu.driver;

/**
 * One worker thread's measured part of a timed pass.
 *
 * @param thread    worker index, also its vcpu
 * @param ops       measured operations
 * @param elapsedNs time from the start of its measured part to its end
 * @param opsPerSec ops / elapsed
 */
public record ThreadResult(int thread, long ops, long elapsedNs, double opsPerSec, LatencySummary alloc,
                           LatencySummary free) {
}

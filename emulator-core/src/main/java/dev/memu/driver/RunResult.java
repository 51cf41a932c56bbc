package dev.memu.driver;

import dev.memu.alloc.VerifyReport;
import dev.memu.workload.WorkloadStats;
import org.HdrHistogram.Histogram;

import java.util.List;

/**
 * Everything one configuration's run measured.
 *
 * @param spec              what ran
 * @param pages             managed page frames
 * @param maxOrder          the allocator's max order on this machine
 * @param ops               measured operations over all threads (timed pass)
 * @param elapsedNs         wall time of the timed pass's measured part (all threads)
 * @param opsPerSec         ops / elapsed: aggregate throughput
 * @param alloc             alloc latency over all threads, from the sampled ops
 * @param free              free latency over all threads
 * @param perThread         each worker's ops/s and latency
 * @param allocLines        cachelines per alloc (counting pass)
 * @param freeLines         cachelines per free (counting pass)
 * @param bytesPerPage      measured metadata cost
 * @param freeBlocksByOrder the allocator's free blocks per order after the timed pass
 * @param workload          what the workload streams did in the timed pass
 * @param countingWorkload  what they did in the counting pass
 * @param verify            the verifier's walk after the timed pass
 * @param timerOverheadNs   median cost of one {@code System.nanoTime()} pair here, included in every latency sample
 * @param allocHistogram    merged alloc latencies (ns), for callers that want more percentiles
 * @param freeHistogram     merged free latencies (ns)
 * @param nsPerOp           mean time of one measured op on one thread: each thread's measured loop
 *                          time over its ops, summed over threads (harness included)
 * @param harnessNsPerOp    what the same loop costs per op on an allocator that does nothing (the
 *                          harness alone: tape reads, handle table, latency samples); NaN when the
 *                          ops were not generated ahead ({@code opsAhead} false) and so not measured
 * @param latencySampleEvery one measured op in this many was timed alone for the latency summaries
 *                          (their {@code count} is the sample's); every latency includes one
 *                          {@code timerOverheadNs}
 * @param opsAhead          whether the measured ops were generated ahead and replayed from tapes
 *                          (else produced one by one inside the timed loop)
 * @param jit               the JIT around the timed pass: the wait for it to go quiet before the
 *                          clock started, and its CPU time while the measured ops ran
 */
public record RunResult(RunSpec spec, long pages, int maxOrder, long ops, long elapsedNs, double opsPerSec,
                        LatencySummary alloc, LatencySummary free, List<ThreadResult> perThread,
                        CachelineSummary allocLines, CachelineSummary freeLines, BytesPerPage bytesPerPage,
                        long[] freeBlocksByOrder, WorkloadStats workload, WorkloadStats countingWorkload,
                        VerifyReport verify, long timerOverheadNs, Histogram allocHistogram,
                        Histogram freeHistogram, double nsPerOp, double harnessNsPerOp, int latencySampleEvery,
                        boolean opsAhead, JitReport jit) {

    public RunResult {
        perThread = List.copyOf(perThread);
        freeBlocksByOrder = freeBlocksByOrder.clone();
    }

    @Override
    public long[] freeBlocksByOrder() {
        return freeBlocksByOrder.clone();
    }

    /** The harness's share of a measured op, {@code harnessNsPerOp / nsPerOp}; NaN when not measured. */
    public double harnessShare() {
        return harnessNsPerOp / nsPerOp;
    }

    public double percentOfRam() {
        return bytesPerPage.percentOfRam();
    }
}

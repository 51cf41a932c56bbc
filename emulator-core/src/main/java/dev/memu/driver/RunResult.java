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
 * @param alloc             alloc latency over all threads
 * @param free              free latency over all threads
 * @param perThread         each worker's ops/s and latency
 * @param allocLines        cachelines per alloc (counting pass)
 * @param freeLines         cachelines per free (counting pass)
 * @param bytesPerPage      measured metadata cost
 * @param freeBlocksByOrder the allocator's free blocks per order after the timed pass
 * @param workload          what the workload streams did in the timed pass
 * @param countingWorkload  what they did in the counting pass
 * @param verify            the verifier's walk after the timed pass
 * @param timerOverheadNs   median cost of one {@code System.nanoTime()} pair here, included in every latency
 * @param allocHistogram    merged alloc latencies (ns), for callers that want more percentiles
 * @param freeHistogram     merged free latencies (ns)
 */
public record RunResult(RunSpec spec, long pages, int maxOrder, long ops, long elapsedNs, double opsPerSec,
                        LatencySummary alloc, LatencySummary free, List<ThreadResult> perThread,
                        CachelineSummary allocLines, CachelineSummary freeLines, BytesPerPage bytesPerPage,
                        long[] freeBlocksByOrder, WorkloadStats workload, WorkloadStats countingWorkload,
                        VerifyReport verify, long timerOverheadNs, Histogram allocHistogram,
                        Histogram freeHistogram) {

    public RunResult {
        perThread = List.copyOf(perThread);
        freeBlocksByOrder = freeBlocksByOrder.clone();
    }

    @Override
    public long[] freeBlocksByOrder() {
        return freeBlocksByOrder.clone();
    }

    public double percentOfRam() {
        return bytesPerPage.percentOfRam();
    }
}

package dev.memu.cli;

import dev.memu.access.Region;
import dev.memu.driver.BytesPerPage;
import dev.memu.driver.CachelineSummary;
import dev.memu.driver.Driver;
import dev.memu.driver.LatencySummary;
import dev.memu.driver.RunResult;
import dev.memu.driver.ThreadResult;
import dev.memu.machine.HugePageReport;
import dev.memu.workload.WorkloadStats;
import dev.memu.workload.Workloads;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link RunResult} as the tree every output format prints: the names here are memu's JSON
 * schema. Required names (kept stable): layout, allocator, threads, ops, opsPerSec,
 * latencyNs.{alloc,free}.{p50,p99,p999,max}, cachelinesPerOp.{alloc,free}.{total,byRegion},
 * bytesPerPage.{total,byRegion}, percentOfRam, freeBlocksByOrder. Everything else is extra.
 * Latencies come from a sample (one measured op in {@code latencySampleEvery}; their
 * {@code count} is the sample's); {@code nsPerOp} is a measured op's mean time on one thread and
 * {@code harnessNsPerOp} what the harness alone costs of it (null when not measured).
 */
final class ResultTree {

    private ResultTree() {
    }

    static Map<String, Object> of(final RunResult r) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("layout", r.spec().layout());
        m.put("allocator", r.spec().allocator());
        m.put("threads", r.spec().threads());
        m.put("workload", r.spec().workload().name());
        m.put("ops", r.ops());
        m.put("opsPerSec", r.opsPerSec());
        m.put("elapsedNs", r.elapsedNs());
        final Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("alloc", latency(r.alloc()));
        latency.put("free", latency(r.free()));
        m.put("latencyNs", latency);
        final Map<String, Object> lines = new LinkedHashMap<>();
        lines.put("alloc", lines(r.allocLines()));
        lines.put("free", lines(r.freeLines()));
        m.put("cachelinesPerOp", lines);
        m.put("bytesPerPage", bytes(r.bytesPerPage()));
        m.put("percentOfRam", r.percentOfRam());
        m.put("hugePages", hugePages(r.bytesPerPage().hugePages(), r.spec().ramHugePages()));
        final List<Object> blocks = new ArrayList<>();
        for (final long b : r.freeBlocksByOrder()) {
            blocks.add(b);
        }
        m.put("freeBlocksByOrder", blocks);
        m.put("pages", r.pages());
        m.put("maxOrder", r.maxOrder());
        m.put("timerOverheadNs", r.timerOverheadNs());
        m.put("nsPerOp", r.nsPerOp());
        m.put("harnessNsPerOp", r.harnessNsPerOp());
        m.put("harnessShare", r.harnessShare());
        m.put("latencySampleEvery", r.latencySampleEvery());
        m.put("opsAhead", r.opsAhead());
        m.put("jit", r.jit().asJson());             // JitReport#asJson names the fields
        m.put("workloadStats", stats(r.workload()));
        if (Workloads.FRAGMENT.equals(r.spec().workload().name())) {
            final WorkloadStats s = r.workload();
            final Map<String, Object> high = new LinkedHashMap<>();
            high.put("order", s.probeOrder());
            high.put("attempts", s.probeAttempts());
            high.put("successes", s.probeSuccesses());
            high.put("successRate", s.probeSuccessRate());
            m.put("highOrder", high);
        }
        final List<Object> threads = new ArrayList<>();
        for (final ThreadResult t : r.perThread()) {
            final Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("thread", t.thread());
            tm.put("vcpu", t.thread());
            tm.put("ops", t.ops());
            tm.put("opsPerSec", t.opsPerSec());
            tm.put("elapsedNs", t.elapsedNs());
            tm.put("harnessNsPerOp", t.harnessNsPerOp());
            final Map<String, Object> tl = new LinkedHashMap<>();
            tl.put("alloc", latency(t.alloc()));
            tl.put("free", latency(t.free()));
            tm.put("latencyNs", tl);
            threads.add(tm);
        }
        m.put("perThread", threads);
        final Map<String, Object> verify = new LinkedHashMap<>();
        verify.put("ok", r.verify().ok());
        verify.put("freePages", r.verify().freePages());
        verify.put("allocatedPages", r.verify().allocatedPages());
        verify.put("managedPages", r.verify().managedPages());
        m.put("verify", verify);
        return m;
    }

    /** Puts counts made apart from the timed run (compare counts in its own JVM) in place of the tree's cachelines. */
    static void putCounts(final Map<String, Object> tree, final Driver.Counts counts) {
        final Map<String, Object> lines = new LinkedHashMap<>();
        lines.put("alloc", lines(counts.allocLines()));
        lines.put("free", lines(counts.freeLines()));
        tree.put("cachelinesPerOp", lines);
    }

    private static Map<String, Object> latency(final LatencySummary l) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", l.p50());
        m.put("p99", l.p99());
        m.put("p999", l.p999());
        m.put("max", l.max());
        m.put("mean", l.mean());
        m.put("count", l.count());
        return m;
    }

    private static Map<String, Object> lines(final CachelineSummary c) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("total", c.total());
        final Map<String, Object> byRegion = new LinkedHashMap<>();
        for (final Region r : Region.values()) {
            byRegion.put(r.key(), c.byRegion().getOrDefault(r, 0.0));
        }
        m.put("byRegion", byRegion);
        m.put("p99", c.p99());
        m.put("max", c.max());
        m.put("ops", c.ops());
        final Map<String, Object> byOrder = new LinkedHashMap<>();
        c.byOrder().forEach((order, mean) -> byOrder.put(Integer.toString(order), mean));
        m.put("byOrder", byOrder);
        return m;
    }

    /**
     * THP mode, whether RAM was asked onto huge pages ({@code --ram-hugepages}; {@code
     * byRegion.pageData.advisedBytes} says whether the policy applied it) and, per region (all of
     * them, so CSV rows line up), bytes mapped, advised, resident, huge-backed.
     */
    private static Map<String, Object> hugePages(final HugePageReport h, final boolean ramRequested) {
        final Map<String, Object> json = h.asJson();
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("thpMode", json.get("thpMode"));
        m.put("ramRequested", ramRequested);
        m.put("byRegion", json.get("byRegion"));
        return m;
    }

    private static Map<String, Object> bytes(final BytesPerPage b) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("total", b.total());
        final Map<String, Object> byRegion = new LinkedHashMap<>();
        for (final Region r : Region.values()) {
            if (r != Region.PAGE_DATA) {
                byRegion.put(r.key(), b.byRegion().getOrDefault(r, 0.0));
            }
        }
        m.put("byRegion", byRegion);
        m.put("metadataBytes", b.metadataBytes());
        return m;
    }

    private static Map<String, Object> stats(final WorkloadStats s) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("fillTargetPages", s.fillTargetPages());
        m.put("livePages", s.livePages());
        m.put("liveBlocks", s.liveBlocks());
        m.put("setupOps", s.setupOps());
        m.put("measuredAllocs", s.measuredAllocs());
        m.put("measuredFrees", s.measuredFrees());
        m.put("allocFailures", s.allocFailures());
        m.put("fillFailures", s.fillFailures());
        return m;
    }
}

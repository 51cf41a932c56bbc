package dev.memu.cli;

import dev.memu.access.Region;
import dev.memu.machine.HugePageReport;
import dev.memu.util.Sizes;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Results for a terminal: a few lines saying exactly what ran and how it was measured, then one
 * row per configuration; for a single run, the detail behind the row.
 */
final class TextReport {

    private TextReport() {
    }

    static String render(final Map<String, Object> config, final List<Map<String, Object>> results,
                         final boolean detail) {
        final StringBuilder sb = new StringBuilder();
        header(sb, config, results, detail);
        sb.append('\n').append(table(results));
        if (detail) {
            for (final Map<String, Object> r : results) {
                sb.append('\n');
                detail(sb, r);
            }
        }
        return sb.toString();
    }

    private static void header(final StringBuilder sb, final Map<String, Object> c,
                               final List<Map<String, Object>> results, final boolean detail) {
        final String workload = str(c, "workload");
        sb.append("memu ").append(str(c, "command")).append(": ").append(workload).append(" workload on ")
                .append(Sizes.format(lng(c, "memBytes"))).append(" of emulated RAM (").append(lng(c, "pages"))
                .append(" pages of ").append(Sizes.format(lng(c, "pageSize"))).append("), seed ").append(lng(c, "seed"))
                .append('\n');
        FromHost.header(sb, c);
        if (c.containsKey("fromHost")) {
            sb.append(FromHost.fillLine(c, pct(Json.number(c, "occupancy"))));
        } else {
            sb.append("  fill (untimed): ").append(pages(lng(c, "fillPages"))).append(" = min(")
                    .append(pct(Json.number(c, "occupancy"))).append(" of RAM, --max-fill ")
                    .append(Sizes.format(lng(c, "maxFillBytes"))).append(')')
                    .append("kernel-mix".equals(workload) ? "" : "; orders " + str(c, "orders"))
                    .append('\n');
        }
        if ("kernel-mix".equals(workload)) {
            sb.append("  kernel-mix shares ").append(str(c, "mix")).append(": every allocation a typed descriptor in "
                    + "the memdesc heap; fill by allocation events (untimed)\n");
            sb.append("  measured: ").append(lng(c, "ops")).append(" allocator calls of alloc/free events after ")
                    .append(lng(c, "warmupOps")).append(" warm-up calls (untimed), occupancy held near the fill\n");
        } else if ("fragment".equals(workload)) {
            sb.append("  measured: free ").append(pct(Json.number(c, "freeFraction")))
                    .append(" of the filled pages at random, then try order-").append(lng(c, "probeOrder"))
                    .append(" allocations (one per 2^").append(lng(c, "probeOrder")).append(" freed pages)\n");
        } else {
            sb.append("  measured: ").append(lng(c, "ops")).append(" random alloc/free ops after ")
                    .append(lng(c, "warmupOps")).append(" warm-up ops (untimed), occupancy held near the fill\n");
        }
        timing(sb, c, results, detail);
        sb.append("  cachelines: a second pass over the same ops with the counting access layer")
                .append(Boolean.TRUE.equals(c.get("countedApart"))
                        ? ", all configurations in compare's own JVM (counts do not depend on the JIT)"
                        + (Boolean.TRUE.equals(c.get("countedAlongside"))
                                ? ", counted while the children start and warm up, held still while each one times"
                                : "") : "")
                .append(" (distinct 64 B lines per op, all regions)\n");
        sb.append("  B/page: off-heap metadata really mapped (memmap + memdesc heap + allocator + lookup) / pages\n");
        if (c.get("failurePlan") instanceof Map<?, ?> plan) {
            sb.append("  memory failures: ").append(plan.containsKey("pfns") ? "pfns " + plan.get("pfns")
                    : new java.math.BigDecimal(Json.number(plan, "perMillionOps")).stripTrailingZeros().toPlainString() + " per million measured ops at random pfns")
                    .append(", spread over the measured ops, stop-the-world between ops (1 vcpu)\n");
        }
        if (Boolean.TRUE.equals(c.get("compact"))) {
            sb.append("  compaction: after the workload, order-9 probes, one compaction pass, probes again"
                    + " (stop-the-world)\n");
        }
        if (Boolean.TRUE.equals(c.get("forked"))) {
            sb.append("  each configuration ran in its own JVM (").append(str(c, "java"))
                    .append("), so no layout shares a JIT profile with another\n");
        } else if ("compare".equals(str(c, "command"))) {
            sb.append("  all configurations ran in this JVM (--no-fork): later ones run through call sites that"
                    + " earlier ones made polymorphic, so compare timings with care\n");
        }
    }

    /**
     * How the timed pass measured: throughput of whole loops, latencies from a sample (with the
     * timer's cost in each), and the harness alone, so that a reader can take it off.
     */
    private static void timing(final StringBuilder sb, final Map<String, Object> c,
                               final List<Map<String, Object>> results, final boolean detail) {
        final boolean ahead = !results.isEmpty() && results.stream().allMatch(r -> Boolean.TRUE.equals(r.get("opsAhead")));
        final long every = results.isEmpty() ? 0 : lng(results.getFirst(), "latencySampleEvery");
        sb.append("  timed pass: plain access layer; ").append(ahead
                ? "measured ops generated ahead into a buffer and replayed from it"
                : "measured ops produced one by one inside the timed loop (this workload cannot generate them ahead)")
                .append(", each thread's loop timed as a whole (Mops/s, ns/op)\n");
        sb.append("  latencies: sampled in the same loop, 1 op in ").append(every)
                .append(" timed alone with System.nanoTime() (~").append(lng(c, "timerOverheadNs"))
                .append(" ns timer cost included in each latency)\n");
        if (!ahead) {
            sb.append("  harness: not measured (needs ops generated ahead)\n");
            jit(sb, results);
            if (!detail) {
                hugePages(sb, results);     // the detail under the table says it per run
            }
            return;
        }
        double min = Double.MAX_VALUE;
        double max = 0;
        double share = 0;
        for (final Map<String, Object> r : results) {
            final double h = Json.number(r, "harnessNsPerOp");
            min = Math.min(min, h);
            max = Math.max(max, h);
            share = Math.max(share, Json.number(r, "harnessShare"));
        }
        sb.append("  harness alone (the same ops through the same loop on an allocator that does nothing): ")
                .append(results.size() == 1 ? fmt("%.1f", min) : fmt("%.1f", min) + "-" + fmt("%.1f", max))
                .append(" ns per op, at most ").append(pct(share))
                .append(" of a measured op (ns/op and harness columns; harnessNsPerOp in JSON)\n");
        jit(sb, results);
        if (!detail) {
            hugePages(sb, results);
        }
    }

    /**
     * The JIT before and under the clock: how long the warm-ups stood still for the compiler and
     * the timed passes waited for it to go quiet, and the most compile time (CPU of the compiler
     * threads) while measured ops ran, so that a row timed while its code was being compiled
     * can be told (jit in JSON).
     */
    private static void jit(final StringBuilder sb, final List<Map<String, Object>> results) {
        jit(sb, results, r -> str(r, "layout") + "/" + str(r, "allocator") + "/" + lng(r, "threads") + "t");
    }

    private static void hugePages(final StringBuilder sb, final List<Map<String, Object>> results) {
        hugePages(sb, results, r -> str(r, "layout") + "/" + str(r, "allocator") + "/" + lng(r, "threads") + "t");
    }

    /** {@link #jit(StringBuilder, List)} naming the busiest row with {@code label} (bench llfree's rows too). */
    static void jit(final StringBuilder sb, final List<? extends Map<?, ?>> results,
                    final java.util.function.Function<Map<?, ?>, String> label) {
        double warm = 0;
        double waited = 0;
        double most = -1;
        String busiest = null;
        int notQuiet = 0;
        for (final Map<?, ?> r : results) {
            final double ms = Json.number(r, "jit.compilerMsWhileTimed");
            if (Double.isNaN(ms)) {
                continue;
            }
            warm = Math.max(warm, Json.number(r, "jit.warmUpWaitedMs"));
            waited = Math.max(waited, Json.number(r, "jit.waitedMs"));
            if (!Boolean.TRUE.equals(Json.at(r, "jit.quiet"))) {
                notQuiet++;
            }
            if (ms > most) {
                most = ms;
                busiest = label.apply(r);
            }
        }
        if (busiest == null) {
            sb.append("  JIT: not watched (no /proc/self/task here, or an injected clock)\n");
            return;
        }
        sb.append(warm == 0 ? "  JIT: the warm-up never had to stand still for the compiler"
                        : "  JIT: the warm-up stood still while the compiler was behind (up to " + fmt("%.0f", warm) + " ms)")
                .append(" and the clock started once it was quiet (waited up to ").append(fmt("%.0f", waited))
                .append(" ms").append(notQuiet == 0 ? "" : "; " + notQuiet + " pass(es) gave up waiting")
                .append("); under the clock it compiled for up to ").append(fmt("%.1f", most)).append(" ms of CPU")
                .append(results.size() > 1 ? " (" + busiest + ")" : "")
                .append(" (jit in JSON)\n");
    }

    /**
     * What the host backed with transparent huge pages, over the rows: the share of each row's
     * resident metadata (every region but pageData) that sat on huge pages, as a range (rows with
     * less than one huge page of it resident have nothing to tell and are left out), then every
     * row under 90 % by name, with what was advised MADV_HUGEPAGE of what was mapped (a mapping
     * over {@link dev.memu.machine.HugePagePolicy}'s limit is not advised), so that a row measured
     * on 4 KiB pages says so.
     */
    private static final long HUGE_PAGE = 2L << 20;

    static void hugePages(final StringBuilder sb, final List<? extends Map<?, ?>> results,
                          final java.util.function.Function<Map<?, ?>, String> label) {
        String thp = null;
        int small = 0;
        double min = Double.MAX_VALUE;
        double max = 0;
        final StringBuilder low = new StringBuilder();
        for (final Map<?, ?> r : results) {
            final HugePageReport h = HugePageReport.fromJson(r.get("hugePages"));
            if (h == null) {
                continue;
            }
            thp = h.thpMode();
            final HugePageReport.RegionBacking metadata = h.metadata();
            final long resident = metadata.residentBytes();
            final long huge = metadata.hugeBytes();
            if (resident < HUGE_PAGE) {
                small++;                // less than one huge page to back: nothing to tell
                continue;
            }
            final double share = Math.min(1.0, (double) huge / resident);
            min = Math.min(min, share);
            max = Math.max(max, share);
            if (share < 0.9) {
                low.append("    ").append(label.apply(r)).append(": ").append(Sizes.format(huge)).append(" of ")
                        .append(Sizes.format(resident)).append(" resident on huge pages (")
                        .append(Sizes.format(metadata.advisedBytes())).append(" of ").append(Sizes.format(metadata.mappedBytes()))
                        .append(" mapped advised MADV_HUGEPAGE)\n");
            }
        }
        if (thp == null) {
            sb.append("  metadata on huge pages: not measured\n");
            return;
        }
        final String left = small == 0 ? "" : small + " row(s) with less than 2 MiB of it resident left out; ";
        if (min > max) {
            sb.append("  metadata on huge pages: no row had 2 MiB of metadata resident (host THP mode ").append(thp)
                    .append("; hugePages in JSON)\n");
            return;
        }
        sb.append("  metadata on huge pages: ").append(min == max ? pct(min) : fmt("%.1f", 100 * min) + "-" + pct(max))
                .append(" of what was resident")
                .append(results.size() - small < 2 ? "" : min == max ? " in every row" : ", per row")
                .append(" (").append(left).append("host THP mode ").append(thp).append("; hugePages in JSON)")
                .append(low.isEmpty() ? "\n" : "; under 90 %:\n").append(low);
    }

    static String table(final List<Map<String, Object>> results) {
        final boolean fragment = results.stream().anyMatch(r -> r.containsKey("highOrder"));
        final List<String> headers = new ArrayList<>(List.of("layout", "allocator", "threads", "Mops/s",
                "ns/op", "harness", "alloc p50", "alloc p99", "free p50", "free p99", "lines/alloc", "lines/free", "B/page",
                "memmap", "memdesc", "alloc", "lookup", "%RAM"));
        if (fragment) {
            headers.add("high-order ok");
        }
        final boolean[] numeric = new boolean[headers.size()];
        for (int i = 2; i < numeric.length; i++) {
            numeric[i] = true;
        }
        final TextTable table = new TextTable(headers, numeric);
        for (final Map<String, Object> r : results) {
            final List<String> row = new ArrayList<>(List.of(str(r, "layout"), str(r, "allocator"),
                    String.valueOf(lng(r, "threads")),
                    fmt("%.2f", Json.number(r, "opsPerSec") / 1e6),
                    nsOrDash(r, "nsPerOp"), nsOrDash(r, "harnessNsPerOp"),
                    ns(r, "latencyNs.alloc.p50"), ns(r, "latencyNs.alloc.p99"),
                    ns(r, "latencyNs.free.p50"), ns(r, "latencyNs.free.p99"),
                    fmt("%.2f", Json.number(r, "cachelinesPerOp.alloc.total")),
                    fmt("%.2f", Json.number(r, "cachelinesPerOp.free.total")),
                    fmt("%.2f", Json.number(r, "bytesPerPage.total")),
                    fmt("%.2f", Json.number(r, "bytesPerPage.byRegion.memmap")),
                    fmt("%.2f", Json.number(r, "bytesPerPage.byRegion.memdesc")),
                    fmt("%.2f", Json.number(r, "bytesPerPage.byRegion.allocator")),
                    fmt("%.2f", Json.number(r, "bytesPerPage.byRegion.lookup")),
                    fmt("%.3f", Json.number(r, "percentOfRam"))));
            if (fragment) {
                row.add(r.containsKey("highOrder")
                        ? lng(r, "highOrder.successes") + "/" + lng(r, "highOrder.attempts") : "");
            }
            table.row(row);
        }
        return table.render() + "  ns/op = one thread's measured loop time per op, harness included; harness = the same"
                + " ops on an allocator that does nothing; latencies in ns (sampled); lines = distinct 64-byte cachelines per op (mean); B/page = "
                + "memmap + memdesc (descriptor heap, slack included) + alloc (allocator metadata) + lookup\n";
    }

    private static void detail(final StringBuilder sb, final Map<String, Object> r) {
        sb.append(str(r, "layout")).append(" / ").append(str(r, "allocator")).append(" / ")
                .append(lng(r, "threads")).append(" thread(s): ").append(lng(r, "ops")).append(" measured ops in ")
                .append(fmt("%.3f", lng(r, "elapsedNs") / 1e9)).append(" s; allocator max order ")
                .append(lng(r, "maxOrder")).append('\n');
        sb.append("  per op: ").append(nsOrDash(r, "nsPerOp")).append(" ns on one thread, of which the harness alone ")
                .append(Double.isNaN(Json.number(r, "harnessNsPerOp")) ? "was not measured"
                        : nsOrDash(r, "harnessNsPerOp") + " ns (" + pct(Json.number(r, "harnessShare")) + ")")
                .append("; latencies from 1 op in ").append(lng(r, "latencySampleEvery")).append('\n');

        final TextTable latency = new TextTable(List.of("latency ns", "count", "p50", "p99", "p99.9", "max", "mean"),
                new boolean[]{false, true, true, true, true, true, true});
        for (final String kind : List.of("alloc", "free")) {
            final String p = "latencyNs." + kind + ".";
            latency.row(List.of(kind, String.valueOf(lng(r, p + "count")), ns(r, p + "p50"), ns(r, p + "p99"),
                    ns(r, p + "p999"), ns(r, p + "max"), fmt("%.1f", Json.number(r, p + "mean"))));
        }
        sb.append(indent(latency.render()));

        final List<String> lineHeaders = new ArrayList<>(List.of("lines per op", "total", "p99", "max"));
        for (final Region region : Region.values()) {
            lineHeaders.add(region.key());
        }
        final boolean[] lineNumeric = new boolean[lineHeaders.size()];
        java.util.Arrays.fill(lineNumeric, 1, lineNumeric.length, true);
        final TextTable lines = new TextTable(lineHeaders, lineNumeric);
        for (final String kind : List.of("alloc", "free")) {
            final String p = "cachelinesPerOp." + kind + ".";
            final List<String> row = new ArrayList<>(List.of(kind, fmt("%.2f", Json.number(r, p + "total")),
                    String.valueOf(lng(r, p + "p99")), String.valueOf(lng(r, p + "max"))));
            for (final Region region : Region.values()) {
                row.add(fmt("%.2f", Json.number(r, p + "byRegion." + region.key())));
            }
            lines.row(row);
        }
        sb.append(indent(lines.render()));
        for (final String kind : List.of("alloc", "free")) {
            if (Json.at(r, "cachelinesPerOp." + kind + ".byOrder") instanceof Map<?, ?> byOrder && byOrder.size() > 1) {
                sb.append("  lines per ").append(kind).append(" by order:");
                byOrder.forEach((order, mean) -> sb.append(' ').append(order).append(": ")
                        .append(fmt("%.2f", ((Number) mean).doubleValue())));
                sb.append('\n');
            }
        }

        sb.append("  bytes per page: ").append(fmt("%.2f", Json.number(r, "bytesPerPage.total"))).append(" (");
        boolean first = true;
        for (final Region region : Region.values()) {
            if (region != Region.PAGE_DATA) {
                sb.append(first ? "" : ", ").append(region.key()).append(' ')
                        .append(fmt("%.2f", Json.number(r, "bytesPerPage.byRegion." + region.key())));
                first = false;
            }
        }
        sb.append(") = ").append(fmt("%.3f", Json.number(r, "percentOfRam"))).append("% of RAM, ")
                .append(Sizes.format(lng(r, "bytesPerPage.metadataBytes"))).append(" mapped\n");
        final HugePageReport hugePages = HugePageReport.fromJson(r.get("hugePages"));
        if (hugePages != null) {
            final HugePageReport.RegionBacking m = hugePages.metadata();
            sb.append("  metadata on huge pages: ").append(Sizes.format(m.hugeBytes())).append(" of ")
                    .append(Sizes.format(m.residentBytes())).append(" resident (").append(Sizes.format(m.advisedBytes()))
                    .append(" advised MADV_HUGEPAGE; host THP mode ").append(hugePages.thpMode()).append(")\n");
        }

        sb.append("  free blocks by order:");
        if (r.get("freeBlocksByOrder") instanceof List<?> blocks) {
            for (final Object b : blocks) {
                sb.append(' ').append(b);
            }
        }
        sb.append('\n');
        if (r.containsKey("highOrder")) {
            sb.append("  high-order: ").append(lng(r, "highOrder.successes")).append(" of ")
                    .append(lng(r, "highOrder.attempts")).append(" order-").append(lng(r, "highOrder.order"))
                    .append(" allocations succeeded (")
                    .append(pct(Json.number(r, "highOrder.successRate"))).append(")\n");
        }
        freeBlocksOverTime(sb, r);
        kernelMix(sb, r);
        failures(sb, r);
        compaction(sb, r);
        if (lng(r, "workloadStats.allocFailures") > 0 || lng(r, "workloadStats.fillFailures") > 0) {
            sb.append("  failed allocs: ").append(lng(r, "workloadStats.allocFailures")).append(" measured, ")
                    .append(lng(r, "workloadStats.fillFailures")).append(" during the fill\n");
        }
        if (r.get("perThread") instanceof List<?> threads && threads.size() > 1) {
            for (final Object t : threads) {
                sb.append("  vcpu ").append(lng(t, "thread")).append(": ")
                        .append(fmt("%.2f", Json.number(t, "opsPerSec") / 1e6)).append(" Mops/s, alloc p50/p99 ")
                        .append(ns(t, "latencyNs.alloc.p50")).append('/').append(ns(t, "latencyNs.alloc.p99"))
                        .append(" ns, free p50/p99 ").append(ns(t, "latencyNs.free.p50")).append('/')
                        .append(ns(t, "latencyNs.free.p99")).append(" ns\n");
            }
        }
        sb.append("  verify: ").append(Boolean.TRUE.equals(Json.at(r, "verify.ok")) ? "ok" : "FAILED")
                .append(", free ").append(lng(r, "verify.freePages")).append(" + allocated ")
                .append(lng(r, "verify.allocatedPages")).append(" = managed ").append(lng(r, "verify.managedPages"))
                .append(" pages\n");
    }

    /** The fragment workload's points (counting pass): free blocks by order after each step, and the probes so far. */
    private static void freeBlocksOverTime(final StringBuilder sb, final Map<String, Object> r) {
        if (!(Json.at(r, "freeBlocksOverTime.points") instanceof List<?> points) || points.isEmpty()) {
            return;
        }
        sb.append("  free blocks by order over the run (counting pass; probes won/made so far):\n");
        for (final Object p : points) {
            sb.append(String.format(Locale.ROOT, "    after %-11s %5d/%-5d", Json.at(p, "after"),
                    (long) Json.number(p, "probeSuccesses"), (long) Json.number(p, "probeAttempts")));
            if (Json.at(p, "blocks") instanceof List<?> blocks) {
                for (final Object b : blocks) {
                    sb.append(' ').append(b);
                }
            }
            sb.append('\n');
        }
    }

    private static void kernelMix(final StringBuilder sb, final Map<String, Object> r) {
        if (!(Json.at(r, "kernelMix.allocationsByType") instanceof Map<?, ?> byType)) {
            return;
        }
        sb.append("  kernel-mix allocations:");
        byType.forEach((type, n) -> sb.append(' ').append(type).append(' ').append(n));
        sb.append("; memdesc heap ").append(Sizes.format(lng(r, "kernelMix.memdescHeap.mappedBytes")))
                .append(" mapped, ").append(Sizes.format(lng(r, "kernelMix.memdescHeap.liveBytes")))
                .append(" in ").append(lng(r, "kernelMix.memdescHeap.liveObjects")).append(" live descriptors\n");
    }

    private static void failures(final StringBuilder sb, final Map<String, Object> r) {
        if (!r.containsKey("failures")) {
            return;
        }
        sb.append("  memory failures: ").append(lng(r, "failures.injected")).append(" injected: recovered ")
                .append(lng(r, "failures.recovered")).append(", lost ").append(lng(r, "failures.lost")).append('\n');
        sb.append("    by action:");
        if (Json.at(r, "failures.byAction") instanceof Map<?, ?> byAction) {
            byAction.forEach((a, n) -> {
                if (((Number) n).longValue() > 0) {
                    sb.append(' ').append(a).append(' ').append(n);
                }
            });
        }
        sb.append("\n    by owner type:");
        if (Json.at(r, "failures.byType") instanceof Map<?, ?> byType) {
            byType.forEach((t, n) -> sb.append(' ').append(t).append(' ').append(n));
        }
        sb.append("\n    pfn -> owner lookup: ").append(lng(r, "failures.lookup.nsMedian")).append(" ns median, ")
                .append(fmt("%.0f", Json.number(r, "failures.lookup.nsMean"))).append(" ns mean (timed pass; cold code and lines: a few dozen lookups never warm up), ").append(fmt("%.2f", Json.number(r, "failures.lookup.linesMean")))
                .append(" cachelines mean, ").append(lng(r, "failures.lookup.linesMax"))
                .append(" max (counting pass)\n");
        sb.append("    poisoned pages ").append(lng(r, "failures.poisonedPages")).append(", quarantined good pages ")
                .append(lng(r, "failures.quarantinedPages")).append(", poisoned pages handed out again ")
                .append(lng(r, "failures.poisonedHandedOut")).append(", checksum mismatches ")
                .append(lng(r, "failures.checksumFailures")).append('\n');
    }

    private static void compaction(final StringBuilder sb, final Map<String, Object> r) {
        if (!r.containsKey("compaction")) {
            return;
        }
        final long order = lng(r, "compaction.order");
        sb.append("  compaction (order ").append(order).append("):\n");
        final TextTable t = new TextTable(List.of("", "free order-" + order + " blocks", "order-" + order + " capacity",
                "order-" + order + " probes ok"), new boolean[]{false, true, true, true});
        t.row(List.of("before", String.valueOf(lng(r, "compaction.freeBlocksBefore")),
                String.valueOf(lng(r, "compaction.capacityBefore")),
                lng(r, "compaction.probeSuccessesBefore") + "/" + lng(r, "compaction.probeAttempts")));
        t.row(List.of("after", String.valueOf(lng(r, "compaction.freeBlocksAfter")),
                String.valueOf(lng(r, "compaction.capacityAfter")),
                lng(r, "compaction.probeSuccessesAfter") + "/" + lng(r, "compaction.probeAttempts")));
        sb.append(indent(indent(t.render())));
        sb.append("    migrated ").append(lng(r, "compaction.migratedAllocations")).append(" allocations (")
                .append(lng(r, "compaction.migratedPages")).append(" pages); pageblocks scanned ")
                .append(lng(r, "compaction.pageblocksScanned")).append(", skipped (unmovable) ")
                .append(lng(r, "compaction.pageblocksSkipped")).append("; ").append(str(r, "compaction.stopReason"))
                .append("; capacity = free blocks of order >= ").append(order).append(" in order-").append(order)
                .append(" units\n");
    }

    private static String indent(final String block) {
        return block.lines().map(l -> "  " + l).reduce("", (a, b) -> a + b + "\n");
    }

    private static String str(final Object tree, final String path) {
        final Object v = Json.at(tree, path);
        return v == null ? "" : v.toString();
    }

    private static long lng(final Object tree, final String path) {
        return Json.at(tree, path) instanceof Number n ? n.longValue() : 0;
    }

    private static String ns(final Object tree, final String path) {
        return String.valueOf(lng(tree, path));
    }

    /** A mean in ns with one decimal, or "-" when it was not measured (null in the tree). */
    private static String nsOrDash(final Object tree, final String path) {
        final double v = Json.number(tree, path);
        return Double.isNaN(v) ? "-" : fmt("%.1f", v);
    }

    private static String pct(final double fraction) {
        return Double.isNaN(fraction) ? "n/a" : fmt("%.1f%%", fraction * 100);
    }

    private static String fmt(final String format, final double value) {
        return String.format(Locale.ROOT, format, value);
    }

    /** {@code 1 page}, {@code 8192 pages}. */
    static String pages(final long n) {
        return n + (n == 1 ? " page" : " pages");
    }
}

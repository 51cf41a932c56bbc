package dev.memu.cli;

import dev.memu.access.Region;
import dev.memu.layout.Layouts;
import dev.memu.trace.FtraceParser;
import dev.memu.trace.Placement;
import dev.memu.trace.ReplayEngine;
import dev.memu.trace.ReplayOptions;
import dev.memu.trace.ReplayReport;
import dev.memu.trace.TraceFormatException;
import dev.memu.trace.TraceLog;
import dev.memu.trace.TraceStats;
import dev.memu.util.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code memu replay FILE...}: replays ftrace kmem page-allocator events against layouts and an
 * allocator and reports events, oddities, cachelines per op, failures, free blocks over time and
 * bytes per page. Exit 0 on success, 2 on bad input (named on one stderr line), 1 on I/O failure.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replay ftrace kmem:mm_page_alloc/mm_page_free/mm_page_free_batched text",
                "(plain or gzip, '-' for stdin) against layouts and an allocator."})
public final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "trace text from /sys/kernel/tracing/trace(_pipe); '-' reads stdin")
    List<String> files;

    @Option(names = "--layout", defaultValue = "linux64", split = ",",
            description = "layout(s), comma-separated, or 'all' (default: ${DEFAULT-VALUE})")
    List<String> layouts;

    @Option(names = "--allocator", defaultValue = "buddy", description = "allocator for --placement allocator (default: ${DEFAULT-VALUE})")
    String allocator;

    @Option(names = "--placement", defaultValue = "trace",
            description = "trace: keep the kernel's pfns; allocator: let the allocator place each request (default: ${DEFAULT-VALUE})")
    String placement;

    @Option(names = "--mem", description = "emulated RAM (e.g. 8G); default: sized from the trace's highest pfn")
    String mem;

    @Option(names = "--vcpus", defaultValue = "0", description = "vcpus; [CPU#] maps to cpu %% vcpus (default: highest cpu + 1)")
    int vcpus;

    @Option(names = "--strict", description = "any oddity is fatal (exit 2 with its line)")
    boolean strict;

    @Option(names = "--snapshots", defaultValue = "4", description = "free-blocks-by-order snapshots over the replay (default: ${DEFAULT-VALUE})")
    int snapshots;

    @Option(names = "--no-count", description = "do not count cachelines (plain access)")
    boolean noCount;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--out", description = "write the report here (atomically) instead of stdout")
    Path out;

    /** Standard input for '-'; tests replace it. */
    InputStream stdin = System.in;

    /** Runs this command alone (until the lead registers it under {@code memu}). */
    @Override
    public Integer call() {
        final var err = spec.commandLine().getErr();
        try {
            if (!format.equals("text") && !format.equals("json")) {
                throw new IllegalArgumentException("--format must be text or json, got '" + format + "'");
            }
            final List<String> layoutNames = layouts.size() == 1 && layouts.get(0).equals("all")
                    ? Layouts.all().stream().map(l -> l.name()).toList() : layouts;
            final long ram = mem == null ? 0 : Sizes.parse(mem);
            final Placement where = Placement.of(placement);
            ReplayOptions base = new ReplayOptions(layoutNames.get(0), allocator, where, ram, vcpus, strict,
                    snapshots, !noCount);
            for (final String l : layoutNames) {
                base.withLayout(l);                 // validates every name before any work
            }
            // --out is checked (and its temporary file made) before the trace is read and replayed
            final OutputTarget target = OutputTarget.open(out == null ? null : out.toString(), spec.commandLine().getOut());
            try {
                final TraceLog log = FtraceParser.read(files, strict, stdin);
                final List<ReplayReport> reports = new ArrayList<>();
                for (final String l : layoutNames) {
                    reports.add(ReplayEngine.replay(log, base.withLayout(l)));
                }
                target.commit(format.equals("json") ? json(reports) : text(reports));
            } finally {
                target.abandon();
            }
            return 0;
        } catch (final UsageException e) {
            err.println("memu replay: " + e.getMessage());
            return 2;
        } catch (final NoSuchFileException e) {
            err.println("memu replay: " + e.getFile() + ": no such trace file");
            return 2;
        } catch (final TraceFormatException e) {
            err.println("memu replay: " + e.getMessage() + " (--strict)");
            return 2;
        } catch (final IllegalArgumentException e) {
            err.println("memu replay: " + e.getMessage());
            return 2;
        } catch (final IOException e) {
            err.println("memu replay: " + e.getMessage());
            return 1;
        } finally {
            err.flush();
        }
    }

    // ---- text ----

    static String text(final List<ReplayReport> reports) {
        final StringBuilder sb = new StringBuilder();
        final ReplayReport first = reports.get(0);
        final TraceStats t = first.trace();
        sb.append("memu replay ").append(String.join(" ", first.inputs())).append('\n');
        sb.append(String.format(Locale.ROOT, "trace     %d lines, %d events: %d alloc, %d free, %d free_batched; "
                        + "%d other events skipped; %d kernel alloc failures (pfn 0)%n",
                t.lines(), t.events(), t.allocs(), t.frees(), t.freesBatched(), t.otherEvents(), t.kernelAllocFailures()));
        sb.append(String.format(Locale.ROOT, "ring      %d LOST markers (%d events lost), %d events overwritten (trace header)%n",
                t.lostMarkers(), t.lostEvents(), t.overwrittenEvents()));
        sb.append(String.format(Locale.ROOT, "text      %d unparsable lines (%d truncated, %d garbage)%n",
                t.unparsable(), t.truncated(), t.garbage()));
        sb.append(String.format(Locale.ROOT, "sequence  %d unmatched frees (%d pages, allocated before tracing began), "
                        + "%d duplicate frees (%d free_batched after free), %d partial frees, %d allocs over live pages, "
                        + "%d/%d allocs/frees out of range, %d misaligned, %d orders too high%n",
                first.unmatchedFrees(), first.unmatchedFreePages(), first.duplicateFrees(),
                first.duplicateBatchedAfterFree(), first.partialFrees(), first.allocOverLive(),
                first.outOfRangeAllocs(), first.outOfRangeFrees(), first.misaligned(), first.orderTooHigh()));
        final List<String> examples = new ArrayList<>(t.examples());
        examples.addAll(first.sequenceExamples());
        for (final String e : examples) {
            sb.append("  e.g.    ").append(e).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "replay    placement %s, allocator %s, RAM %s (%d pages), %d vcpus%n",
                first.options().placement().name().toLowerCase(Locale.ROOT), first.allocatorName(),
                Sizes.format(first.ramBytes()), first.pages(), first.vcpus()));
        sb.append("ops by order   ");
        for (int o = 0; o < ReplayReport.ORDERS; o++) {
            if (first.allocsByOrder(o) + first.freesByOrder(o) + first.failuresByOrder(o) > 0) {
                sb.append(String.format(Locale.ROOT, " o%d: %d alloc / %d free", o, first.allocsByOrder(o), first.freesByOrder(o)));
                if (first.failuresByOrder(o) > 0) {
                    sb.append(String.format(Locale.ROOT, " / %d FAILED", first.failuresByOrder(o)));
                }
                sb.append(';');
            }
        }
        sb.append('\n');
        sb.append(String.format(Locale.ROOT, "live pages at end %d, peak %d%n%n", first.livePagesAtEnd(), first.peakLivePages()));

        sb.append(String.format(Locale.ROOT, "%-10s %9s %9s %9s %9s %9s %9s %9s %9s %12s %10s%n", "layout",
                "alloc.ln", "memmap", "alloc.md", "pageData", "p99", "free.ln", "memmap", "p99", "metadata", "B/page"));
        for (final ReplayReport r : reports) {
            sb.append(String.format(Locale.ROOT, "%-10s %9.2f %9.2f %9.2f %9.2f %9d %9.2f %9.2f %9d %12s %10.2f%n",
                    r.options().layout(), r.allocLinesPerOp(), r.allocLinesPerOp(Region.MEMMAP),
                    r.allocLinesPerOp(Region.ALLOCATOR), r.allocLinesPerOp(Region.PAGE_DATA), r.allocLinesPercentile(99),
                    r.freeLinesPerOp(), r.freeLinesPerOp(Region.MEMMAP), r.freeLinesPercentile(99),
                    Sizes.format(metadata(r)), r.bytesPerPage()));
        }
        sb.append("  (distinct 64-byte lines per op: all regions, memmap, allocator metadata, page data; metadata = memmap + allocator + memdesc + lookup)\n\n");
        sb.append("free blocks by order over the replay (").append(first.options().layout()).append(")\n");
        for (final ReplayReport.Snapshot s : first.snapshots()) {
            sb.append(String.format(Locale.ROOT, "  after event %8d  t=%14.6f s ", s.eventIndex() + 1, s.timestampNanos() / 1e9));
            for (final long v : s.freeBlocksByOrder()) {
                sb.append(String.format(Locale.ROOT, " %7d", v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static long metadata(final ReplayReport r) {
        return r.regionBytes(Region.MEMMAP) + r.regionBytes(Region.ALLOCATOR) + r.regionBytes(Region.MEMDESC)
                + r.regionBytes(Region.LOOKUP);
    }

    // ---- json ----

    static String json(final List<ReplayReport> reports) {
        final ReplayReport first = reports.get(0);
        final TraceStats t = first.trace();
        final Map<String, Object> j = new LinkedHashMap<>();
        j.put("inputs", new ArrayList<>(first.inputs()));
        final Map<String, Object> trace = new LinkedHashMap<>();
        trace.put("lines", t.lines());
        trace.put("events", t.events());
        trace.put("allocs", t.allocs());
        trace.put("frees", t.frees());
        trace.put("freesBatched", t.freesBatched());
        trace.put("otherEvents", t.otherEvents());
        trace.put("kernelAllocFailures", t.kernelAllocFailures());
        trace.put("truncated", t.truncated());
        trace.put("garbage", t.garbage());
        trace.put("lostMarkers", t.lostMarkers());
        trace.put("lostEvents", t.lostEvents());
        trace.put("overwrittenEvents", t.overwrittenEvents());
        trace.put("maxCpu", t.maxCpu());
        trace.put("maxPfn", t.maxPfn());
        trace.put("examples", new ArrayList<>(t.examples()));
        j.put("trace", trace);
        final Map<String, Object> sequence = new LinkedHashMap<>();
        sequence.put("unmatchedFrees", first.unmatchedFrees());
        sequence.put("unmatchedFreePages", first.unmatchedFreePages());
        sequence.put("duplicateFrees", first.duplicateFrees());
        sequence.put("duplicateBatchedAfterFree", first.duplicateBatchedAfterFree());
        sequence.put("partialFrees", first.partialFrees());
        sequence.put("allocOverLive", first.allocOverLive());
        sequence.put("outOfRangeAllocs", first.outOfRangeAllocs());
        sequence.put("outOfRangeFrees", first.outOfRangeFrees());
        sequence.put("misaligned", first.misaligned());
        sequence.put("orderTooHigh", first.orderTooHigh());
        sequence.put("oddities", first.oddities());
        sequence.put("examples", new ArrayList<>(first.sequenceExamples()));
        j.put("sequence", sequence);
        final List<Object> replays = new ArrayList<>();
        for (final ReplayReport r : reports) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("layout", r.options().layout());
            m.put("placement", r.options().placement().name().toLowerCase(Locale.ROOT));
            m.put("allocator", r.allocatorName());
            m.put("ramBytes", r.ramBytes());
            m.put("pages", r.pages());
            m.put("vcpus", r.vcpus());
            m.put("allocs", r.allocsReplayed());
            m.put("frees", r.freesReplayed());
            m.put("failures", r.failures());
            m.put("freesOfFailed", r.freesOfFailed());
            m.put("livePagesAtEnd", r.livePagesAtEnd());
            m.put("peakLivePages", r.peakLivePages());
            final List<Long> allocs = new ArrayList<>();
            final List<Long> frees = new ArrayList<>();
            final List<Long> fails = new ArrayList<>();
            for (int o = 0; o < ReplayReport.ORDERS; o++) {
                allocs.add(r.allocsByOrder(o));
                frees.add(r.freesByOrder(o));
                fails.add(r.failuresByOrder(o));
            }
            m.put("allocsByOrder", allocs);
            m.put("freesByOrder", frees);
            m.put("failuresByOrder", fails);
            final Map<String, Object> alloc = new LinkedHashMap<>();
            alloc.put("all", r.allocLinesPerOp());
            alloc.put("p50", r.allocLinesPercentile(50));
            alloc.put("p99", r.allocLinesPercentile(99));
            for (final Region g : Region.values()) {
                alloc.put(g.key(), r.allocLinesPerOp(g));
            }
            final Map<String, Object> free = new LinkedHashMap<>();
            free.put("all", r.freeLinesPerOp());
            free.put("p50", r.freeLinesPercentile(50));
            free.put("p99", r.freeLinesPercentile(99));
            for (final Region g : Region.values()) {
                free.put(g.key(), r.freeLinesPerOp(g));
            }
            final Map<String, Object> lines = new LinkedHashMap<>();
            lines.put("alloc", alloc);
            lines.put("free", free);
            m.put("linesPerOp", lines);
            final Map<String, Object> bytes = new LinkedHashMap<>();
            for (final Region g : Region.values()) {
                bytes.put(g.key(), r.regionBytes(g));
            }
            bytes.put("metadataPerPage", r.bytesPerPage());
            m.put("bytes", bytes);
            final List<Object> snapshots = new ArrayList<>();
            for (final ReplayReport.Snapshot s : r.snapshots()) {
                final Map<String, Object> snap = new LinkedHashMap<>();
                snap.put("afterEvent", s.eventIndex() + 1);
                snap.put("timestampNanos", s.timestampNanos());
                snap.put("blocks", HostCommand.longs(s.freeBlocksByOrder()));
                snapshots.add(snap);
            }
            m.put("freeBlocksByOrder", snapshots);
            replays.add(m);
        }
        j.put("replays", replays);
        return Json.write(j);
    }
}

package dev.memu.cli;

import dev.memu.access.Region;
import dev.memu.layout.Layouts;
import dev.memu.trace.FtraceParser;
import dev.memu.trace.Placement;
import dev.memu.trace.ReplayEngine;
import dev.memu.trace.ReplayOptions;
import dev.memu.trace.ReplayReport;
import dev.memu.trace.TraceFormatException;
import dev.memu.trace.TraceInputs;
import dev.memu.trace.TraceStats;
import dev.memu.util.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
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

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "trace text captured from /sys/kernel/tracing/trace(_pipe) (read more than once: replay a copy, not the live file); '-' reads stdin")
    List<String> files;

    @Option(names = "--layout", defaultValue = "linux64", split = ",",
            description = "layout(s), comma-separated, or 'all' (default: ${DEFAULT-VALUE})")
    List<String> layouts;

    @Option(names = "--allocator", defaultValue = "buddy",
            description = "allocator for --placement allocator, refused with the trace placement (default: ${DEFAULT-VALUE})")
    String allocator;

    @Option(names = "--placement", defaultValue = "trace",
            description = "trace: keep the kernel's pfns; allocator: let the allocator place each request (default: ${DEFAULT-VALUE})")
    String placement;

    @Option(names = "--mem", description = {"emulated RAM (e.g. 8G); default: sized from the trace's highest pfn (at most 1 TiB).",
            "Refused when RAM + memmap would exceed 64 TiB of address space or the memmap this host's memory."})
    String mem;

    @Option(names = "--vcpus", defaultValue = "0",
            description = "vcpus, 1..1024; [CPU#] maps to cpu %% vcpus (default: highest cpu + 1, at most 1024)")
    int vcpus;

    @Option(names = "--strict", description = "any oddity is fatal (exit 2 with its line)")
    boolean strict;

    @Option(names = "--snapshots", defaultValue = "4", description = "free-blocks-by-order snapshots over the replay, 0..1000 (default: ${DEFAULT-VALUE})")
    int snapshots;

    @Option(names = "--no-count", description = "do not count cachelines (plain access)")
    boolean noCount;

    @Option(names = "--format", defaultValue = "text",
            description = "text, json or html (one self-contained page: free blocks by order over the replay, "
                    + "cachelines per op, metadata per page, then the text report) (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--out", description = "write the report here (atomically) instead of stdout")
    Path out;

    @Option(names = "--progress", paramLabel = "auto|tty|lines|off", defaultValue = "auto",
            description = "progress of replay passes longer than ~1.5 s on stderr (default: ${DEFAULT-VALUE}: tty when the console is one)")
    String progress;

    /** Standard input for '-'; tests replace it. */
    InputStream stdin = System.in;

    /** Runs this command alone (until the lead registers it under {@code memu}). */
    @Override
    public Integer call() {
        final var err = spec.commandLine().getErr();
        try {
            if (!format.equals("text") && !format.equals("json") && !format.equals("html")) {
                throw new IllegalArgumentException("--format must be text, json or html, got '" + format + "'");
            }
            final String progressMode = Inputs.choice("--progress", progress, ConsoleProgress.MODES);
            final List<String> layoutNames = layouts.size() == 1 && layouts.get(0).equals("all")
                    ? Layouts.all().stream().map(l -> l.name()).toList() : layouts;
            if (vcpus < 0 || vcpus > ReplayEngine.MAX_VCPUS) {
                throw new UsageException("--vcpus " + vcpus + ": must be 1.." + ReplayEngine.MAX_VCPUS
                        + " (or 0: the trace's highest cpu + 1)");
            }
            if (snapshots < 0 || snapshots > ReplayOptions.MAX_SNAPSHOTS) {
                throw new UsageException("--snapshots " + snapshots + ": must be 0.." + ReplayOptions.MAX_SNAPSHOTS);
            }
            final Placement where = Placement.of(placement);
            if (where != Placement.ALLOCATOR && spec.commandLine().getParseResult().hasMatchedOption("--allocator")) {
                throw new UsageException("--allocator applies only with --placement allocator (the trace placement "
                        + "keeps the kernel's pfns and runs no allocator)");
            }
            final long ram = mem == null ? 0 : Inputs.mem(mem);
            final ReplayOptions base = new ReplayOptions(layoutNames.get(0), allocator, where, ram, vcpus, strict,
                    snapshots, !noCount);
            for (final String l : layoutNames) {
                base.withLayout(l);                 // validates every name before any work
                if (ram > 0) {
                    try {
                        ReplayEngine.checkFits(ram, l, ReplayEngine.hostMemoryBytes());
                    } catch (final IllegalArgumentException e) {
                        throw new UsageException("--mem '" + mem + "': " + e.getMessage());
                    }
                }
            }
            // --out is checked (and its temporary file made) before the trace is read and replayed
            final OutputTarget target = OutputTarget.open(out == null ? null : out.toString(), spec.commandLine().getOut());
            try (TraceInputs inputs = TraceInputs.open(files, stdin)) {
                final TraceStats stats = FtraceParser.count(inputs, strict);
                final var console = ConsoleProgress.of(progressMode, err);
                final List<ReplayReport> reports = new ArrayList<>();
                for (final String l : layoutNames) {
                    reports.add(ReplayEngine.replay(inputs, stats, base.withLayout(l), console));
                }
                target.commit(switch (format) {
                    case "json" -> json(reports);
                    case "html" -> html(reports);
                    default -> text(reports);
                });
            } finally {
                target.abandon();
            }
            return 0;
        } catch (final UsageException e) {
            err.println("memu: " + e.getMessage());
            return 2;
        } catch (final FileSystemException e) {
            // no such trace file, a directory, unreadable: the input named is wrong
            err.println("memu: " + e.getFile() + ": " + (e.getReason() == null ? "cannot be read" : e.getReason()));
            return 2;
        } catch (final TraceFormatException e) {
            err.println("memu: " + e.getMessage() + " (--strict)");
            return 2;
        } catch (final IllegalArgumentException e) {
            err.println("memu: " + e.getMessage());
            return 2;
        } catch (final IOException e) {
            err.println("memu: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
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
        sb.append(String.format(Locale.ROOT, "text      %d unparsable lines (%d truncated, %d garbage, %d pfn out of range, "
                        + "%d bad order, %d longer than %d characters)%n",
                t.unparsable(), t.truncated(), t.garbage(), t.pfnOutOfRange(), t.badOrder(), t.tooLong(),
                ReplayReport.MAX_LINE_CHARS));
        if (t.events() == 0) {
            sb.append("no events: the input holds no kmem:mm_page_alloc, mm_page_free or mm_page_free_batched line; "
                    + "nothing was replayed\n");
        }
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
            sb.append(String.format(Locale.ROOT, "%-10s %9s %9s %9s %9s %9s %9s %9s %9s %12s %10.2f%n",
                    r.options().layout(), lines(r.allocLinesPerOp()), lines(r.allocLinesPerOp(Region.MEMMAP)),
                    lines(r.allocLinesPerOp(Region.ALLOCATOR)), lines(r.allocLinesPerOp(Region.PAGE_DATA)),
                    count(r.allocLinesPercentile(99)), lines(r.freeLinesPerOp()), lines(r.freeLinesPerOp(Region.MEMMAP)),
                    count(r.freeLinesPercentile(99)), Sizes.format(metadata(r)), r.bytesPerPage()));
        }
        if (first.allocOps() == 0 || first.freeOps() == 0) {
            sb.append("  (-: no op of that kind was replayed)\n");
        }
        sb.append("  (distinct 64-byte lines per op: all regions, memmap, allocator metadata, page data; metadata = memmap + allocator + memdesc + lookup)\n\n");
        sb.append("free blocks by order over the replay (").append(first.options().layout()).append(")\n");
        for (final ReplayReport.Snapshot s : first.snapshots()) {
            sb.append(s.timestampNanos() < 0
                    ? String.format(Locale.ROOT, "  after event %8d  t=%14s   ", s.eventIndex() + 1, "-")
                    : String.format(Locale.ROOT, "  after event %8d  t=%14.6f s ", s.eventIndex() + 1, s.timestampNanos() / 1e9));
            for (final long v : s.freeBlocksByOrder()) {
                sb.append(String.format(Locale.ROOT, " %7d", v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Mean lines per op, "-" when there was no op (never NaN). */
    private static String lines(final double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    /** A percentile of lines, "-" when there was no op. */
    private static String count(final long v) {
        return v < 0 ? "-" : Long.toString(v);
    }

    /** A percentile for JSON: null when there was no op. */
    private static Object jsonCount(final long v) {
        return v < 0 ? null : v;
    }

    private static long metadata(final ReplayReport r) {
        return r.regionBytes(Region.MEMMAP) + r.regionBytes(Region.ALLOCATOR) + r.regionBytes(Region.MEMDESC)
                + r.regionBytes(Region.LOOKUP);
    }

    // ---- html ----

    /** The page: charts from the JSON tree, the text report under them. */
    static String html(final List<ReplayReport> reports) {
        final String title = "memu replay " + String.join(" ", reports.getFirst().inputs());
        return ReplayHtml.render(title, List.of(new Html.Saved("memu replay", Html.asSaved(tree(reports)), text(reports))));
    }

    // ---- json ----

    static String json(final List<ReplayReport> reports) {
        return Json.write(tree(reports));
    }

    static Map<String, Object> tree(final List<ReplayReport> reports) {
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
        trace.put("pfnOutOfRange", t.pfnOutOfRange());
        trace.put("badOrder", t.badOrder());
        trace.put("tooLong", t.tooLong());
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
            alloc.put("p50", jsonCount(r.allocLinesPercentile(50)));
            alloc.put("p99", jsonCount(r.allocLinesPercentile(99)));
            for (final Region g : Region.values()) {
                alloc.put(g.key(), r.allocLinesPerOp(g));
            }
            final Map<String, Object> free = new LinkedHashMap<>();
            free.put("all", r.freeLinesPerOp());
            free.put("p50", jsonCount(r.freeLinesPercentile(50)));
            free.put("p99", jsonCount(r.freeLinesPercentile(99)));
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
        return j;
    }
}

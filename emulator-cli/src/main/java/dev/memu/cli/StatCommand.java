package dev.memu.cli;

import dev.memu.stat.CountersFileReader;
import dev.memu.stat.CountersSnapshot;
import dev.memu.stat.RunCounter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code memu stat}: reads the live counters of a running {@code memu run} from another process,
 * the way AeronStat reads a media driver's counters or {@code vmstat 1} the kernel's.
 */
@Command(name = "stat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show the live counters of running memu runs (every 'memu run' publishes them; see its "
                + "--counters).",
                "",
                "  memu stat                  the live runs' counters files",
                "  memu stat --pid P          one line per second with rates until the run ends",
                "  memu stat --once FILE      one snapshot of every counter"})
final class StatCommand implements Callable<Integer> {

    private static final double MAX_INTERVAL_S = 3600;

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "A counters file (e.g. one given to 'memu run --counters').")
    private String file;

    @Option(names = "--pid", paramLabel = "P", description = "The run of process P (its default counters file).")
    private String pid;

    @Option(names = "--interval", paramLabel = "S", defaultValue = "1",
            description = "Seconds between lines, 0.01..3600 (default: ${DEFAULT-VALUE}).")
    private String interval;

    @Option(names = "--once", description = "Print one snapshot of every counter and exit.")
    private boolean once;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json (one object; one compact object per line when following) (default: ${DEFAULT-VALUE}).")
    private String format;

    @Override
    public Integer call() throws Exception {
        final String fmt = Inputs.choice("--format", format, List.of("text", "json"));
        final long intervalNs = intervalNs();
        final PrintWriter out = spec.commandLine().getOut();
        if (file != null && pid != null) {
            throw new UsageException("--pid '" + pid + "' and FILE '" + file + "': give one of them");
        }
        if (file == null && pid == null) {
            list(out, fmt);
            return 0;
        }
        try (CountersFileReader reader = open()) {
            if (once) {
                out.print(fmt.equals("json") ? Json.write(tree(reader, reader.snapshot(), null)) : snapshotText(reader));
            } else {
                follow(reader, out, fmt, intervalNs);
            }
            out.flush();
        }
        return 0;
    }

    private long intervalNs() {
        final double s;
        try {
            s = Double.parseDouble(interval);
        } catch (final NumberFormatException e) {
            throw new UsageException("--interval '" + interval + "': not a number of seconds");
        }
        if (!(s >= 0.01 && s <= MAX_INTERVAL_S)) {
            throw new UsageException("--interval '" + interval + "': must be 0.01..3600 seconds");
        }
        return (long) (s * 1e9);
    }

    private CountersFileReader open() throws IOException {
        final String label;
        final Path path;
        if (pid != null) {
            final long p;
            try {
                p = Long.parseLong(pid);
            } catch (final NumberFormatException e) {
                throw new UsageException("--pid '" + pid + "': not a process id");
            }
            if (p <= 0) {
                throw new UsageException("--pid '" + pid + "': not a process id");
            }
            label = "--pid '" + pid + "'";
            path = CountersFileReader.ofPid(p).orElseThrow(() -> new UsageException(label + ": "
                    + (ProcessHandle.of(p).isPresent() ? "no memu counters file for it" : "no such process")
                    + " in " + dirs() + " (a run with --counters FILE is read as 'memu stat FILE')"));
        } else {
            label = "FILE '" + file + "'";
            path = Path.of(file);
        }
        try {
            return CountersFileReader.open(path);
        } catch (final NoSuchFileException e) {
            throw new UsageException(label + ": no such file");
        } catch (final CountersFileReader.NotACountersFileException e) {
            throw new UsageException(label + ": not a memu counters file");
        } catch (final IOException e) {
            throw new UsageException(label + ": " + OutputTarget.reason(e));
        }
    }

    private static String dirs() {
        return CountersFileReader.directories().stream().map(Path::toString).collect(Collectors.joining(" and "));
    }

    // ---- listing ----

    private void list(final PrintWriter out, final String fmt) {
        final List<Map<String, Object>> rows = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        for (final Path p : CountersFileReader.live(CountersFileReader.directories())) {
            try (CountersFileReader r = CountersFileReader.open(p)) {
                final CountersSnapshot s = r.snapshot();
                rows.add(tree(r, s, null));
                text.append(String.format("%8d  %-9s %14d  %-24s %s%n", r.pid(), s.phase().label(), s.passOps(),
                        r.label(), p));
            } catch (final IOException | CountersFileReader.NotACountersFileException e) {
                // ended between the listing and the read: not live any more
            }
        }
        if (fmt.equals("json")) {
            out.print(Json.write(rows));
        } else if (rows.isEmpty()) {
            out.println("no live memu runs (counters files looked for in " + dirs() + ")");
        } else {
            out.printf("%8s  %-9s %14s  %-24s %s%n", "pid", "phase", "ops", "run", "counters file");
            out.print(text);
        }
        out.flush();
    }

    // ---- one snapshot ----

    /** Every counter, AeronStat's way: id, value, label. */
    private static String snapshotText(final CountersFileReader r) {
        final CountersSnapshot s = r.snapshot();
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format("memu pid %d, %s, phase %s%s%n", r.pid(), r.label(), s.phase().label(),
                r.fileGone() ? " (file removed: the run has ended)" : ""));
        for (final CountersSnapshot.Entry e : s.counters()) {
            sb.append(String.format("%3d: %,20d - %s%n", e.id(), e.value(), e.label()));
        }
        return sb.toString();
    }

    // ---- following ----

    private void follow(final CountersFileReader r, final PrintWriter out, final String fmt, final long intervalNs)
            throws InterruptedException {
        final boolean text = fmt.equals("text");
        if (text) {
            out.printf("memu pid %d, %s, %s%n", r.pid(), r.label(), r.path());
            out.printf("%8s  %-9s %13s %12s %12s %12s %7s %11s %8s %8s%n", "time", "phase", "ops", "ops/s",
                    "allocs", "frees", "fails", "free pages", "ln/alloc", "ln/free");
        }
        final long t0 = System.nanoTime();
        CountersSnapshot last = r.snapshot();
        long lastNs = t0;
        boolean first = true;
        while (true) {
            if (!first) {
                Thread.sleep(intervalNs / 1_000_000, (int) (intervalNs % 1_000_000));
            }
            final boolean ended = r.fileGone() || !r.writerAlive();
            final CountersSnapshot now = r.snapshot();
            final long nowNs = System.nanoTime();
            final double seconds = (nowNs - lastNs) / 1e9;
            final double rate = first ? Double.NaN : rate(last, now, seconds);
            if (text) {
                out.printf("%7.1fs  %-9s %13d %12s %12d %12d %7d %11d %8s %8s%n", (nowNs - t0) / 1e9,
                        now.phase().label(), now.passOps(), Double.isNaN(rate) ? "-" : String.format("%.0f", rate),
                        now.value(RunCounter.ALLOCS), now.value(RunCounter.FREES), now.value(RunCounter.ALLOC_FAILURES),
                        now.value(RunCounter.FREE_PAGES), lines(now.linesPerAlloc()), lines(now.linesPerFree()));
            } else {
                final Map<String, Object> tree = tree(r, now, rate);
                tree.put("elapsedSec", round((nowNs - t0) / 1e9));
                out.print(Json.write(tree).replaceAll("\\n\\s*", "") + "\n");
            }
            out.flush();
            if (now.done() || ended) {
                return;
            }
            first = false;
            last = now;
            lastNs = nowNs;
        }
    }

    /** Ops per second of the pass that runs now; a pass change starts the count again from zero. */
    private static double rate(final CountersSnapshot before, final CountersSnapshot now, final double seconds) {
        final long delta = now.passOps() - before.passOps();
        return seconds <= 0 ? Double.NaN : (delta >= 0 ? delta : now.passOps()) / seconds;
    }

    private static String lines(final double v) {
        return Double.isNaN(v) ? "-" : String.format("%.2f", v);
    }

    private static Object round(final double v) {
        return Double.isNaN(v) ? null : BigDecimal.valueOf(v).setScale(3, java.math.RoundingMode.HALF_EVEN).doubleValue();
    }

    /** The snapshot as JSON: the run, then every counter under its name, then the derived figures. */
    private static Map<String, Object> tree(final CountersFileReader r, final CountersSnapshot s, final Double rate) {
        final Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("pid", r.pid());
        tree.put("run", r.label());
        tree.put("file", r.path().toString());
        tree.put("phase", s.phase().label());
        tree.put("done", s.done());
        final Map<String, Object> counters = new LinkedHashMap<>();
        for (final RunCounter c : RunCounter.values()) {
            if (c == RunCounter.FREE_BLOCKS) {
                final List<Object> blocks = new ArrayList<>();
                for (final long b : s.freeBlocksByOrder()) {
                    blocks.add(b);
                }
                counters.put("freeBlocksByOrder", blocks);
            } else if (c != RunCounter.PHASE && c != RunCounter.DONE) {
                counters.put(camel(c.name()), s.value(c));
            }
        }
        tree.put("counters", counters);
        tree.put("linesPerAlloc", round(s.linesPerAlloc()));
        tree.put("linesPerFree", round(s.linesPerFree()));
        if (rate != null) {
            tree.put("opsPerSec", round(rate));
        }
        return tree;
    }

    private static String camel(final String enumName) {
        final StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (final char ch : enumName.toLowerCase(java.util.Locale.ROOT).toCharArray()) {
            if (ch == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        return sb.toString();
    }
}

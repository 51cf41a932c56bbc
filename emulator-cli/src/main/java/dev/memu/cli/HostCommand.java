package dev.memu.cli;

import dev.memu.host.HostReport;
import dev.memu.host.HostScanner;
import dev.memu.host.HostSnapshot;
import dev.memu.host.PageClass;
import dev.memu.host.ProcFiles;
import dev.memu.layout.Layouts;
import dev.memu.util.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code memu host}: rebuilds this machine's physical memory from /proc/kpageflags and
 * /proc/kpagecount (root), reports what each layout would cost here, and cross-checks the rebuild
 * against /proc/buddyinfo (read before and after the scan, which takes seconds) and /proc/meminfo.
 * Exit 0, 1 when the files are missing or unreadable (not root), 2 on bad options.
 */
@Command(name = "host", mixinStandardHelpOptions = true,
        description = {"Rebuild this host's physical memory state from /proc/kpageflags and /proc/kpagecount (root)",
                "and report what each layout would cost on it."})
public final class HostCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--proc", defaultValue = "/proc", description = "proc root (default: ${DEFAULT-VALUE}); tests point it at fake files")
    Path proc;

    @Option(names = "--max-order", defaultValue = "10", paramLabel = "N",
            description = "Largest free block order, MAX_PAGE_ORDER, 0..20 (default: ${DEFAULT-VALUE}).")
    String maxOrder;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json",
            description = "Report format (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Write the report to FILE instead of stdout (whole or not at all; its directory must exist).")
    String out;

    @Option(names = "--save", paramLabel = "FILE",
            description = "Also save the rebuilt state as a snapshot file for 'memu run --from-host' "
                    + "(whole or not at all; its directory must exist).")
    String save;

    @Override
    public Integer call() throws IOException {
        Inputs.choice("--format", format, List.of("text", "json"));
        final int maxFreeOrder = (int) Inputs.integer("--max-order", maxOrder, 0, 20);
        // both outputs are checked (and staged) before the scan, which takes seconds
        final OutputTarget target = OutputTarget.open("--out", out, spec.commandLine().getOut());
        final OutputTarget saveTarget = save == null ? null : OutputTarget.file("--save", save);
        if (saveTarget != null && target.destination() != null && target.destination().equals(saveTarget.destination())) {
            target.abandon();
            saveTarget.abandon();
            throw new UsageException("--save '" + save + "': the same file as --out '" + out + "'");
        }
        try {
            final ProcFiles files = new ProcFiles(proc);
            final List<ProcFiles.BuddyRow> before = files.buddyinfo();
            final long t0 = System.nanoTime();
            final HostSnapshot snap = scan(files, maxFreeOrder);
            final long scanMs = (System.nanoTime() - t0) / 1_000_000;
            final List<ProcFiles.BuddyRow> after = files.buddyinfo();
            final Map<String, Long> meminfo = files.meminfo();
            if (saveTarget != null) {
                saveTarget.commit(snap::writeTo);
            }
            final Report r = new Report(proc, snap, scanMs, HostReport.buddyCheck(snap, before),
                    HostReport.buddyCheck(snap, after), HostReport.meminfoChecks(snap, meminfo),
                    HostReport.costs(snap, Layouts.all()), saveTarget == null ? null : saveTarget.destination());
            target.commit(format.equals("json") ? json(r) : text(r));
        } finally {
            target.abandon();
            if (saveTarget != null) {
                saveTarget.abandon();
            }
        }
        return 0;
    }

    /** The scan; an unreadable page file says "needs root" only to a process that is not root. */
    private HostSnapshot scan(final ProcFiles files, final int maxFreeOrder) throws IOException {
        try {
            return new HostScanner(files, maxFreeOrder).scan();
        } catch (final AccessDeniedException e) {
            if (Privilege.root()) {
                throw new AccessDeniedException(e.getFile(), null, "not readable even as root "
                        + "(a lockdown kernel, or /proc mounted with hidepid?)");
            }
            throw e;
        }
    }

    record Report(Path proc, HostSnapshot snap, long scanMs, HostReport.BuddyCheck before, HostReport.BuddyCheck after,
                  List<HostReport.Check> checks, List<HostReport.LayoutCost> costs, Path saved) {
    }

    static String text(final Report r) {
        final HostSnapshot s = r.snap();
        final long pageKb = (1L << s.pageShift()) / 1024;
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "memu host  %s: %d pfns (%s), scanned in %d ms, %d extents%n",
                r.proc(), s.pfns(), Sizes.format(s.pfns() << s.pageShift()), r.scanMs(), s.extents()));
        sb.append(String.format(Locale.ROOT, "%n%-10s %12s %10s %12s  %s%n", "class", "pages", "MiB", "allocations", "by order (order:count)"));
        for (final PageClass c : PageClass.values()) {
            final StringBuilder orders = new StringBuilder();
            for (int o = 0; o < HostSnapshot.ORDERS; o++) {
                if (s.allocations(c, o) > 0) {
                    orders.append(' ').append(o).append(':').append(s.allocations(c, o));
                }
            }
            sb.append(String.format(Locale.ROOT, "%-10s %12d %10.1f %12d %s%n", c.key(), s.pages(c),
                    s.pages(c) * pageKb / 1024.0, c == PageClass.FREE ? 0 : s.allocations(c), orders));
        }
        sb.append(String.format(Locale.ROOT, "THP pages (KPF_THP) %d; odd compounds %d%n", s.thpPages(), s.oddCompounds()));

        sb.append(String.format(Locale.ROOT, "%nfree blocks by order  %s%n", header(s.freeBlocksByOrder().length)));
        sb.append(String.format(Locale.ROOT, "  rebuilt             %s%n", row(r.before().rebuilt())));
        sb.append(String.format(Locale.ROOT, "  buddyinfo before    %s%n", row(r.before().proc())));
        sb.append(String.format(Locale.ROOT, "  buddyinfo after     %s%n", row(r.after().proc())));
        sb.append(String.format(Locale.ROOT, "  rebuilt - before    %s%n", row(diff(r.before().rebuilt(), r.before().proc()))));
        sb.append("  (buddyinfo summed over zones; the scan takes seconds, so low orders churn on a busy host)\n");

        sb.append(String.format(Locale.ROOT, "%n%-11s %-42s %12s %12s %12s%n", "check", "/proc/meminfo", "kernel kB", "rebuilt kB", "diff kB"));
        for (final HostReport.Check c : r.checks()) {
            sb.append(String.format(Locale.ROOT, "%-11s %-42s %12d %12d %+12d  %s%n", c.what(), c.procSource(), c.procKb(),
                    c.rebuiltKb(), c.differenceKb(), c.note()));
        }

        sb.append(String.format(Locale.ROOT, "%nmemdesc descriptors (one per allocation, sized per type; layouts below 64 B/page)%n"));
        for (final PageClass c : PageClass.values()) {
            if (s.descriptorBytes(c) > 0) {
                sb.append(String.format(Locale.ROOT, "  %-10s %10d allocations  %12s   (%d B, %d B when large)%n", c.key(),
                        s.allocations(c), Sizes.format(s.descriptorBytes(c)), c.descriptorBytes(0), c.descriptorBytes(1)));
            }
        }
        sb.append(String.format(Locale.ROOT, "  %-10s %10s %24s%n", "total", "", Sizes.format(s.descriptorBytes())));

        final TextTable costs = new TextTable(List.of("layout", "B/page", "memmap", "memdescs", "allocator", "total",
                "B/page*", "% RAM", "vs struct page"), new boolean[] {false, true, true, true, true, true, true, true, true});
        for (final HostReport.LayoutCost c : r.costs()) {
            costs.row(List.of(c.layout(), c.bytesPerPage() == 0 ? "per alloc" : String.valueOf(c.bytesPerPage()), Sizes.format(c.memmapBytes()),
                    Sizes.format(c.descriptorBytes()), Sizes.format(c.allocatorBytes()), Sizes.format(c.totalBytes()),
                    String.format(Locale.ROOT, "%.2f", c.bytesPerPageTotal()),
                    String.format(Locale.ROOT, "%.3f%%", c.percentOfRam()),
                    c.savedVsStructPage() == 0 ? "=" : (c.savedVsStructPage() > 0 ? "-" : "+")
                            + Sizes.format(Math.abs(c.savedVsStructPage()))));
        }
        sb.append('\n').append(costs.render());
        sb.append("  (* total over all pfns; % of the pfn span's bytes; memmap and memdescs computed from the counts above, the allocator column measured on memu's buddy built per host zone; see HostReport)\n");
        if (r.saved() != null) {
            sb.append("\nsnapshot saved to ").append(r.saved()).append('\n');
        }
        return sb.toString();
    }

    private static String header(final int n) {
        final StringBuilder sb = new StringBuilder();
        for (int o = 0; o < n; o++) {
            sb.append(String.format(Locale.ROOT, " %7s", "o" + o));
        }
        return sb.toString();
    }

    private static String row(final long[] v) {
        final StringBuilder sb = new StringBuilder();
        for (final long x : v) {
            sb.append(String.format(Locale.ROOT, " %7d", x));
        }
        return sb.toString();
    }

    private static long[] diff(final long[] a, final long[] b) {
        final long[] d = Arrays.copyOf(a, a.length);
        for (int i = 0; i < d.length; i++) {
            d[i] -= b[i];
        }
        return d;
    }

    static String json(final Report r) {
        final HostSnapshot s = r.snap();
        final Map<String, Object> j = new LinkedHashMap<>();
        j.put("proc", r.proc().toString());
        j.put("pfns", s.pfns());
        j.put("pageShift", s.pageShift());
        j.put("scanMillis", r.scanMs());
        j.put("extents", s.extents());
        j.put("thpPages", s.thpPages());
        j.put("oddCompounds", s.oddCompounds());
        final Map<String, Object> classes = new LinkedHashMap<>();
        for (final PageClass c : PageClass.values()) {
            final long[] byOrder = new long[HostSnapshot.ORDERS];
            for (int o = 0; o < byOrder.length; o++) {
                byOrder[o] = s.allocations(c, o);
            }
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("pages", s.pages(c));
            m.put("allocationsByOrder", longs(byOrder));
            m.put("descriptorBytes", s.descriptorBytes(c));
            classes.put(c.key(), m);
        }
        j.put("classes", classes);
        final Map<String, Object> free = new LinkedHashMap<>();
        free.put("rebuilt", longs(r.before().rebuilt()));
        free.put("buddyinfoBefore", longs(r.before().proc()));
        free.put("buddyinfoAfter", longs(r.after().proc()));
        j.put("freeBlocksByOrder", free);
        final List<Object> meminfo = new ArrayList<>();
        for (final HostReport.Check c : r.checks()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("what", c.what());
            m.put("source", c.procSource());
            m.put("kernelKb", c.procKb());
            m.put("rebuiltKb", c.rebuiltKb());
            m.put("diffKb", c.differenceKb());
            m.put("note", c.note());
            meminfo.add(m);
        }
        j.put("meminfo", meminfo);
        final List<Object> layouts = new ArrayList<>();
        for (final HostReport.LayoutCost c : r.costs()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("layout", c.layout());
            m.put("bytesPerPage", c.bytesPerPage());
            m.put("memmapBytes", c.memmapBytes());
            m.put("descriptorBytes", c.descriptorBytes());
            m.put("allocatorBytes", c.allocatorBytes());
            m.put("totalBytes", c.totalBytes());
            m.put("bytesPerPageTotal", c.bytesPerPageTotal());
            m.put("percentOfRam", c.percentOfRam());
            m.put("savedVsStructPage", c.savedVsStructPage());
            layouts.add(m);
        }
        j.put("layouts", layouts);
        if (r.saved() != null) {
            j.put("snapshot", r.saved().toString());
        }
        return Json.write(j);
    }

    static List<Long> longs(final long[] values) {
        return Arrays.stream(values).boxed().toList();
    }
}

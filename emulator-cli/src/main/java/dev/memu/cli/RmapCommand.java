package dev.memu.cli;

import dev.memu.mm.mapcount.MapcountSchemes;
import dev.memu.mm.run.Accuracy;
import dev.memu.mm.run.ConsumerResult;
import dev.memu.mm.run.RmapResult;
import dev.memu.mm.run.RmapRun;
import dev.memu.mm.run.RmapSpec;
import dev.memu.mm.run.RmapWorkload;
import dev.memu.mm.run.SchemeResult;
import dev.memu.mm.run.StatResult;
import dev.memu.util.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code memu rmap}: the mapcount schemes side by side on one mm workload. A thin client of
 * {@link RmapRun}: options become an {@link RmapSpec}, the core runs it, this renders the result.
 */
@Command(name = "rmap", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run processes with real page tables over the emulated allocator and score the mapcount "
                + "schemes on the same rmap events: bytes per folio, cachelines and atomics per operation, and how "
                + "often each query's answer differs from exact (the page-table walk).",
                "",
                "  fork-cow       writes after fork: COW of large folios (70%% write, 10%% read, 20%% exit+fork)",
                "  partial-unmap  munmap of 1..32 pages and remap (45%% / 45%% write / 10%% read)",
                "  madvise        MADV_DONTNEED of 1..64 pages (45%% / 45%% write / 10%% read)",
                "  mixed          all of the above plus writes to a shared file mapping",
                "",
                "Each process maps mem/(8 procs) of anon memory (2 MiB granules); process 0 writes all of it, "
                        + "then forks the others. Single-threaded (one vcpu): --threads does not apply."})
final class RmapCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--schemes", paramLabel = "LIST|all", defaultValue = "all",
            description = "Schemes, comma-separated, or all (default: ${DEFAULT-VALUE}): page-mapcount, "
                    + "no-page-mapcount, vma-pt-tuples, troll, mapped-pages, exact.")
    private String schemes;

    @Option(names = "--workload", paramLabel = "W", defaultValue = "fork-cow",
            description = "fork-cow, partial-unmap, madvise or mixed (default: ${DEFAULT-VALUE}).")
    private String workload;

    @Option(names = "--procs", paramLabel = "N", defaultValue = "4",
            description = "Processes alive at a time (default: ${DEFAULT-VALUE}).")
    private String procs;

    @Option(names = "--folio-orders", paramLabel = "LIST", defaultValue = "0,4,9",
            description = "Enabled anon folio orders; 9 is PMD-mapped (default: ${DEFAULT-VALUE}).")
    private String folioOrders;

    @Option(names = "--mem", paramLabel = "SIZE", defaultValue = "256M",
            description = "Emulated RAM (default: ${DEFAULT-VALUE}).")
    private String mem;

    @Option(names = "--ops", paramLabel = "N", defaultValue = "20000",
            description = "Workload operations after set-up (default: ${DEFAULT-VALUE}).")
    private String ops;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
            description = "Seed; the same seed replays the same operations (default: ${DEFAULT-VALUE}).")
    private String seed;

    @Option(names = "--layout", paramLabel = "NAME", defaultValue = "linux64",
            description = "Memmap layout (default: ${DEFAULT-VALUE}, which has room for page-mapcount).")
    private String layout;

    @Option(names = "--allocator", paramLabel = "NAME", defaultValue = "buddy",
            description = "Page allocator (default: ${DEFAULT-VALUE}).")
    private String allocator;

    @Option(names = "--per-page-rmap",
            description = "Report fork and zap rmap changes one page at a time (before Linux 6.9), not per folio range.")
    private boolean perPage;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "2",
            description = "Live folios every scheme is queried on after each operation (default: ${DEFAULT-VALUE}).")
    private String samples;

    @Option(names = "--format", paramLabel = "text|json|html", defaultValue = "text",
            description = "Report format (default: ${DEFAULT-VALUE}); html: one self-contained page with the "
                    + "schemes' accuracy against exact and their cachelines as SVG charts, then the text report.")
    private String format;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Write the report to FILE instead of stdout; the file appears whole, or not at all.")
    private String out;

    @Override
    public Integer call() throws Exception {
        final String fmt = Inputs.choice("--format", format, List.of("text", "json", "html"));
        final RmapSpec rs = spec();
        final OutputTarget target = OutputTarget.open(out, spec.commandLine().getOut());
        try {
            final RmapResult r;
            try {
                r = RmapRun.run(rs);
            } catch (final IllegalStateException e) {
                throw new UsageException(e.getMessage());
            } catch (final OutOfMemoryError e) {
                throw new UsageException("--mem '" + mem + "': the host cannot map it: " + e.getMessage());
            }
            target.commit(switch (fmt) {
                case "json" -> Json.write(tree(r));
                case "html" -> RmapHtml.render("memu rmap " + rs.workload(),
                        List.of(new Html.Saved("memu rmap", Html.asSaved(tree(r)), text(r))));
                default -> text(r);
            });
        } finally {
            target.abandon();
        }
        return 0;
    }

    private RmapSpec spec() {
        final List<String> names = schemes.trim().equals("all") ? MapcountSchemes.NAMES
                : Inputs.list("--schemes", schemes);
        for (final String n : names) {
            Inputs.choice("--schemes", n, MapcountSchemes.NAMES);
        }
        Inputs.choice("--workload", workload, RmapWorkload.names());
        final List<String> orderItems = Inputs.list("--folio-orders", folioOrders);
        final int[] orders = new int[orderItems.size()];
        for (int i = 0; i < orders.length; i++) {
            try {
                orders[i] = Integer.parseInt(orderItems.get(i));
            } catch (final NumberFormatException e) {
                throw new UsageException("--folio-orders '" + folioOrders + "': '" + orderItems.get(i)
                        + "' is not an order");
            }
        }
        Inputs.layout("--layout", layout);
        Inputs.allocator("--allocator", allocator);
        try {
            return new RmapSpec(names, workload, (int) Math.min(Integer.MAX_VALUE, Inputs.count("--procs", procs, 1)),
                    orders, Inputs.mem(mem), Inputs.count("--ops", ops, 0), Inputs.seed(seed), layout, allocator,
                    !perPage, (int) Math.min(Integer.MAX_VALUE, Inputs.count("--samples", samples, 0)));
        } catch (final IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static final String[] OPS = {"map", "cow", "unmap", "zap", "fork", "exit"};
    private static final String[] QUERIES = {"mapcount", "mappedShared", "partiallyMapped"};

    private static String text(final RmapResult r) {
        final RmapSpec s = r.spec();
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "rmap %s: %d procs x %s anon, folio orders %s, %s RAM, %s, %s, %d ops, "
                        + "seed %d, rmap %s%n", s.workload(), s.procs(), Sizes.format(s.regionBytes()),
                java.util.Arrays.toString(s.folioOrders()), Sizes.format(s.mem()), s.layout(), s.allocator(), s.ops(),
                s.seed(), s.batchedRmap() ? "batched per folio range" : "per page"));
        sb.append(String.format(Locale.ROOT, "operations %s; mean folio %.1f pages%n%n", r.opCounts(),
                r.meanFolioPages()));

        final List<String> h = new ArrayList<>(List.of("scheme", "B/folio", "folio B", "page B"));
        for (final String op : OPS) {
            h.add(op + " lines");
        }
        for (final String op : OPS) {
            h.add(op + " atomics");
        }
        for (final String q : QUERIES) {
            h.add(q + " lines");
        }
        final boolean[] numeric = new boolean[h.size()];
        java.util.Arrays.fill(numeric, 1, numeric.length, true);
        final TextTable cost = new TextTable(h, numeric);
        for (final SchemeResult sr : r.results()) {
            final List<String> row = new ArrayList<>();
            row.add(sr.scheme());
            if (!sr.supported()) {
                row.add("needs a layout with per-page room");
                while (row.size() < h.size()) {
                    row.add("");
                }
                cost.row(row);
                continue;
            }
            row.add(fmt(sr.bytesPerFolio()));
            row.add(Integer.toString(sr.folioBytes()));
            row.add(Integer.toString(sr.pageBytes()));
            for (final String op : OPS) {
                row.add(cell(sr.linesPerOp().get(op)));
            }
            for (final String op : OPS) {
                row.add(cell(sr.atomicsPerOp().get(op)));
            }
            for (final String q : QUERIES) {
                row.add(cell(sr.linesPerOp().get(q)));
            }
            cost.row(row);
        }
        sb.append("cost per operation (distinct 64-byte lines and atomics of each scheme's own code)\n");
        sb.append(cost.render()).append('\n');

        final List<String> ah = List.of("scheme", "queries", "mapcount wrong", "pageMapcount wrong", "unknown",
                "exclusive FP", "exclusive FN", "partial FP", "partial FN", "mapped wrong", "errors");
        final boolean[] an = new boolean[ah.size()];
        java.util.Arrays.fill(an, 1, an.length, true);
        final TextTable acc = new TextTable(ah, an);
        for (final SchemeResult sr : r.results()) {
            if (!sr.supported()) {
                continue;
            }
            final Accuracy mc = sr.accuracy().get("mapcount");
            final Accuracy pm = sr.accuracy().get("pageMapcount");
            final Accuracy ex = sr.accuracy().get("exclusive");
            final Accuracy pa = sr.accuracy().get("partiallyMapped");
            final Accuracy mp = sr.accuracy().get("mapped");
            acc.row(List.of(sr.scheme(), Long.toString(mc.queries()), pct(mc.wrong(), mc.queries()),
                    pct(pm.wrong(), pm.queries() - pm.unknown()), pct(pm.unknown(), pm.queries()),
                    pct(ex.falsePositives(), ex.queries()), pct(ex.falseNegatives(), ex.queries()),
                    pct(pa.falsePositives(), pa.queries()), pct(pa.falseNegatives(), pa.queries()),
                    pct(mp.wrong(), mp.queries()), Long.toString(sr.errors())));
        }
        sb.append("accuracy against exact (mapcount: PTE + PMD mappings; exclusive: mapped by one mm, scored on mapped "
                + "folios; FP = says yes, exact says no)\n");
        sb.append(acc.render());
        sb.append('\n');
        final List<String> consumerNames = List.of("madvise", "mlock", "deferredSplit", "compaction");
        final List<String> statNames = List.of("AnonPages", "Pss", "Uss");
        final List<String> ch = new ArrayList<>(List.of("scheme"));
        for (final String c : consumerNames) {
            ch.add(c + " wrong");
        }
        for (final String st : statNames) {
            ch.add(st + " error");
        }
        final boolean[] cn = new boolean[ch.size()];
        java.util.Arrays.fill(cn, 1, cn.length, true);
        final TextTable cons = new TextTable(ch, cn);
        for (final SchemeResult sr : r.results()) {
            if (!sr.supported()) {
                continue;
            }
            final List<String> row = new ArrayList<>(List.of(sr.scheme()));
            for (final String c : consumerNames) {
                final ConsumerResult cr = sr.consumers().stream().filter(x -> x.consumer().equals(c)).findFirst()
                        .orElse(null);
                row.add(cr == null ? "-" : pct(cr.wrong(), cr.decisions()) + " of " + cr.decisions());
            }
            for (final String st : statNames) {
                final StatResult x = sr.stats().stream().filter(y -> y.stat().equals(st)).findFirst().orElse(null);
                row.add(x == null || x.exact() == 0 ? "-" : String.format(Locale.ROOT, "%+.1f%%", 100 * x.relativeError()));
            }
            cons.row(row);
        }
        sb.append("consumer decisions on each scheme's answers that differ from the decision on exact's; /proc "
                + "figures from its answers (sum, relative to exact's)\n");
        sb.append(cons.render());
        for (final SchemeResult sr : r.results()) {
            if (sr.errors() > 0) {
                sb.append(String.format(Locale.ROOT, "%s rejected %d events; first: %s%n", sr.scheme(), sr.errors(),
                        sr.firstError()));
            }
        }
        sb.append('\n').append("mm layer lines per op (page tables, allocator, folios): ");
        final List<String> parts = new ArrayList<>();
        r.layerLinesPerOp().forEach((k, v) -> parts.add(k + " " + fmt(v)));
        sb.append(String.join(", ", parts)).append('\n');
        sb.append("events ").append(r.events()).append('\n');
        sb.append(r.leakFree() ? "at exit: every folio and page-table page returned; " : "at exit: LEAK; ")
                .append("verify: ").append(r.verify()).append('\n');
        return sb.toString();
    }

    private static String cell(final Double v) {
        return v == null ? "-" : fmt(v);
    }

    private static String fmt(final double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }

    private static String pct(final long n, final long of) {
        return of == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * n / of);
    }

    private static Map<String, Object> tree(final RmapResult r) {
        final RmapSpec s = r.spec();
        final Map<String, Object> root = new LinkedHashMap<>();
        final Map<String, Object> config = new LinkedHashMap<>();
        config.put("workload", s.workload());
        config.put("procs", s.procs());
        final List<Object> orders = new ArrayList<>();
        for (final int o : s.folioOrders()) {
            orders.add(o);
        }
        config.put("folioOrders", orders);
        config.put("mem", s.mem());
        config.put("regionBytes", s.regionBytes());
        config.put("ops", s.ops());
        config.put("seed", s.seed());
        config.put("layout", s.layout());
        config.put("allocator", s.allocator());
        config.put("batchedRmap", s.batchedRmap());
        config.put("samples", s.samples());
        root.put("config", config);
        final List<Object> results = new ArrayList<>();
        for (final SchemeResult sr : r.results()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("scheme", sr.scheme());
            m.put("supported", sr.supported());
            m.put("bytesPerFolio", sr.bytesPerFolio());
            m.put("bytesPerPageByRegion", Map.of("memmap", sr.pageBytes()));
            m.put("bytesPerFolioByRegion", Map.of("memdesc", sr.folioBytes()));
            m.put("linesPerOp", new LinkedHashMap<>(sr.linesPerOp()));
            m.put("atomicsPerOp", new LinkedHashMap<>(sr.atomicsPerOp()));
            final Map<String, Object> acc = new LinkedHashMap<>();
            sr.accuracy().forEach((q, a) -> {
                final Map<String, Object> e = new LinkedHashMap<>();
                e.put("queries", a.queries());
                e.put("wrong", a.wrong());
                e.put("falsePositives", a.falsePositives());
                e.put("falseNegatives", a.falseNegatives());
                e.put("over", a.over());
                e.put("under", a.under());
                e.put("unknown", a.unknown());
                acc.put(q, e);
            });
            m.put("accuracy", acc);
            final List<Object> consumers = new ArrayList<>();
            for (final ConsumerResult c : sr.consumers()) {
                final Map<String, Object> e = new LinkedHashMap<>();
                e.put("consumer", c.consumer());
                e.put("decisions", c.decisions());
                e.put("wrong", c.wrong());
                consumers.add(e);
            }
            m.put("consumers", consumers);
            final List<Object> stats = new ArrayList<>();
            for (final StatResult st : sr.stats()) {
                final Map<String, Object> e = new LinkedHashMap<>();
                e.put("stat", st.stat());
                e.put("scheme", st.scheme());
                e.put("exact", st.exact());
                e.put("absoluteError", st.absoluteError());
                e.put("relativeError", st.relativeError());
                stats.add(e);
            }
            m.put("procStats", stats);
            m.put("errors", sr.errors());
            m.put("firstError", sr.firstError());
            results.add(m);
        }
        root.put("results", results);
        root.put("mmLayer", Map.of("linesPerOp", new LinkedHashMap<>(r.layerLinesPerOp())));
        root.put("opCounts", new LinkedHashMap<>(r.opCounts()));
        root.put("events", new LinkedHashMap<>(r.events()));
        root.put("meanFolioPages", r.meanFolioPages());
        root.put("leakFree", r.leakFree());
        root.put("verify", r.verify());
        return root;
    }
}

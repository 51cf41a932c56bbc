package dev.memu.cli;

import dev.memu.access.ExplainingAccess.Line;
import dev.memu.access.ExplainingAccess.Touch;
import dev.memu.explain.ExplainConfigException;
import dev.memu.explain.ExplainOp;
import dev.memu.explain.ExplainSpec;
import dev.memu.explain.ExplainState;
import dev.memu.explain.Explainer;
import dev.memu.explain.Explanation;
import dev.memu.layout.LayoutField;
import dev.memu.layout.Layouts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code memu explain}: one alloc or free on a prepared state, every distinct cacheline it touched
 * with the fields that live there. The run is {@link Explainer}'s; this class parses and renders.
 */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run one alloc or free on a prepared state and list every distinct 64-byte line it touched: "
                + "region, offset in the region's segment, the struct fields that live there, the accesses "
                + "(read, write, CAS, RMW; memory order where not plain) and the functions that made them.",
                "",
                "The lines per region are the ones 'memu run' counts for such an op (same layer rules, one vcpu). "
                        + "Lines no structure could name are listed with fields '?' and counted, never hidden."},
        footer = {"",
                "States (--state):",
                "  steady     half full (churn order mix), then warm-up churn ops; alloc or free",
                "  pcp-hit    PCP allocators, alloc: the order's list holds a block (a hit)",
                "  pcp-miss   PCP allocators, alloc: the lists are empty (rmqueue_bulk refill)",
                "  bulk-free  PCP allocators, free: pcp->count reaches high (free_pcppages_bulk)",
                "  split      buddy, alloc: no free block of the order, a larger one splits",
                "  merge      buddy, free: the block's buddy is free (__free_one_page merges)",
                "  dry-region POTAD, free, order 0: the page's region ran dry (mark cleared)",
                "",
                "  memu explain --layout memdesc8 --allocator potad --op alloc --order 0",
                "  memu explain --layout linux64 --allocator buddy+pcp --state pcp-miss --format json"})
final class ExplainCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--layout", paramLabel = "L", defaultValue = "memdesc8",
            description = "Descriptor layout (default: ${DEFAULT-VALUE}; see 'memu layouts').")
    private String layout;

    @Option(names = "--allocator", paramLabel = "A", defaultValue = "buddy",
            description = "Page allocator (default: ${DEFAULT-VALUE}).")
    private String allocator;

    @Option(names = "--op", paramLabel = "alloc|free", defaultValue = "alloc",
            description = "The operation explained (default: ${DEFAULT-VALUE}).")
    private String op;

    @Option(names = "--order", paramLabel = "N", defaultValue = "0",
            description = "Order of the block allocated or freed (default: ${DEFAULT-VALUE}).")
    private String order;

    @Option(names = "--state", paramLabel = "S", defaultValue = "steady",
            description = "Prepared state the op runs on (default: ${DEFAULT-VALUE}; see States below).")
    private String state;

    @Option(names = "--mem", paramLabel = "SIZE", defaultValue = "1G",
            description = "Emulated RAM, as for 'memu run' (default: ${DEFAULT-VALUE}).")
    private String mem;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "4096",
            description = "Unmeasured churn ops after the fill, part of every state (default: ${DEFAULT-VALUE}).")
    private String warmup;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of the fill and warm-up: stream 0 of 'memu run --seed N' (default: ${DEFAULT-VALUE}).")
    private String seed;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "Output format (default: ${DEFAULT-VALUE}).")
    private String format;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Write to FILE instead of stdout; the file appears whole, or not at all.")
    private String out;

    @Override
    public Integer call() throws Exception {
        final String layoutName = Inputs.layout("--layout", layout);
        final String allocatorName = Inputs.allocator("--allocator", allocator);
        final ExplainOp explainOp = ExplainOp.of(Inputs.choice("--op", op, ExplainOp.keys()));
        final int explainOrder = Inputs.order("--order", order);
        final ExplainState explainState = ExplainState.of(Inputs.choice("--state", state, ExplainState.keys()));
        final long memBytes = Inputs.mem(mem);
        final long warmupOps = Inputs.count("--warmup", warmup, 0);
        final long seedValue = Inputs.seed(seed);
        final String fmt = Inputs.choice("--format", format, List.of("text", "json"));
        final ExplainSpec explainSpec = new ExplainSpec(memBytes, layoutName, allocatorName, explainOp, explainOrder,
                explainState, warmupOps, seedValue);
        final OutputTarget target = OutputTarget.open(out, spec.commandLine().getOut());
        try {
            final Explanation e;
            try {
                e = Explainer.explain(explainSpec);
            } catch (final ExplainConfigException x) {
                throw usage(x);
            }
            target.commit(fmt.equals("json") ? json(e, mem) : text(e, mem));
        } finally {
            target.abandon();
        }
        return 0;
    }

    private UsageException usage(final ExplainConfigException e) {
        return new UsageException(switch (e.input()) {
            case LAYOUT -> "--layout ";
            case ALLOCATOR -> "--allocator ";
            case OP -> "--op ";
            case ORDER -> "--order ";
            case STATE -> "--state ";
            case MEMORY -> "--mem '" + mem + "': ";
        } + e.getMessage());
    }

    // ---- JSON ----

    static String json(final Explanation e, final String memText) {
        final Map<String, Object> root = new LinkedHashMap<>();
        root.put("command", "explain");
        root.put("layout", e.spec().layout());
        root.put("allocator", e.spec().allocator());
        root.put("op", e.spec().op().key());
        root.put("order", e.spec().order());
        root.put("state", e.spec().state().key());
        root.put("mem", memText);
        root.put("memBytes", e.spec().ramBytes());
        root.put("pages", e.pages());
        root.put("fillPages", e.fillPages());
        root.put("warmupOps", e.spec().warmupOps());
        root.put("seed", e.spec().seed());
        root.put("maxOrder", e.maxOrder());
        root.put("pfn", e.pfn());
        root.put("distinctLines", e.distinctLines());
        final Map<String, Object> byRegion = new LinkedHashMap<>();
        e.linesByRegion().forEach((r, n) -> byRegion.put(r.key(), n));
        root.put("linesByRegion", byRegion);
        root.put("unlabeledLines", e.unlabeledLines());
        final List<Object> lines = new ArrayList<>();
        for (final Line line : e.lines()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("region", line.region().key());
            m.put("offset", line.offset());
            m.put("fields", line.fields());
            m.put("accesses", line.accesses());
            m.put("where", line.where());
            final List<Object> touches = new ArrayList<>();
            for (final Touch t : line.touches()) {
                final Map<String, Object> tm = new LinkedHashMap<>();
                tm.put("access", t.access());
                tm.put("offset", t.offset());
                tm.put("bytes", t.bytes());
                tm.put("fields", t.fields());
                tm.put("where", t.where());
                touches.add(tm);
            }
            m.put("touches", touches);
            lines.add(m);
        }
        root.put("lines", lines);
        root.put("context", e.notes());
        return Json.write(root);
    }

    // ---- text ----

    static String text(final Explanation e, final String memText) {
        final ExplainSpec s = e.spec();
        final StringBuilder sb = new StringBuilder();
        sb.append("memu explain: ").append(s.op().key()).append(" order ").append(s.order()).append(" on ")
                .append(s.layout()).append(" / ").append(s.allocator()).append(", state ").append(s.state().key())
                .append('\n');
        sb.append("  ").append(memText).append(" (").append(e.pages()).append(" pages), fill ").append(e.fillPages())
                .append(" pages, ").append(s.warmupOps()).append(" warm-up ops, seed ").append(s.seed())
                .append("; block ").append(e.pfn() < 0 ? "none (the alloc failed)" : "pfn 0x" + Long.toHexString(e.pfn()))
                .append('\n');
        context(sb, e);
        sb.append('\n');
        final List<String> parts = new ArrayList<>();
        e.linesByRegion().forEach((r, n) -> {
            if (n > 0) {
                parts.add(r.key() + " " + n);
            }
        });
        sb.append(e.distinctLines()).append(" distinct line").append(e.distinctLines() == 1 ? "" : "s")
                .append(parts.isEmpty() ? "" : ": " + String.join(", ", parts)).append('\n');
        sb.append(e.unlabeledLines()).append(" line").append(e.unlabeledLines() == 1 ? "" : "s")
                .append(" without a label").append(e.unlabeledLines() > 0 ? " (fields '?')" : "").append("\n\n");
        final TextTable table = new TextTable(List.of("#", "region", "offset", "fields", "accesses", "where"),
                new boolean[] {true, false, true, false, false, false});
        final Set<String> entryFields = new HashSet<>();
        for (final LayoutField f : Layouts.byName(s.layout()).fields()) {
            entryFields.add(f.name());
        }
        int n = 0;
        for (final Line line : e.lines()) {
            table.row(List.of(String.valueOf(++n), line.region().key(), "0x" + Long.toHexString(line.offset()),
                    line.fields().isEmpty() ? "?" : String.join("; ", compact(line.fields(), entryFields)),
                    String.join(", ", line.accesses()), String.join(", ", line.where())));
        }
        sb.append(table.render());
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    private static void context(final StringBuilder sb, final Explanation e) {
        final Object before = e.notes().get("freeBlocksByOrderBefore");
        final Object after = e.notes().get("freeBlocksByOrderAfter");
        if (before != null && after != null) {
            sb.append("  free blocks per order: ").append(before).append(" -> ").append(after).append('\n');
        }
        if (e.notes().get("pcp") instanceof Map<?, ?> pcp) {
            final Map<String, Object> p = (Map<String, Object>) pcp;
            sb.append("  pcp->count ").append(p.get("countBefore")).append(" -> ").append(p.get("countAfter"))
                    .append(" (high ").append(p.get("high")).append(", batch ").append(p.get("batch")).append(")")
                    .append(Boolean.TRUE.equals(p.get("refilled")) ? ", refilled from the backend" : "")
                    .append(Boolean.TRUE.equals(p.get("bulkFreed")) ? ", bulk free to the backend" : "")
                    .append('\n');
        }
    }

    /**
     * Groups field names of one structure instance: {@code memmap[pfn 0x1].type} and {@code
     * memmap[pfn 0x1].memdesc} become {@code memmap[pfn 0x1].{type, memdesc}}, and a memmap entry
     * all of whose {@code entryFields} are named becomes {@code memmap[pfn 0x1].*}. The instance is
     * what precedes the first {@code "]."}, or the first {@code "."} after an {@code "@0x"} address.
     */
    static List<String> compact(final List<String> fields, final Set<String> entryFields) {
        final Map<String, List<String>> byInstance = new LinkedHashMap<>();
        for (final String f : fields) {
            final int cut = instanceEnd(f);
            byInstance.computeIfAbsent(f.substring(0, cut), k -> new ArrayList<>()).add(f.substring(cut));
        }
        final List<String> out = new ArrayList<>();
        byInstance.forEach((instance, members) -> {
            if (instance.startsWith("memmap[") && members.size() > 1 && Set.copyOf(members).equals(entryFields)) {
                out.add(instance + "*");
            } else if (members.size() == 1) {
                out.add(instance + members.getFirst());
            } else {
                out.add(instance + "{" + String.join(", ", members) + "}");
            }
        });
        return out;
    }

    private static int instanceEnd(final String f) {
        final int bracket = f.indexOf("].");
        final int at = f.indexOf("@0x");
        final int dotAfterAt = at < 0 ? -1 : f.indexOf('.', at);
        int cut = -1;
        if (bracket >= 0) {
            cut = bracket + 2;
        }
        if (dotAfterAt >= 0 && (cut < 0 || dotAfterAt + 1 < cut)) {
            cut = dotAfterAt + 1;
        }
        return cut < 0 || cut >= f.length() ? f.length() : cut;
    }
}

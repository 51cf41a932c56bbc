package dev.memu.cli;

import dev.memu.bench.LlfreeBench;
import dev.memu.bench.LlfreeShape;
import dev.memu.bench.ShapeConfig;
import dev.memu.bench.ShapeReport;
import dev.memu.bench.ShapeResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code memu bench llfree}: LLFree's own benchmark shapes (bulk, repeat, rand) on any allocator
 * and layout. A thin client of {@link LlfreeBench}: the options become its option map, its
 * {@link LlfreeBench#configs configs} check them, its {@link LlfreeBench#run run} measures, and
 * {@link ShapeReport} prints.
 */
@Command(name = "llfree", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run LLFree's benchmark shapes (USENIX ATC 2023) so that memu's ns per get and per put "
                + "compare with LLFree's published figures directly.",
                "",
                "  bulk    each of T threads allocates frames/(2*T_max)/2^order blocks, then frees them in reverse",
                "  repeat  fill half of memory untimed, then time get-then-put pairs",
                "  rand    allocate, shuffle all threads' blocks together (fixed seed), free them, so that "
                        + "threads free each other's blocks",
                "",
                "Each row is one fresh machine in its own JVM (--no-fork: all in this one); latencies are "
                        + "means per thread over the timed rounds. Progress goes to stderr."})
final class BenchLlfreeCommand implements Callable<Integer> {

    /** What --shape takes: each shape's key, or all of them. */
    private static final List<String> SHAPES = Stream.concat(LlfreeShape.keys().stream(), Stream.of("all"))
            .toList();

    @Spec
    private CommandSpec spec;

    @Option(names = "--shape", paramLabel = "LIST", defaultValue = "all",
            description = "bulk, repeat, rand or all, comma-separated (default: ${DEFAULT-VALUE}).")
    private String shape;

    @Option(names = "--allocator", paramLabel = "LIST", defaultValue = "buddy",
            description = "Allocators, comma-separated (default: ${DEFAULT-VALUE}).")
    private String allocator;

    @Option(names = "--layout", paramLabel = "LIST", defaultValue = "memdesc8",
            description = "Layouts, comma-separated (default: ${DEFAULT-VALUE}).")
    private String layout;

    @Option(names = "--mem", paramLabel = "SIZE", defaultValue = "8G",
            description = "Emulated RAM (default: ${DEFAULT-VALUE}, as LLFree's runs on 2 vCPUs).")
    private String mem;

    @Option(names = "--order", paramLabel = "LIST", defaultValue = "0",
            description = "Block orders, comma-separated (default: ${DEFAULT-VALUE}).")
    private String order;

    @Option(names = "--threads", paramLabel = "LIST", defaultValue = "1,2",
            description = "Thread counts T, comma-separated (default: ${DEFAULT-VALUE}); T_max is the largest.")
    private String threads;

    @Option(names = "--max-threads", paramLabel = "N",
            description = "T_max, if not the largest of --threads (sets each thread's share).")
    private String maxThreads;

    @Option(names = "--rounds", paramLabel = "N",
            description = "Timed rounds (default: enough for " + ShapeConfig.AUTO_MIN_OPS
                    + " ops per thread and phase).")
    private String rounds;

    @Option(names = "--warmup", paramLabel = "N",
            description = "Untimed rounds first (default: as many as timed). Between two of them the "
                    + "warm-up stands still while the JIT compiler is behind, and the first timed round "
                    + "starts once it has been quiet for 20 ms (jit in JSON).")
    private String warmup;

    @Option(names = "--seed", paramLabel = "S",
            description = "rand's shuffle seed (default: " + ShapeConfig.LLFREE_SEED + ", as LLFree).")
    private String seed;

    @Option(names = "--put-batch", paramLabel = "N",
            description = "bulk and rand: free N blocks per freeBatch call (default 1, one at a time as LLFree; "
                    + "rows with N > 1 are labelled shape-bN and are not LLFree's shape).")
    private String putBatch;

    @Option(names = "--format", paramLabel = "text|json|html", defaultValue = "text",
            description = "Report format (default: ${DEFAULT-VALUE}); html: one self-contained page with ns per op "
                    + "per shape and allocator as SVG bars, then the text table.")
    private String format;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Write the report to FILE instead of stdout; the file appears whole, or not at all.")
    private String out;

    @Option(names = "--fork", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"Run each row (shape x allocator x layout x order x threads) in its own JVM "
                    + "(default: ${DEFAULT-VALUE}).",
                    "In one JVM a row runs through call sites and a heap that the rows before it shaped: "
                            + "order-9 bulk measured 5x slower after order 0 than alone."})
    private boolean fork;

    @Option(names = "--histogram-log", paramLabel = "FILE",
            description = {"Also write an HdrHistogram interval log of every row's timed rounds: per round and "
                    + "thread, ns per op of each phase (the bench times phases, not single ops), tagged "
                    + "SHAPE/ALLOCATOR/LAYOUT/oORDER/tT/get|put|pair, one interval per row; readable by HdrHistogram's "
                    + "HistogramLogProcessor (-tag). The file appears whole after the last row, like --out."})
    private String histogramLog;

    /** Set by the parent on a child's command line: one row, in this JVM, JSON even when it was skipped. */
    @Option(names = "--child", hidden = true)
    private boolean child;

    @Override
    public Integer call() throws Exception {
        final String fmt = Inputs.choice("--format", format, List.of("text", "json", "html"));
        checkInputs();
        final List<ShapeConfig> configs;
        try {
            configs = LlfreeBench.configs(options());
        } catch (final IllegalArgumentException e) {
            // every input is well formed (checkInputs): what is left is a combination of them
            throw new UsageException("--order '" + order + "' with --mem '" + mem + "' and --threads '" + threads
                    + "': " + e.getMessage());
        }
        final OutputTarget target = OutputTarget.open(out, spec.commandLine().getOut());
        // a child writes its one row's log where its parent said; the parent joins them
        OutputTarget childLog = null;
        try (HistogramLogs logs = child ? null : HistogramLogs.open(histogramLog, BenchRounds.COMMENT)) {
            if (child && histogramLog != null) {
                childLog = OutputTarget.file("--histogram-log", histogramLog);
            }
            final boolean forked = fork && !child;
            final List<ShapeResult> results;
            try (PrintStream progress = lines(spec.commandLine().getErr())) {
                if (forked) {
                    results = forked(configs, logs);
                } else if (childLog != null || logs != null) {
                    results = new ArrayList<>();
                    for (final ShapeConfig c : configs) {
                        final ShapeResult r = BenchRounds.run(c, progress, child ? childLog
                                : OutputTarget.file("--histogram-log", logs.next(null).toString()));
                        if (r != null) {
                            results.add(r);
                        }
                    }
                } else {
                    results = LlfreeBench.run(configs, progress);
                }
            } catch (final IllegalArgumentException e) {
                // ShapeRunner.open: a layout that cannot record an allocator's orders, or RAM the
                // machine refuses; nothing was measured.
                throw new UsageException(e.getMessage());
            } catch (final OutOfMemoryError e) {
                throw new UsageException("--mem '" + mem + "': the host cannot map it: " + e.getMessage());
            }
            if (results.isEmpty() && !child) {
                throw new UsageException("--order '" + order + "': no shape ran: every order is above the "
                        + "max order of the allocators given");
            }
            final String report = render(child ? "json" : fmt, results, forked);
            if (logs != null) {
                logs.commit();
            }
            target.commit(report);
        } finally {
            target.abandon();
            if (childLog != null) {
                childLog.abandon();
            }
        }
        return 0;
    }

    private static String render(final String fmt, final List<ShapeResult> results, final boolean forked) {
        return switch (fmt) {
            case "json" -> ShapeReport.json(results, forked) + System.lineSeparator();
            case "html" -> {
                @SuppressWarnings("unchecked")
                final Map<String, Object> root = (Map<String, Object>) Json.parse(ShapeReport.json(results, forked));
                yield BenchHtml.render("memu bench llfree",
                        List.of(new Html.Saved("memu bench llfree", root, BenchHtml.text(results))));
            }
            default -> BenchHtml.text(results);
        };
    }

    /**
     * Runs each config as {@code memu bench llfree --child ...} in its own JVM ({@link ChildJvm}),
     * one after the other, and reads its row back from its JSON (none when it was skipped).
     */
    private List<ShapeResult> forked(final List<ShapeConfig> configs, final HistogramLogs logs)
            throws IOException, InterruptedException {
        final List<ShapeResult> results = new ArrayList<>();
        for (final ShapeConfig c : configs) {
            final List<String> args = new ArrayList<>(List.of("bench", "llfree", "--child",
                    "--shape", c.shape().key(), "--allocator", c.allocator(), "--layout", c.layout(),
                    "--mem", Long.toString(c.ramBytes()), "--order", Integer.toString(c.order()),
                    "--threads", Integer.toString(c.threads()), "--max-threads", Integer.toString(c.maxThreads()),
                    "--seed", Long.toString(c.seed())));
            if (c.rounds() != ShapeConfig.AUTO) {
                args.addAll(List.of("--rounds", Integer.toString(c.rounds())));
            }
            if (c.warmupRounds() != ShapeConfig.AUTO) {
                args.addAll(List.of("--warmup", Integer.toString(c.warmupRounds())));
            }
            if (logs != null) {
                args.addAll(List.of("--histogram-log", logs.next(null).toString()));
            }
            if (c.putBatch() != 1) {
                args.addAll(List.of("--put-batch", Integer.toString(c.putBatch())));
            }
            final String what = "bench llfree: " + c.shape().key() + " " + c.allocator() + "/" + c.layout()
                    + " order " + c.order() + " T=" + c.threads();
            final String json = ChildJvm.run(what, args, spec.commandLine().getErr());
            if (!(Json.at(Json.parse(json), "results") instanceof List<?> rows)) {
                throw new IllegalStateException(what + " printed no results");
            }
            for (final Object row : rows) {
                if (Json.number(row, "putBatch") != c.putBatch()) {
                    throw new IllegalStateException("bench llfree: a child freed in batches of "
                            + Json.at(row, "putBatch") + ", not " + c.putBatch() + ": " + row);
                }
                results.add(BenchHtml.result(c, row));
            }
        }
        return results;
    }

    /**
     * Each input on its own, with memu's one-line errors that name the option and the value ({@link
     * Inputs}); {@link LlfreeBench#configs} then only refuses combinations (an order whose blocks
     * do not fit the RAM at these thread counts).
     */
    private void checkInputs() {
        for (final String s : Inputs.list("--shape", shape)) {
            Inputs.choice("--shape", s, SHAPES);
        }
        Inputs.list("--allocator", allocator).forEach(a -> Inputs.allocator("--allocator", a));
        Inputs.list("--layout", layout).forEach(l -> Inputs.layout("--layout", l));
        Inputs.mem(mem);
        Inputs.list("--order", order).forEach(o -> Inputs.integer("--order", o, 0, ShapeConfig.MAX_ORDER));
        int most = 0;
        for (final String t : Inputs.list("--threads", threads)) {
            most = Math.max(most, Inputs.threads("--threads", t));
        }
        if (maxThreads != null && Inputs.threads("--max-threads", maxThreads) < most) {
            throw new UsageException("--max-threads '" + maxThreads + "': below the largest --threads (" + most + ")");
        }
        if (rounds != null) {
            Inputs.integer("--rounds", rounds, 1, Integer.MAX_VALUE);
        }
        if (warmup != null) {
            Inputs.integer("--warmup", warmup, 0, Integer.MAX_VALUE);
        }
        if (seed != null) {
            Inputs.integer("--seed", seed, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (putBatch != null) {
            Inputs.integer("--put-batch", putBatch, 1, ShapeConfig.MAX_PUT_BATCH);
        }
    }

    /** The option map {@link LlfreeBench#configs} reads; unset options keep its defaults. */
    private Map<String, String> options() {
        final Map<String, String> o = new LinkedHashMap<>();
        o.put("shape", shape);
        o.put("allocator", allocator);
        o.put("layout", layout);
        o.put("mem", mem);
        o.put("order", order);
        o.put("threads", threads);
        putIfSet(o, "max-threads", maxThreads);
        putIfSet(o, "rounds", rounds);
        putIfSet(o, "warmup", warmup);
        putIfSet(o, "seed", seed);
        putIfSet(o, "put-batch", putBatch);
        return o;
    }

    private static void putIfSet(final Map<String, String> o, final String key, final String value) {
        if (value != null) {
            o.put(key, value);
        }
    }

    /** LlfreeBench reports progress on a PrintStream; this one passes each line on to the CLI's stderr. */
    private static PrintStream lines(final PrintWriter err) {
        final OutputStream sink = new OutputStream() {
            private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

            @Override
            public void write(final int b) {
                pending.write(b);
            }

            @Override
            public void write(final byte[] b, final int off, final int len) {
                pending.write(b, off, len);
            }

            @Override
            public void flush() {
                err.print(pending.toString(StandardCharsets.UTF_8));
                err.flush();
                pending.reset();
            }

            @Override
            public void close() {
                flush();
            }
        };
        return new PrintStream(sink, true, StandardCharsets.UTF_8);
    }
}

package dev.memu.bench;

import dev.memu.alloc.Allocators;
import dev.memu.layout.Layouts;
import dev.memu.util.Sizes;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LLFree's three shapes from the command line: a plain {@code main} (no JMH), so the numbers come
 * out the way LLFree's own benchmark makes them, in a table and in JSON. The future
 * {@code memu bench llfree} command calls {@link #configs} and {@link #run} the same way.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp perf/target/benchmarks.jar dev.memu.bench.LlfreeBench \
 *      --shape bulk,repeat,rand --allocator buddy --layout memdesc8 --mem 8G --order 0 --threads 1,2
 * </pre>
 */
public final class LlfreeBench {

    static final String USAGE = """
            usage: LlfreeBench [options]
              --shape LIST       bulk, repeat, rand or all (default all)
              --allocator LIST   allocator names (default buddy; known: %s)
              --layout LIST      layout names (default memdesc8; known: %s)
              --mem SIZE         emulated RAM (default 8G, as LLFree's runs on 2 vCPUs)
              --order LIST       block orders (default 0)
              --threads LIST     thread counts T (default 1,2); T_max is the largest
              --max-threads N    T_max if not the largest of --threads
              --rounds N         timed rounds (default: enough for %d ops per thread and phase)
              --warmup N         untimed rounds first (default: as many as timed)
              --seed S           rand's shuffle seed (default 42, as LLFree)
              --put-batch N      bulk and rand free N blocks per PageAllocator.freeBatch (default 1:
                                 one at a time, as LLFree); a row with N > 1 is not LLFree's shape
              --format F         table or json on stdout (default table)
              --out FILE         also write the JSON to FILE
            """;

    private LlfreeBench() {
    }

    public static void main(final String[] args) {
        final Map<String, String> options;
        final List<ShapeConfig> configs;
        try {
            options = parse(args);
            if (options.containsKey("help")) {
                System.out.print(usage());
                return;
            }
            configs = configs(options);
            checkOut(options.get("out"));
        } catch (final IllegalArgumentException e) {
            System.err.println("memu bench llfree: " + e.getMessage());
            System.exit(2);
            return;
        }
        final List<ShapeResult> results;
        try {
            results = run(configs, System.err);
        } catch (final IllegalStateException | OutOfMemoryError e) {
            // A worker failed (its cause is in the message) or the host refused the emulated RAM.
            System.err.println("memu bench llfree: " + e.getMessage());
            System.exit(1);
            return;
        }
        final String json = ShapeReport.json(results);
        if ("json".equals(options.getOrDefault("format", "table"))) {
            System.out.println(json);
        } else {
            System.out.print(ShapeReport.table(results));
        }
        final String out = options.get("out");
        if (out != null) {
            try {
                Files.writeString(Path.of(out), json + System.lineSeparator());
            } catch (final IOException e) {
                System.err.println("memu bench llfree: cannot write --out " + out + ": " + e.getMessage());
                System.exit(2);
            }
        }
    }

    static String usage() {
        return USAGE.formatted(String.join(", ", Allocators.names()), Layouts.names(), ShapeConfig.AUTO_MIN_OPS);
    }

    /** {@code --key value} and {@code --key=value} pairs; {@code --help} alone. */
    static Map<String, String> parse(final String[] args) {
        final Map<String, String> options = new LinkedHashMap<>();
        final List<String> known = List.of("shape", "allocator", "layout", "mem", "order", "threads",
                "max-threads", "rounds", "warmup", "seed", "put-batch", "format", "out");
        for (int i = 0; i < args.length; i++) {
            final String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                options.put("help", "");
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "' (see --help)");
            }
            final int eq = arg.indexOf('=');
            final String key = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown option '--" + key + "' (see --help)");
            }
            final String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("option '--" + key + "' needs a value");
            }
            options.put(key, value);
        }
        final String format = options.getOrDefault("format", "table");
        if (!format.equals("table") && !format.equals("json")) {
            throw new IllegalArgumentException("--format must be table or json, got '" + format + "'");
        }
        return options;
    }

    /**
     * Every run the options ask for, allocator by layout by order by shape by thread count.
     *
     * @throws IllegalArgumentException naming the bad option value
     */
    public static List<ShapeConfig> configs(final Map<String, String> options) {
        final List<LlfreeShape> shapes = new ArrayList<>();
        for (final String key : list(options.getOrDefault("shape", "all"))) {
            if (key.equals("all")) {
                shapes.addAll(Arrays.asList(LlfreeShape.values()));
            } else {
                shapes.add(LlfreeShape.ofKey(key));
            }
        }
        final List<String> allocators = list(options.getOrDefault("allocator", "buddy"));
        allocators.forEach(Allocators::check);
        final List<String> layouts = list(options.getOrDefault("layout", "memdesc8"));
        layouts.forEach(Layouts::byName);
        final long mem;
        try {
            mem = Sizes.parse(options.getOrDefault("mem", "8G"));
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("--mem: " + e.getMessage());
        }
        final int[] orders = ints("order", options.getOrDefault("order", "0"));
        final int[] threads = ints("threads", options.getOrDefault("threads", "1,2"));
        final int maxThreads = options.containsKey("max-threads")
                ? ints("max-threads", options.get("max-threads"))[0]
                : Arrays.stream(threads).max().orElseThrow();
        final int rounds = options.containsKey("rounds") ? ints("rounds", options.get("rounds"))[0] : ShapeConfig.AUTO;
        final int warmup = options.containsKey("warmup") ? ints("warmup", options.get("warmup"))[0] : ShapeConfig.AUTO;
        if (options.containsKey("rounds") && rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
        }
        if (options.containsKey("warmup") && warmup < 0) {
            throw new IllegalArgumentException("--warmup must be at least 0, got " + warmup);
        }
        final long seed;
        try {
            seed = Long.parseLong(options.getOrDefault("seed", Long.toString(ShapeConfig.LLFREE_SEED)));
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("--seed must be an integer, got '" + options.get("seed") + "'");
        }
        final int putBatch = options.containsKey("put-batch") ? ints("put-batch", options.get("put-batch"))[0] : 1;
        if (putBatch < 1 || putBatch > ShapeConfig.MAX_PUT_BATCH) {
            throw new IllegalArgumentException("--put-batch must be 1.." + ShapeConfig.MAX_PUT_BATCH + ", got " + putBatch);
        }
        final List<ShapeConfig> configs = new ArrayList<>();
        for (final String allocator : allocators) {
            for (final String layout : layouts) {
                for (final int order : orders) {
                    for (final LlfreeShape shape : shapes) {
                        for (final int t : threads) {
                            configs.add(new ShapeConfig(shape, allocator, layout, mem, order, t, maxThreads,
                                    rounds, warmup, seed, putBatch));
                        }
                    }
                }
            }
        }
        return configs;
    }

    /**
     * Runs each config on a fresh machine and allocator. A config whose order the allocator does
     * not hand out (order 11 on buddy) is skipped with a note on {@code progress}.
     */
    public static List<ShapeResult> run(final List<ShapeConfig> configs, final PrintStream progress) {
        final List<ShapeResult> results = new ArrayList<>();
        for (final ShapeConfig config : configs) {
            final String what = config.shape().key() + " " + config.allocator() + "/" + config.layout()
                    + " order " + config.order() + " T=" + config.threads() + " mem " + Sizes.format(config.ramBytes());
            final long start = System.nanoTime();
            try (ShapeRunner runner = ShapeRunner.open(config)) {
                progress.println("memu bench llfree: " + what + ": " + runner.share() + " blocks/thread, "
                        + config.resolvedWarmupRounds() + " warm-up + " + config.resolvedRounds() + " rounds");
                results.add(runner.run());
            } catch (final ShapeRunner.UnsupportedOrderException e) {
                progress.println("memu bench llfree: " + what + ": skipped, " + e.getMessage());
                continue;
            }
            progress.printf("memu bench llfree: %s: done in %.1f s%n", what, (System.nanoTime() - start) / 1e9);
        }
        return results;
    }

    private static void checkOut(final String out) {
        if (out == null) {
            return;
        }
        final Path path = Path.of(out).toAbsolutePath();
        final Path dir = path.getParent();
        if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)
                || (Files.exists(path) && !Files.isWritable(path))) {
            throw new IllegalArgumentException("--out " + out + " is not writable");
        }
    }

    private static List<String> list(final String value) {
        final List<String> items = new ArrayList<>();
        for (final String item : value.split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException("empty list '" + value + "'");
        }
        return items;
    }

    private static int[] ints(final String option, final String value) {
        try {
            return list(value).stream().mapToInt(Integer::parseInt).toArray();
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("--" + option + " must be integers, got '" + value + "'");
        }
    }
}

package dev.memu.bench;

import dev.memu.driver.JitReport;
import dev.memu.machine.HugePageReport;

import dev.memu.util.Sizes;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints {@link ShapeResult}s as a text table and as JSON. */
public final class ShapeReport {

    private ShapeReport() {
    }

    /**
     * One row per run. {@code get}, {@code put}, {@code pair} are means over threads in ns per op;
     * {@code per thread} lists each vcpu's own figures (get/put, or pair for repeat).
     */
    public static String table(final List<ShapeResult> results) {
        final StringBuilder out = new StringBuilder();
        // Columns as wide as their longest name (potad-nodesc, memdesc8-hvo, rand-b31).
        int shapeWidth = 7;
        int allocatorWidth = 10;
        int layoutWidth = 9;
        for (final ShapeResult r : results) {
            shapeWidth = Math.max(shapeWidth, label(r.config()).length());
            allocatorWidth = Math.max(allocatorWidth, r.config().allocator().length());
            layoutWidth = Math.max(layoutWidth, r.config().layout().length());
        }
        final String names = "%-" + shapeWidth + "s %-" + allocatorWidth + "s %-" + layoutWidth + "s";
        final String header = String.format(Locale.ROOT, names + " %8s %5s %2s %10s %6s %8s %8s %8s  %s%n",
                "shape", "allocator", "layout", "mem", "order", "T", "blocks/T", "rounds",
                "get ns", "put ns", "pair ns", "per thread (vcpu: get/put or pair ns)");
        out.append(header);
        for (final ShapeResult r : results) {
            final ShapeConfig c = r.config();
            out.append(String.format(Locale.ROOT, names + " %8s %5d %2d %10d %6d %8s %8s %8s  %s%n",
                    label(c), c.allocator(), c.layout(), Sizes.format(c.ramBytes()).replace(" ", ""),
                    c.order(), r.threads(), r.share(), r.rounds(),
                    ns(r.meanGetNs()), ns(r.meanPutNs()), ns(r.meanPairNs()), perThread(r)));
        }
        return out.toString();
    }

    /** The shape's key, and {@code -b<n>} when its puts went in batches of n (not LLFree's shape then). */
    private static String label(final ShapeConfig c) {
        return c.putBatch() > 1 ? c.shape().key() + "-b" + c.putBatch() : c.shape().key();
    }

    private static String perThread(final ShapeResult r) {
        final StringBuilder s = new StringBuilder();
        for (int t = 0; t < r.threads(); t++) {
            if (t > 0) {
                s.append("  ");
            }
            s.append(t).append(": ");
            if (r.config().shape().timesGetAndPut()) {
                s.append(ns(r.getNs(t))).append('/').append(ns(r.putNs(t)));
            } else {
                s.append(ns(r.pairNs(t)));
            }
        }
        return s.toString();
    }

    private static String ns(final double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }

    /**
     * {@code {"config":{...},"results":[{...,"getNs","putNs","pairNs","perThread":[...]}]}}; a
     * value a shape does not measure is {@code null}.
     */
    public static String json(final List<ShapeResult> results) {
        return json(results, false);
    }

    /** {@link #json(List)} saying in its config whether each row ran in its own JVM ({@code forked}). */
    public static String json(final List<ShapeResult> results, final boolean forked) {
        final StringBuilder out = new StringBuilder();
        out.append("{\"config\":{\"benchmark\":\"llfree-shapes\"")
                .append(",\"source\":\"shapes of luhsra/llfree-rs bench/src/bin/bench.rs (bulk, repeat, rand)\"")
                .append(",\"timer\":\"System.nanoTime around each phase, per thread\"")
                .append(",\"pageSize\":").append(1L << ShapeConfig.PAGE_SHIFT)
                .append(",\"jvm\":\"").append(escape(Runtime.version().toString())).append('"')
                .append(",\"cpus\":").append(Runtime.getRuntime().availableProcessors())
                .append(",\"forked\":").append(forked)
                .append("},\"results\":[");
        for (int i = 0; i < results.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            result(out, results.get(i));
        }
        return out.append("]}").toString();
    }

    private static void result(final StringBuilder out, final ShapeResult r) {
        final ShapeConfig c = r.config();
        out.append("{\"shape\":\"").append(c.shape().key())
                .append("\",\"allocator\":\"").append(escape(c.allocator()))
                .append("\",\"layout\":\"").append(escape(c.layout()))
                .append("\",\"memBytes\":").append(c.ramBytes())
                .append(",\"frames\":").append(c.frames())
                .append(",\"order\":").append(c.order())
                .append(",\"threads\":").append(c.threads())
                .append(",\"maxThreads\":").append(c.maxThreads())
                .append(",\"blocksPerThread\":").append(r.share())
                .append(",\"rounds\":").append(r.rounds())
                .append(",\"warmupRounds\":").append(r.warmupRounds())
                .append(",\"seed\":").append(c.seed())
                .append(",\"putBatch\":").append(c.putBatch())
                .append(",\"getNs\":").append(number(r.meanGetNs()))
                .append(",\"putNs\":").append(number(r.meanPutNs()))
                .append(",\"pairNs\":").append(number(r.meanPairNs()));
        jit(out, r.jit());
        hugePages(out, r.hugePages());
        out.append(",\"perThread\":[");
        for (int t = 0; t < r.threads(); t++) {
            if (t > 0) {
                out.append(',');
            }
            out.append("{\"thread\":").append(t).append(",\"vcpu\":").append(t)
                    .append(",\"getNs\":").append(number(r.getNs(t)))
                    .append(",\"putNs\":").append(number(r.putNs(t)))
                    .append(",\"pairNs\":").append(number(r.pairNs(t)))
                    .append('}');
        }
        out.append("]}");
    }

    /**
     * {@code "jit":{...}} with compare's names ({@link JitReport#asJson}), or {@code null} when
     * the JIT was not watched.
     */
    private static void jit(final StringBuilder out, final JitReport jit) {
        out.append(",\"jit\":");
        if (jit.known()) {
            value(out, jit.asJson());
        } else {
            out.append("null");
        }
    }

    /**
     * {@code "hugePages":{...}} as compare writes it: the host's THP mode and, for every region
     * (so that rows line up), bytes mapped, advised MADV_HUGEPAGE, resident and backed by huge
     * pages; {@code null} when not measured.
     */
    private static void hugePages(final StringBuilder out, final HugePageReport h) {
        out.append(",\"hugePages\":");
        if (h == null) {
            out.append("null");
        } else {
            value(out, h.asJson());
        }
    }

    /** A JSON value of maps, strings, booleans and numbers (doubles to 4 decimals, NaN as null). */
    private static void value(final StringBuilder out, final Object v) {
        if (v instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (final Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "" : ",").append('"').append(escape(String.valueOf(e.getKey()))).append("\":");
                value(out, e.getValue());
                first = false;
            }
            out.append('}');
        } else if (v instanceof String str) {
            out.append('"').append(escape(str)).append('"');
        } else if (v instanceof Double d) {
            out.append(Double.isNaN(d) ? "null" : String.format(Locale.ROOT, "%.4f", d));
        } else {
            out.append(v);
        }
    }

    private static String number(final double value) {
        return Double.isNaN(value) ? "null" : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String escape(final String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}

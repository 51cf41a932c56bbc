package dev.memu.cli;

import dev.memu.swap.SwapChurn;
import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The {@code swap} part of a run's report: the emulated swap device, apart from RAM. */
final class SwapReport {

    private SwapReport() {
    }

    static Map<String, Object> tree(final SwapChurn.Result r) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("slots", r.slots());
        m.put("slotBytes", 4096);
        m.put("allocator", "potad");
        m.put("ops", r.ops());
        m.put("opsPerSec", r.opsPerSec());
        final Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("alloc", latency(r.alloc()));
        latency.put("free", latency(r.free()));
        m.put("latencyNs", latency);
        final Map<String, Object> lines = new LinkedHashMap<>();
        lines.put("alloc", r.linesPerAlloc());
        lines.put("free", r.linesPerFree());
        m.put("cachelinesPerOp", lines);
        m.put("metadataBytes", r.metadataBytes());
        m.put("bytesPerSlot", r.bytesPerSlot());
        m.put("failedAllocs", r.failedAllocs());
        m.put("verify", r.verify().ok() ? "ok" : r.verify().toString());
        return m;
    }

    private static Map<String, Object> latency(final Histogram h) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", h.getValueAtPercentile(50));
        m.put("p99", h.getValueAtPercentile(99));
        m.put("p999", h.getValueAtPercentile(99.9));
        m.put("max", h.getMaxValue());
        return m;
    }

    static String text(final SwapChurn.Result r, final String size) {
        return String.format(Locale.ROOT,
                "%nswap device %s: %d slots of 4 KiB on POTAD (no backing memory), half full, %d measured ops"
                        + " (1 in 64 on an order-9 cluster), %.2f Mops/s%n"
                        + "  alloc p50/p99 %d/%d ns, free p50/p99 %d/%d ns; lines per alloc %.2f, per free %.2f%n"
                        + "  metadata %d bytes = %.4f B/slot (its own footprint, not in B/page above);"
                        + " failed allocs %d; verify: %s%n",
                size, r.slots(), r.ops(), r.opsPerSec() / 1e6,
                r.alloc().getValueAtPercentile(50), r.alloc().getValueAtPercentile(99),
                r.free().getValueAtPercentile(50), r.free().getValueAtPercentile(99),
                r.linesPerAlloc(), r.linesPerFree(), r.metadataBytes(), r.bytesPerSlot(), r.failedAllocs(),
                r.verify().ok() ? "ok" : r.verify().toString());
    }
}

package dev.memu.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The HTML page of {@code memu replay --format html} and of saved replay JSON given to {@code
 * memu plot}: free blocks by order over the replay (one line per order, x = the event after which
 * the replay took its snapshot), cachelines per alloc and per free per layout, metadata bytes per
 * page by region per layout, then the exact figures. Charts are drawn from the JSON tree
 * ({@code replays[].freeBlocksByOrder[].{afterEvent,blocks}}, {@code linesPerOp}, {@code bytes}),
 * so a saved file renders as the command's own page did.
 */
final class ReplayHtml {

    /** The metadata regions of the text report's "metadata" column (page data is RAM, not metadata). */
    private static final List<String> METADATA = List.of("memmap", "allocator", "memdesc", "lookup");

    private ReplayHtml() {
    }

    /** Whether {@code root} is a replay result ({@code memu replay --format json}). */
    static boolean is(final Map<?, ?> root) {
        return root.get("replays") instanceof List<?> && root.get("trace") instanceof Map<?, ?>;
    }

    static String render(final String title, final List<Html.Saved> saved) {
        final StringBuilder sb = Html.begin(title);
        sb.append("<h2>Charts</h2>\n");
        final List<String> labels = new ArrayList<>();
        final List<Map<?, ?>> replays = new ArrayList<>();
        for (final Html.Saved s : saved) {
            final List<Map<?, ?>> mine = replays(s.root());
            for (final Map<?, ?> r : mine) {
                labels.add((saved.size() > 1 ? s.name() + ": " : "") + label(r));
                replays.add(r);
            }
            if (!mine.isEmpty()) {
                freeBlocksOverTime(sb, saved.size() > 1 ? s.name() + ", " : "", mine.getFirst());
            }
        }
        if (!replays.isEmpty()) {
            final double[] alloc = new double[replays.size()];
            final double[] free = new double[replays.size()];
            for (int i = 0; i < replays.size(); i++) {
                alloc[i] = Json.number(replays.get(i), "linesPerOp.alloc.all");
                free[i] = Json.number(replays.get(i), "linesPerOp.free.all");
            }
            Html.figure(sb, SvgBars.chart("Cachelines per op (distinct 64 B lines, mean, all regions)",
                    "lines per op", labels, List.of(new SvgBars.Series("alloc", alloc), new SvgBars.Series("free", free)),
                    false, false));
            final List<SvgBars.Series> regions = new ArrayList<>();
            for (final String region : METADATA) {
                final double[] v = new double[replays.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Json.number(replays.get(i), "bytes." + region) / Json.number(replays.get(i), "pages");
                }
                regions.add(new SvgBars.Series(region, v));
            }
            Html.figure(sb, SvgBars.chart("Metadata bytes per page by region", "bytes per page", labels, regions,
                    true, false));
        }
        Html.details(sb, saved);
        return Html.end(sb);
    }

    /**
     * One line per order that ever had a free block, over the snapshots ("after event N"); log
     * scale, since order 0 counts run to millions while the top orders hold a few blocks.
     */
    private static void freeBlocksOverTime(final StringBuilder sb, final String prefix, final Map<?, ?> replay) {
        if (!(replay.get("freeBlocksByOrder") instanceof List<?> snapshots) || snapshots.isEmpty()) {
            return;
        }
        final double[] x = new double[snapshots.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = Json.number(snapshots.get(i), "afterEvent");
        }
        final List<SvgLines.Series> series = Html.linesByOrder(snapshots, "blocks", x);
        if (series.isEmpty()) {
            return;
        }
        Html.figure(sb, SvgLines.chart("Free blocks by order over the replay (" + prefix + label(replay) + ", log scale)",
                "after event", null, "free blocks", true, series));
    }

    private static String label(final Map<?, ?> r) {
        final String layout = String.valueOf(r.get("layout"));
        return "allocator".equals(r.get("placement")) ? layout + " " + r.get("allocator") : layout;
    }

    private static List<Map<?, ?>> replays(final Map<String, Object> root) {
        return Json.maps(root.get("replays"));
    }
}

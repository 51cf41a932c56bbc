package dev.memu.explain;

import dev.memu.access.ExplainingAccess.Line;
import dev.memu.access.Region;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What one explained operation touched.
 *
 * @param spec      what was run
 * @param pages     page frames of the machine
 * @param maxOrder  the allocator's max order on it
 * @param fillPages pages the steady fill aimed at
 * @param pfn       the block allocated or freed ({@code -1}: the alloc failed)
 * @param lines     every distinct line, in the order first touched
 * @param notes     allocator context (free blocks per order before and after, PCP counters), as a
 *                  tree of maps, lists, strings, numbers and booleans
 */
public record Explanation(ExplainSpec spec, long pages, int maxOrder, long fillPages, long pfn, List<Line> lines,
                          Map<String, Object> notes) {

    public Explanation {
        lines = List.copyOf(lines);
        notes = Collections.unmodifiableMap(notes);
    }

    public int distinctLines() {
        return lines.size();
    }

    /** Distinct lines per region, every region listed (zeros included), as the counting pass reports them. */
    public Map<Region, Integer> linesByRegion() {
        final Map<Region, Integer> out = new EnumMap<>(Region.class);
        for (final Region r : Region.values()) {
            out.put(r, 0);
        }
        for (final Line line : lines) {
            out.merge(line.region(), 1, Integer::sum);
        }
        return out;
    }

    /** Lines no labeler could name: each is still listed, with no fields. */
    public int unlabeledLines() {
        int n = 0;
        for (final Line line : lines) {
            if (line.fields().isEmpty()) {
                n++;
            }
        }
        return n;
    }
}

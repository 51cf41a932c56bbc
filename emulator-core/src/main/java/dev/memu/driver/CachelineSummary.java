package dev.memu.driver;

import dev.memu.access.Region;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Distinct 64-byte cachelines per operation of one kind, from the counting pass.
 *
 * @param ops      operations counted
 * @param total    mean distinct lines per op over all regions
 * @param byRegion mean distinct lines per op in each region (every region, zeros included)
 * @param p99      99th percentile of lines per op over all regions
 * @param max      most lines one op touched
 * @param byOrder  mean distinct lines per op for each order that occurred, ascending: a mix's p99
 *                 can sit on the boundary between its orders, the means per order do not
 */
public record CachelineSummary(long ops, double total, Map<Region, Double> byRegion, long p99, long max,
                               Map<Integer, Double> byOrder) {

    public CachelineSummary {
        byRegion = Collections.unmodifiableMap(new EnumMap<>(byRegion));
        byOrder = Collections.unmodifiableMap(new TreeMap<>(byOrder));
    }

    public static CachelineSummary empty() {
        final Map<Region, Double> zero = new EnumMap<>(Region.class);
        for (final Region r : Region.values()) {
            zero.put(r, 0.0);
        }
        return new CachelineSummary(0, 0, zero, 0, 0, Map.of());
    }
}

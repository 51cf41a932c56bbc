package dev.memu.driver;

import dev.memu.access.Region;
import dev.memu.machine.HugePageReport;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Metadata cost measured from what the machine really mapped off-heap (memmap, allocator,
 * memdesc heap, lookup: every region but page data), divided by the managed pages.
 *
 * @param total         metadata bytes per page
 * @param byRegion      bytes per page of each metadata region
 * @param percentOfRam  metadata bytes as a percentage of RAM
 * @param metadataBytes metadata bytes mapped
 * @param hugePages     how the host backed those mappings (and RAM), read from /proc/self/smaps at
 *                      the end of the timed pass: a run on a host without THP says so here
 */
public record BytesPerPage(double total, Map<Region, Double> byRegion, double percentOfRam, long metadataBytes,
                           HugePageReport hugePages) {

    public BytesPerPage {
        byRegion = Collections.unmodifiableMap(new EnumMap<>(byRegion));
    }
}

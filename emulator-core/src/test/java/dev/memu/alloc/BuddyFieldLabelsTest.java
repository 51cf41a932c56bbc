package dev.memu.alloc;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.linux.ZoneStruct;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BuddyAllocator names the struct zone, per-CPU and mem_section fields at an address for memu explain. */
class BuddyFieldLabelsTest {

    private static List<String> labels(final BuddyAllocator buddy, final MemorySegment segment, final long offset, final long bytes) {
        final List<String> out = new ArrayList<>();
        buddy.labelFields(segment, offset, bytes, out);
        return out;
    }

    @Test
    void zoneFieldsAreNamedAsInMmzoneH() {
        try (Machine machine = Machine.create(4096L << Machine.DEFAULT_PAGE_SHIFT)) {
            final BuddyAllocator buddy = new BuddyAllocator(Layouts.byName("linux64").bind(machine, PlainAccess.INSTANCE),
                    AllocatorOptions.defaults().withVcpus(2));
            final MemorySegment zone = buddy.zoneSegment();
            assertEquals(List.of("zone._watermark[WMARK_LOW]"), labels(buddy, zone, 8, 8));
            assertEquals(List.of("zone.lowmem_reserve[ZONE_MOVABLE]"), labels(buddy, zone, ZoneStruct.lowmemReserve(3), 8));
            assertEquals(List.of("zone.free_area[1].free_list[MIGRATE_MOVABLE].prev"),
                    labels(buddy, zone, ZoneStruct.freeListPrev(1, 1), 8));
            assertEquals(List.of("zone.lock"), labels(buddy, zone, ZoneStruct.LOCK, 8));
            assertEquals(List.of("zone.vm_stat[NR_FREE_PAGES]"), labels(buddy, zone, ZoneStruct.vmStat(0), 8));
            assertEquals(List.of("zone.flags", "zone.lock"), labels(buddy, zone, ZoneStruct.FLAGS, 12), "a range spanning two fields");
            assertEquals(List.of("mem_section"), labels(buddy, zone, ZoneStruct.SIZE, 8));
            final List<String> all = new ArrayList<>();
            for (long offset = 0; offset < zone.byteSize(); offset += 8) {
                all.addAll(labels(buddy, zone, offset, 8));
            }
            assertTrue(all.contains("mem_section[0]"), "the root entry");
            assertTrue(all.contains("mem_section[0].usage"), "the section's usage pointer");
            assertTrue(all.contains("mem_section_usage[0].pageblock_flags[0]"), "the first pageblock word");
            assertTrue(all.contains("per_cpu_zonestats[cpu1].vm_numa_event[NUMA_HIT]"), "vcpu 1's NUMA events");
            assertTrue(all.contains("vm_event_states[cpu0].event[PGFREE]"), "vcpu 0's PGFREE");
            assertEquals(List.of(), labels(buddy, machine.ram(), 8, 8), "not one of its segments");
        }
    }
}

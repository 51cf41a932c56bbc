package dev.memu.layout;

import dev.memu.access.PlainAccess;
import dev.memu.access.Region;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * linux64's page->flags node and zone fields where include/linux/page-flags-layout.h puts them
 * with SPARSEMEM_VMEMMAP (no section field), NODES_SHIFT 10 and MAX_NR_ZONES 5: the node in the top
 * 10 bits, the zone in the 3 bits below, as page_to_nid and page_zonenum read them.
 */
class Linux64FlagsTest {

    private static final int BITS_PER_LONG = 64;
    private static final int NODES_WIDTH = 10;
    private static final int ZONES_WIDTH = 3;
    private static final int NODES_PGOFF = BITS_PER_LONG - NODES_WIDTH;
    private static final int ZONES_PGOFF = NODES_PGOFF - ZONES_WIDTH;
    private static final int ZONE_NORMAL = 2;

    @Test
    void fieldTableHasTheNodeAboveTheZone() {
        final List<LayoutField> fields = Layouts.byName("linux64").fields();
        final LayoutField node = fields.stream().filter(f -> f.name().equals("flags.node")).findFirst().orElseThrow();
        final LayoutField zone = fields.stream().filter(f -> f.name().equals("flags.zone")).findFirst().orElseThrow();
        assertEquals(NODES_PGOFF, node.bitOffset());
        assertEquals(NODES_WIDTH, node.bitWidth());
        assertEquals(ZONES_PGOFF, zone.bitOffset());
        assertEquals(ZONES_WIDTH, zone.bitWidth());
    }

    @Test
    void anAllocatedPageDecodesAsNodeZeroZoneNormal() {
        try (Machine machine = Machine.create(64L << Machine.DEFAULT_PAGE_SHIFT)) {
            final Linux64Layout.Map memmap = (Linux64Layout.Map) Layouts.byName("linux64").bind(machine, PlainAccess.INSTANCE);
            memmap.setAllocated(8, 2, Allocatee.of(MemdescType.ANON_FOLIO, 0x1230));
            final long flags = PlainAccess.INSTANCE.getLong(Region.MEMMAP, memmap.memmap, 8 * 64L);
            assertEquals(ZONE_NORMAL, (flags >>> ZONES_PGOFF) & ((1L << ZONES_WIDTH) - 1), "page_zonenum");
            assertEquals(0, flags >>> NODES_PGOFF, "page_to_nid");
            assertTrue((flags & (1L << 6)) != 0, "PG_head still at bit 6");
        }
    }
}

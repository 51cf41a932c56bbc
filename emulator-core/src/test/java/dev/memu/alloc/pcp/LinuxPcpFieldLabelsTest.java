package dev.memu.alloc.pcp;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.linux.PcpStruct;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** buddy+pcp names struct per_cpu_pages fields for memu explain. */
class LinuxPcpFieldLabelsTest {

    @Test
    void perCpuPagesFieldsAreNamedAsInMmzoneH() {
        try (Machine machine = Machine.create(4096L << Machine.DEFAULT_PAGE_SHIFT)) {
            final LinuxPcpAllocator pcp = new LinuxPcpAllocator(Layouts.byName("linux64").bind(machine, PlainAccess.INSTANCE),
                    AllocatorOptions.defaults());
            final List<String> out = new ArrayList<>();
            pcp.labelFields(pcp.area(), PcpStruct.COUNT, 4, out);
            assertEquals(List.of("pcp.count"), out);
            out.clear();
            pcp.labelFields(pcp.area(), PcpStruct.listNext(1), 8, out);
            assertEquals(List.of("pcp.lists[1] (order 0, MIGRATE_MOVABLE).next"), out);
            out.clear();
            pcp.labelFields(machine.ram(), 0, 8, out);
            assertEquals(List.of(), out, "page data is the layouts' to label");
        }
    }
}

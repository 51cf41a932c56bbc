package dev.memu.layout;

import dev.memu.access.PlainAccess;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memmap names its entries and page data from the layout's own field tables. */
class MemmapLabelTest {

    @Test
    void everyFieldOfAnEntryIsNamedWhenTheWholeEntryIsTouched() {
        try (Machine machine = Machine.create(1L << 20)) {
            for (final Layout layout : Layouts.all()) {
                if (layout.bytesPerPage() == 0) {
                    continue;
                }
                final PerPageMemmap memmap = (PerPageMemmap) layout.bind(machine, PlainAccess.INSTANCE);
                final List<String> out = new ArrayList<>();
                memmap.labelFields(memmap.memmap, 0x13L * layout.bytesPerPage(), layout.bytesPerPage(), out);
                final List<String> expected = layout.fields().stream().map(f -> "memmap[pfn 0x13]." + f.name()).toList();
                assertEquals(expected, out, layout.name());
            }
        }
    }

    @Test
    void aWordNamesOnlyTheFieldsInsideIt() {
        try (Machine machine = Machine.create(1L << 20)) {
            final PerPageMemmap memmap = (PerPageMemmap) new Linux64Layout().bind(machine, PlainAccess.INSTANCE);
            final List<String> out = new ArrayList<>();
            memmap.labelFields(memmap.memmap, 64 + Linux64Layout.REFCOUNT, 4, out);
            assertEquals(List.of("memmap[pfn 0x1]._refcount"), out);
            out.clear();
            memmap.labelFields(memmap.memmap, 64 + Linux64Layout.PAGE_TYPE, 4, out);
            assertEquals(List.of("memmap[pfn 0x1].page_type|_mapcount"), out);
        }
    }

    @Test
    void pageDataNamesTheFreeListLinksWhereTheLayoutKeepsThem() {
        try (Machine machine = Machine.create(1L << 20)) {
            final Memmap memdesc8 = new Memdesc8Layout().bind(machine, PlainAccess.INSTANCE);
            final List<String> out = new ArrayList<>();
            memdesc8.labelFields(machine.ram(), 5 * machine.pageSize() + 8, 8, out);
            assertEquals(List.of("page[pfn 0x5].data.prev"), out);
            out.clear();
            memdesc8.labelFields(machine.ram(), 5 * machine.pageSize() + 0x40, 8, out);
            assertEquals(List.of("page[pfn 0x5].data+0x40"), out);

            // linux64 keeps its links in the struct page: page data is only page contents.
            final Memmap linux64 = new Linux64Layout().bind(machine, PlainAccess.INSTANCE);
            out.clear();
            linux64.labelFields(machine.ram(), 5 * machine.pageSize(), 8, out);
            assertEquals(List.of("page[pfn 0x5].data+0x0"), out);
            out.clear();
            linux64.labelFields(machine.allocate(dev.memu.access.Region.ALLOCATOR, 4096), 0, 8, out);
            assertTrue(out.isEmpty(), "a segment that is not the memmap's names nothing");
        }
    }
}

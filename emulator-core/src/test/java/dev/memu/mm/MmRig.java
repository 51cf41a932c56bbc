package dev.memu.mm;

import dev.memu.access.Access;
import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.Memdescs;
import dev.memu.mm.mapcount.ExactMapcount;
import dev.memu.mm.mapcount.MapcountScheme;
import dev.memu.mm.mapcount.MapcountSchemes;
import dev.memu.mm.mapcount.SchemeContext;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A machine, an allocator, a memdesc heap and an mm layer with {@code exact} and the event checker attached. */
final class MmRig implements AutoCloseable {

    final Machine machine;
    final PageAllocator allocator;
    final MemdescHeap heap;
    final MmLayer mm;
    final ExactMapcount exact;
    final EventChecker events;
    /** Every real scheme the layout supports, attached to the same events. */
    final List<MapcountScheme> schemes = new ArrayList<>();

    MmRig(final long ram, final String layout, final String allocatorName, final MmConfig config) {
        this(ram, layout, allocatorName, config, PlainAccess.INSTANCE);
    }

    MmRig(final long ram, final String layout, final String allocatorName, final MmConfig config,
          final Access access) {
        machine = Machine.create(ram);
        allocator = Allocators.create(allocatorName, Layouts.byName(layout).bind(machine, access),
                AllocatorOptions.defaults());
        heap = MemdescHeap.forDescriptors(machine, access);
        mm = new MmLayer(allocator, Memdescs.withMapcountSlots(heap), config);
        exact = new ExactMapcount(mm.rmap(), allocator.maxOrder());
        events = new EventChecker(exact);
        mm.attach(exact);
        mm.attach(events);
        final PageTableProbe probe = new PageTableProbe(mm);
        final SchemeContext ctx = new SchemeContext(allocator.memmap(), heap, probe, probe);
        for (final String name : MapcountSchemes.NAMES) {
            if (!name.equals(ExactMapcount.NAME) && MapcountSchemes.supports(name, allocator.memmap().layout())) {
                final MapcountScheme s = MapcountSchemes.create(name, ctx);
                schemes.add(s);
                mm.attach(s);
            }
        }
    }

    MapcountScheme scheme(final String name) {
        for (final MapcountScheme s : schemes) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    MmRig(final MmConfig config) {
        this(64L << 20, "memdesc8", "buddy", config);
    }

    long folioAt(final Mm m, final long va) {
        final long pfn = mm.translate(m, va);
        return pfn < 0 ? 0 : allocator.memmap().allocatee(pfn);
    }

    int orderAt(final Mm m, final long va) {
        return mm.descs().order(folioAt(m, va));
    }

    /** Exact answers for the folio mapped at {@code va} in {@code m}. */
    ExactMapcount exactAt(final Mm m, final long va) {
        final long folio = folioAt(m, va);
        exact.measure(folio, mm.descs().order(folio));
        return exact;
    }

    /** Everything back: no mm, no folio, no page table, no descriptor; allocator verified. */
    void assertAllReturned() {
        mm.shutdown();
        assertEquals(0, mm.liveFolios(), "live folios");
        assertEquals(0, mm.pageTables().live(), "live page tables");
        assertEquals(0, mm.liveAnonVmas(), "live anon_vmas");
        assertEquals(0, heap.liveObjects(), "live descriptors");
        assertEquals(allocator.managedPages(), allocator.freePages(), "free == managed");
        final VerifyReport r = allocator.verify();
        assertTrue(r.ok(), r.toString());
        events.assertNothingLive();
    }

    @Override
    public void close() {
        machine.close();
    }
}
